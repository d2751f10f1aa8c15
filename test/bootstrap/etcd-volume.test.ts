/**
 * `etcdvol.py`, the control plane's etcd-volume attacher, run with the real python3 against the
 * emulator's EC2 and a fake IMDSv2 (token PUT, then instance id, zone and role credentials, each
 * GET carrying the token). It must pick the volume of its own cluster, zone, `main` etcd cluster
 * and member among decoys, attach it to this instance, accept a re-run, wait (bounded) for a
 * volume still attached elsewhere, and refuse clearly when none exists, printing no credential.
 *
 * moto does not check signatures: the SigV4 signature of an EC2 query call is compared with the
 * AWS SDK's, and the request the script really sends is checked to be signed over what it sends.
 *
 * The script sends no emulator account header, so everything here lives in the emulator's
 * default account; each test uses its own cluster name, which the script filters on.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttachVolumeCommand, CreateVolumeCommand, DescribeImagesCommand, DescribeVolumesCommand, EC2Client, RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { HttpRequest } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ETCD_VOLUME_PY } from '../../src/bootstrap/etcd-volume.js';
import { S3_FETCH_PY } from '../../src/bootstrap/s3-fetch.js';
import { awsEndpoint, TEST_CREDENTIALS } from '../helpers/aws.js';
import { startFakeImds, type FakeImds } from '../fakes/imds.js';

const dir = mkdtempSync(join(tmpdir(), 'kops-ts-etcdvol-'));
writeFileSync(join(dir, 's3get.py'), S3_FETCH_PY);
const script = join(dir, 'etcdvol.py');
writeFileSync(script, ETCD_VOLUME_PY);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROLE_CREDS = { AccessKeyId: 'ASIAEXAMPLEROLEKEY00', SecretAccessKey: 'role-secret-never-printed', Token: 'session-token-never-printed' };
const ec2 = new EC2Client({ region: 'us-east-1', endpoint: awsEndpoint(), credentials: TEST_CREDENTIALS, maxAttempts: 1 });

/** The fake metadata service answers for `current.instance` in `current.zone`. */
const current = { instance: '', zone: 'us-east-1a' };
let imds: FakeImds;
beforeAll(async () => {
  imds = await startFakeImds({
    role: 'masters.c.example.com',
    credentials: ROLE_CREDS,
    metadata: () => ({ 'instance-id': current.instance, 'placement/availability-zone': current.zone }),
  });
});
afterAll(() => imds.close());

function run(args: string[], attempts = 1): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', KOPS_TS_IMDS_ENDPOINT: imds.url, KOPS_TS_EC2_ENDPOINT: awsEndpoint(), KOPS_TS_ATTACH_ATTEMPTS: String(attempts), KOPS_TS_ATTACH_INTERVAL: '0' };
  return new Promise((resolve) => {
    execFile('python3', [script, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function instance(zone: string): Promise<string> {
  const image = (await ec2.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
  const r = await ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, InstanceType: 't3.medium', Placement: { AvailabilityZone: zone } }));
  return r.Instances![0]!.InstanceId!;
}

async function volume(zone: string, tags: Record<string, string>): Promise<string> {
  const r = await ec2.send(new CreateVolumeCommand({
    AvailabilityZone: zone, Size: 20, VolumeType: 'gp3',
    TagSpecifications: [{ ResourceType: 'volume', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }],
  }));
  return r.VolumeId!;
}

async function attachments(id: string): Promise<string[]> {
  const v = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes![0]!;
  return (v.Attachments ?? []).map((a) => `${a.InstanceId} ${a.Device} ${a.State}`);
}

const clusterName = () => `c${randomBytes(4).toString('hex')}.example.com`;
const etcdTags = (cluster: string, etcd: string, value: string) => ({ KubernetesCluster: cluster, [`k8s.io/etcd/${etcd}`]: value, 'k8s.io/role/master': '1' });

describe('etcdvol.py against the emulator', () => {
  it('attaches its own cluster\'s main volume of its member in its zone, among decoys, and says which', async () => {
    const cluster = clusterName();
    current.instance = await instance('us-east-1a');
    const decoys = [
      await volume('us-east-1a', etcdTags(clusterName(), 'main', 'a/a,b,c')), // another cluster
      await volume('us-east-1b', etcdTags(cluster, 'main', 'a/a,b,c')), // another zone
      await volume('us-east-1a', etcdTags(cluster, 'main', 'b/a,b,c')), // another member
      await volume('us-east-1a', etcdTags(cluster, 'events', 'a/a,b,c')), // the events cluster
    ];
    const own = await volume('us-east-1a', etcdTags(cluster, 'main', 'a/a,b,c'));
    imds.seen.length = 0;
    const r = await run([cluster, 'a', 'us-east-1', '/dev/xvdu']);
    expect(r).toEqual({ code: 0, stdout: `${own} a,b,c\n`, stderr: '' });
    expect(await attachments(own)).toEqual([`${current.instance} /dev/xvdu attached`]);
    for (const d of decoys) expect(await attachments(d)).toEqual([]);
    expect(imds.seen.every((l) => l.startsWith('PUT') || l.endsWith('with-token'))).toBe(true);

    // A re-run (the bootstrap retried) finds it attached here and attaches nothing more.
    const again = await run([cluster, 'a', 'us-east-1', '/dev/xvdu']);
    expect(again).toEqual({ code: 0, stdout: `${own} a,b,c\n`, stderr: '' });
    expect(await attachments(own)).toEqual([`${current.instance} /dev/xvdu attached`]);
  });

  it('a single-member cluster: the member list it prints has one member', async () => {
    const cluster = clusterName();
    current.instance = await instance('us-east-1a');
    const own = await volume('us-east-1a', etcdTags(cluster, 'main', 'a/a'));
    expect(await run([cluster, 'a', 'us-east-1', '/dev/xvdu'])).toEqual({ code: 0, stdout: `${own} a\n`, stderr: '' });
  });

  it('refuses clearly when its cluster has no etcd volume for it, naming cluster, member and zone, no credential', async () => {
    const cluster = clusterName();
    current.instance = await instance('us-east-1a');
    await volume('us-east-1b', etcdTags(cluster, 'main', 'a/a'));
    const r = await run([cluster, 'a', 'us-east-1', '/dev/xvdu'], 2);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`kops-ts: no etcd volume to attach for cluster ${cluster}, member a, zone us-east-1a (tags KubernetesCluster=${cluster}, k8s.io/etcd/main=<member>/<all members>): none exists after 2 attempts; kops-ts update cluster --yes creates the etcd volumes\n`);
    for (const v of Object.values(ROLE_CREDS)) expect(r.stderr).not.toContain(v);
  });

  it('waits, bounded, for its volume while another instance still holds it, and never takes it', async () => {
    const cluster = clusterName();
    const old = await instance('us-east-1a');
    const own = await volume('us-east-1a', etcdTags(cluster, 'main', 'a/a'));
    await ec2.send(new AttachVolumeCommand({ VolumeId: own, InstanceId: old, Device: '/dev/xvdu' }));
    current.instance = await instance('us-east-1a');
    const r = await run([cluster, 'a', 'us-east-1', '/dev/xvdu'], 3);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`: ${own} still attached to another instance after 3 attempts`);
    expect(await attachments(own)).toEqual([`${old} /dev/xvdu attached`]);
  });

  it('bad usage is exit 2 with the usage line', async () => {
    expect(await run(['c1.example.com', '', 'us-east-1', '/dev/xvdu'])).toEqual({ code: 2, stdout: '', stderr: 'usage: etcdvol.py CLUSTER MEMBERS REGION DEVICE\n' });
  });
});

/** `s3get.authorization` (the signer etcdvol.py imports) run by python3 on the given request. */
function pySign(a: { method: string; headers: Record<string, string>; body: string; date: string; region: string; key: string; secret: string }): Promise<string> {
  const py = [
    'import hashlib, json, sys', `sys.path.insert(0, ${JSON.stringify(dir)})`, 'import s3get', 'a = json.loads(sys.stdin.read())',
    'print(s3get.authorization(a["method"], "/", "", a["headers"], hashlib.sha256(a["body"].encode()).hexdigest(), a["date"], a["region"], a["key"], a["secret"], service="ec2"))',
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = execFile('python3', ['-c', py], { env: { PATH: process.env.PATH ?? '' } }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
    child.stdin!.end(JSON.stringify(a));
  });
}

describe('the SigV4 signature of the EC2 calls', () => {
  it('equals the AWS SDK\'s for the same DescribeVolumes (POST, form body, session token)', async () => {
    let captured: HttpRequest | undefined;
    const sdk = new EC2Client({
      region: 'eu-west-3',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'tok/en+=' },
      requestHandler: { handle: async (req: HttpRequest) => { captured = req; throw new Error('captured'); } },
    });
    await expect(sdk.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag:KubernetesCluster', Values: ['c1.example.com'] }] }))).rejects.toThrow('captured');
    const req = captured!;
    const auth = req.headers['authorization']!;
    const signed = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
    const headers = Object.fromEntries(signed.map((h) => [h, Object.entries(req.headers).find(([k]) => k.toLowerCase() === h)![1]]));
    const body = String(req.body);
    expect(req.method).toBe('POST');
    expect(body).toContain('Action=DescribeVolumes');
    expect(await pySign({ method: 'POST', headers, body, date: headers['x-amz-date']!, region: 'eu-west-3', key: 'AKIDEXAMPLE', secret: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' })).toBe(auth);
  });

  it('the request etcdvol.py sends is signed over every header it sends and the body it sends', async () => {
    const seen: { headers: IncomingMessage['headers']; body: string }[] = [];
    const fake = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.statusCode = 400;
        res.end('<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors></Response>');
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
      const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
        const env = { PATH: process.env.PATH ?? '', KOPS_TS_IMDS_ENDPOINT: imds.url, KOPS_TS_EC2_ENDPOINT: url, KOPS_TS_ATTACH_ATTEMPTS: '1', KOPS_TS_ATTACH_INTERVAL: '0' };
        execFile('python3', [script, 'c1.example.com', 'a', 'us-east-1', '/dev/xvdu'], { env }, (err, _out, stderr) => resolve({ code: err ? 1 : 0, stderr }));
      });
      // AWS's refusal is named, with no credential.
      expect(r).toEqual({ code: 1, stderr: 'kops-ts: EC2 refused a call for the etcd volume of cluster c1.example.com: UnauthorizedOperation\n' });
      expect(seen).toHaveLength(1);
      const { headers, body } = seen[0]!;
      const auth = String(headers.authorization);
      const signedNames = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
      expect(signedNames).toEqual(['content-type', 'host', 'x-amz-date', 'x-amz-security-token']);
      expect(headers['x-amz-security-token']).toBe(ROLE_CREDS.Token);
      expect(auth).toContain(`Credential=${ROLE_CREDS.AccessKeyId}/`);
      expect(auth).toContain('/us-east-1/ec2/aws4_request');
      expect(new URLSearchParams(body).get('Action')).toBe('DescribeVolumes');
      const signedHeaders = Object.fromEntries(signedNames.map((h) => [h, String(headers[h])]));
      expect(await pySign({ method: 'POST', headers: signedHeaders, body, date: signedHeaders['x-amz-date']!, region: 'us-east-1', key: ROLE_CREDS.AccessKeyId, secret: ROLE_CREDS.SecretAccessKey })).toBe(auth);
    } finally {
      fake.close();
    }
  });
});

describe('EC2 throttling', () => {
  it('a throttled DescribeVolumes is looked at again, within the attempts', async () => {
    const actions: string[] = [];
    const fake = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        actions.push(new URLSearchParams(body).get('Action') ?? '');
        if (actions.length === 1) {
          res.statusCode = 503;
          return void res.end('<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>slow down</Message></Error></Errors></Response>');
        }
        res.end('<DescribeVolumesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><volumeSet/></DescribeVolumesResponse>');
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
      const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
        const env = { PATH: process.env.PATH ?? '', KOPS_TS_IMDS_ENDPOINT: imds.url, KOPS_TS_EC2_ENDPOINT: url, KOPS_TS_ATTACH_ATTEMPTS: '2', KOPS_TS_ATTACH_INTERVAL: '0' };
        execFile('python3', [script, 'c1.example.com', 'a', 'us-east-1', '/dev/xvdu'], { env }, (err, _out, stderr) => resolve({ code: err ? 1 : 0, stderr }));
      });
      expect(actions).toEqual(['DescribeVolumes', 'DescribeVolumes']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(': none exists after 2 attempts;');
    } finally {
      fake.close();
    }
  });
});
