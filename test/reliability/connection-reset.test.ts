/**
 * A connection reset by the peer is a reset, not a timeout. Found by the fault tests: the SDK's
 * HTTP handler names a reset `TimeoutError` (code ECONNRESET), and kops-ts read that name first, so
 * a reset was reported as "did not answer within 60s" at once and never retried by the SDK; one
 * reset during planning failed `update cluster`. Against a real server that resets every
 * connection, through the real clients.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/cloud/aws/clients.js';
import { AwsEndpointError, EndpointHealth } from '../../src/cloud/aws/endpoint.js';
import { TEST_CREDENTIALS } from '../helpers/aws.js';

let attempts = 0;
let endpoint = '';
const server = createServer((req) => {
  void (async () => {
    for await (const _ of req) void _;
    attempts++;
    req.socket.resetAndDestroy();
  })();
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('a reset connection', () => {
  it('is an EndpointUnreachable "connection reset", retried by the SDK, and counted by the health monitor', async () => {
    const health = new EndpointHealth();
    const clients = new AwsClients({ region: 'us-east-1', endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 3, health });
    const e = await clients.ec2.send(new DescribeVpcsCommand({})).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(AwsEndpointError);
    const err = e as AwsEndpointError;
    expect(err.failure).toBe('connection reset');
    expect(err.name).toBe('EndpointUnreachable');
    expect(err.message).toBe(`the AWS endpoint ${endpoint} is unreachable (connection reset) (ec2:DescribeVpcs)`);
    expect(err.message).not.toContain('did not answer');
    // Retried by the SDK (a timeout would not be): every attempt reached the server.
    expect(attempts).toBe(3);
    expect(health.failing).toBe(true);
    expect(health.lastFailure?.failure).toBe('connection reset');
  });
});
