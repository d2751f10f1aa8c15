/**
 * The instances' S3 reader (`s3get.py`), run with the real python3:
 * - its SigV4 signature equals the AWS SDK's for the same request (moto does not check
 *   signatures, so this is what proves AWS would accept it);
 * - end to end against the emulator's S3, with a fake IMDSv2 (token PUT, then the role's
 *   credentials, each GET carrying the token): the object lands with mode 0600;
 * - an object that is missing fails with a message naming the bucket and key, and no credential;
 * - S3's answer naming another region for the bucket is followed, re-signed for that region.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { HttpRequest } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3_FETCH_PY } from '../../src/bootstrap/s3-fetch.js';
import { awsEndpoint, uniqueBucket } from '../helpers/aws.js';

const dir = mkdtempSync(join(tmpdir(), 'kops-ts-s3get-'));
const script = join(dir, 's3get.py');
writeFileSync(script, S3_FETCH_PY);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROLE_CREDS = { AccessKeyId: 'ASIAEXAMPLEROLEKEY00', SecretAccessKey: 'role-secret-never-printed', Token: 'session-token-never-printed' };

function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('python3', [script, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** IMDSv2: a token from a PUT, required on every GET. Records what it saw. */
const imdsSeen: string[] = [];
let imds: { server: Server; url: string };
beforeAll(async () => {
  const token = 'imds-session-token';
  imds = await listen((req, res) => {
    imdsSeen.push(`${req.method} ${req.url} ${req.headers['x-aws-ec2-metadata-token'] === token ? 'with-token' : 'no-token'}`);
    if (req.method === 'PUT' && req.url === '/latest/api/token' && req.headers['x-aws-ec2-metadata-token-ttl-seconds']) {
      res.end(token);
      return;
    }
    if (req.headers['x-aws-ec2-metadata-token'] !== token) {
      res.statusCode = 401;
      res.end();
      return;
    }
    if (req.url === '/latest/meta-data/iam/security-credentials/') return void res.end('nodes.c1.example.com\n');
    if (req.url === '/latest/meta-data/iam/security-credentials/nodes.c1.example.com') return void res.end(JSON.stringify({ Code: 'Success', ...ROLE_CREDS }));
    res.statusCode = 404;
    res.end();
  });
});
afterAll(() => imds.server.close());

describe('the SigV4 signature', () => {
  it('equals the AWS SDK\'s for the same GET Object (session token, key needing encoding)', async () => {
    let captured: HttpRequest | undefined;
    const s3 = new S3Client({
      region: 'eu-west-3',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'tok/en+=' },
      requestHandler: {
        handle: async (req: HttpRequest) => {
          captured = req;
          throw new Error('captured');
        },
      },
    });
    const key = 'kops/c1.example.com/igconfig/node/nodes a+b~c/kubeadm-join.yaml';
    await expect(s3.send(new GetObjectCommand({ Bucket: 'state-bucket', Key: key }))).rejects.toThrow('captured');
    const req = captured!;
    const auth = req.headers['authorization']!;
    const signed = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
    const headers = Object.fromEntries(signed.map((h) => [h, Object.entries(req.headers).find(([k]) => k.toLowerCase() === h)![1]]));
    const query = new URLSearchParams(Object.entries(req.query ?? {}).map(([k, v]) => [k, String(v)])).toString();
    const py = [
      'import json, sys', `sys.path.insert(0, ${JSON.stringify(dir)})`, 'import s3get', 'a = json.loads(sys.stdin.read())',
      // The script's own URL for the raw key; headers given in reverse order (the signer sorts them).
      'scheme, host, path = s3get.object_url(a["bucket"], a["key"], "eu-west-3")',
      'headers = dict(reversed(list(a["headers"].items())))',
      'print(scheme + "://" + host + path)',
      'print(s3get.authorization("GET", path, a["query"], headers, a["payload"], a["date"], "eu-west-3", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"))',
    ].join('\n');
    const out = await new Promise<string>((resolve, reject) => {
      const child = execFile('python3', ['-c', py], { env: { PATH: process.env.PATH ?? '' } }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
      child.stdin!.end(JSON.stringify({ bucket: 'state-bucket', key, query, headers, payload: headers['x-amz-content-sha256'], date: headers['x-amz-date'] }));
    });
    expect(query).toBe('x-id=GetObject');
    expect(req.path).toContain('nodes%20a%2Bb~c');
    expect(out.split('\n')).toEqual([`https://${req.hostname}${req.path}`, auth]);
  });
});

describe('end to end', () => {
  const bucket = uniqueBucket('kops-ts-s3get');
  // moto keeps S3 per account: the script sends no account header, so this uses moto's default one.
  const s3 = new S3Client({ region: 'us-east-1', endpoint: awsEndpoint(), forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const key = 'kops/c1.example.com/igconfig/node/nodes-us-east-1a/kubeadm-join.yaml';
  const env = () => ({ KOPS_TS_IMDS_ENDPOINT: imds.url, KOPS_TS_S3_ENDPOINT: awsEndpoint(), KOPS_TS_FETCH_ATTEMPTS: '1' });

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'kind: JoinConfiguration\n' }));
  });

  it('reads the object with the role\'s IMDSv2 credentials and writes it 0600', async () => {
    imdsSeen.length = 0;
    const dest = join(dir, 'kubeadm-join.yaml');
    const r = await run([bucket, key, dest, 'us-east-1'], env());
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(dest, 'utf8')).toBe('kind: JoinConfiguration\n');
    expect(statSync(dest).mode & 0o777).toBe(0o600);
    expect(imdsSeen).toEqual([
      'PUT /latest/api/token no-token',
      'GET /latest/meta-data/iam/security-credentials/ with-token',
      'GET /latest/meta-data/iam/security-credentials/nodes.c1.example.com with-token',
    ]);
  });

  it('a missing object fails, naming the bucket and key and no credential', async () => {
    const r = await run([bucket, 'kops/c1.example.com/igconfig/node/absent', join(dir, 'absent'), 'us-east-1'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kops-ts: cannot read s3://${bucket}/kops/c1.example.com/igconfig/node/absent (HTTP 404) after 1 attempts\n`);
    for (const v of Object.values(ROLE_CREDS)) expect(r.stderr + r.stdout).not.toContain(v);
  });

  it('without instance credentials it says so', async () => {
    const r = await run([bucket, key, join(dir, 'x'), 'us-east-1'], { ...env(), KOPS_TS_IMDS_ENDPOINT: 'http://127.0.0.1:9' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^kops-ts: cannot read s3:\/\/\S+ \(instance credentials: \w+\) after 1 attempts\n$/);
  });

  it('bad usage is exit 2 with the usage line', async () => {
    expect(await run([bucket], env())).toEqual({ code: 2, stdout: '', stderr: 'usage: s3get.py BUCKET KEY DEST REGION\n' });
  });
});

describe('the bucket\'s region', () => {
  it('follows S3\'s x-amz-bucket-region and signs again for that region', async () => {
    const scopes: string[] = [];
    const fake = await listen((req, res) => {
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\/aws4_request/.exec(req.headers.authorization ?? '')?.[1] ?? 'none';
      scopes.push(`${scope} token=${req.headers['x-amz-security-token'] === ROLE_CREDS.Token}`);
      if (scope !== 'eu-central-1') {
        res.writeHead(301, { 'x-amz-bucket-region': 'eu-central-1' });
        res.end('<Error><Code>PermanentRedirect</Code></Error>');
        return;
      }
      res.end('moved');
    });
    try {
      const dest = join(dir, 'moved');
      const r = await run(['b', 'k', dest, 'us-east-1'], { KOPS_TS_IMDS_ENDPOINT: imds.url, KOPS_TS_S3_ENDPOINT: fake.url, KOPS_TS_FETCH_ATTEMPTS: '1' });
      expect(r.code).toBe(0);
      expect(readFileSync(dest, 'utf8')).toBe('moved');
      expect(scopes).toEqual(['us-east-1 token=true', 'eu-central-1 token=true']);
    } finally {
      fake.server.close();
    }
  });
});
