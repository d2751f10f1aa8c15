/**
 * A rolling update runs for hours: AWS credentials must be fetched again when they expire, not
 * read once for the run. `AwsClients` passes no credentials of its own (only tests give static
 * ones), so the SDK's default provider chain resolves them and re-resolves expiring ones before a
 * request. This test proves it over HTTP: a local endpoint records which access key signed each
 * request while the environment's (expiring) credentials are rotated between two calls.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AwsClients } from '../../../src/cloud/aws/clients.js';

const IDENTITY = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ops</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult>
<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;

describe('credentials during a long run', () => {
  let server: Server;
  let endpoint: string;
  const signedBy: string[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    server = createServer((req, res) => {
      signedBy.push(/Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '(unsigned)');
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/xml' }).end(IDENTITY));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await new Promise<void>((r) => server.close(() => r()));
  });

  function expiringCredentials(key: string): void {
    process.env['AWS_ACCESS_KEY_ID'] = key;
    process.env['AWS_SECRET_ACCESS_KEY'] = `${key}-secret`;
    process.env['AWS_SESSION_TOKEN'] = `${key}-token`;
    // Within the SDK's refresh window (5 min before expiry): resolved again for the next request.
    process.env['AWS_CREDENTIAL_EXPIRATION'] = new Date(Date.now() + 60_000).toISOString();
  }

  it('signs each request with the credentials the default chain gives at that time, not those of the first call', async () => {
    const clients = new AwsClients({ region: 'us-east-1', endpoint, maxAttempts: 1 });
    expiringCredentials('ASIAFIRSTKEY');
    await clients.sts.send(new GetCallerIdentityCommand({}));
    expiringCredentials('ASIASECONDKEY');
    await clients.sts.send(new GetCallerIdentityCommand({}));
    expect(signedBy).toEqual(['ASIAFIRSTKEY', 'ASIASECONDKEY']);
  });
});
