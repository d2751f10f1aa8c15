/**
 * A fake EC2 instance metadata service (IMDSv2) for the boot-time python programs (s3get.py's
 * helpers, etcdvol.py, control-planes.py): `PUT /latest/api/token` hands out a session token,
 * and every `GET /latest/meta-data/...` must carry it (401 without, as IMDSv2 with tokens
 * required; 404 for a path it does not know). The instance role's credentials are served under
 * `iam/security-credentials/<role>`; other metadata (instance id, zone) comes from `metadata`,
 * read at each request so a test can move the "instance" between cases.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoleCredentials {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly Token: string;
}

export interface FakeImds {
  /** `http://127.0.0.1:<port>`, for the programs' `KOPS_TS_IMDS_ENDPOINT`. */
  readonly url: string;
  /** Every request: `<method> <path> with-token|no-token`. */
  readonly seen: string[];
  close(): Promise<void>;
}

export async function startFakeImds(o: { role: string; credentials: RoleCredentials; metadata?: () => Readonly<Record<string, string>> }): Promise<FakeImds> {
  const token = 'imds-session-token';
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const ok = req.headers['x-aws-ec2-metadata-token'] === token;
    seen.push(`${req.method} ${req.url} ${ok ? 'with-token' : 'no-token'}`);
    if (req.method === 'PUT' && req.url === '/latest/api/token') return void res.end(token);
    const answers: Record<string, string> = {
      ...Object.fromEntries(Object.entries(o.metadata?.() ?? {}).map(([k, v]) => [`/latest/meta-data/${k}`, v])),
      '/latest/meta-data/iam/security-credentials/': `${o.role}\n`,
      [`/latest/meta-data/iam/security-credentials/${o.role}`]: JSON.stringify({ Code: 'Success', ...o.credentials }),
    };
    const answer = ok ? answers[req.url ?? ''] : undefined;
    if (answer === undefined) {
      res.statusCode = ok ? 404 : 401;
      return void res.end();
    }
    res.end(answer);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
