/**
 * LocalStack mode by construction (issue #12, reliability point 7): the same smoke checks run on
 * the suite's emulator every time, and against a LocalStack container whenever a Docker engine
 * answers; the Docker detection itself is tested against fake engines, and the run says plainly
 * whether the LocalStack test ran and why not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { accountAccess, awsEndpoint, emulatorKind, TEST_CREDENTIALS } from '../helpers/aws.js';
import { dockerAddress, probeDocker } from './docker.js';
import { startLocalStack } from './localstack.js';
import { emulatorSmoke, type SmokeFacts } from './smoke.js';

function expectSound(f: SmokeFacts): void {
  expect(f.accounts[0]).not.toBe(f.accounts[1]);
  expect(f.callers).toEqual(f.accounts);
  expect(f.vpcsSeen).toEqual([1, 0]);
  expect(f.registered.ownerId).toBe(f.accounts[0]);
  expect(f.registered.spec).toBe(`${f.accounts[0]}/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20260714`);
  expect(f.imageFound).toEqual([f.registered.imageId, undefined]);
  expect(f.launchedImage).toBe(f.registered.imageId);
}

/** A fake engine on a unix socket or a TCP port that answers /_ping with `body`. */
async function fakeEngine(listen: { path: string } | { port: 0 }, body = 'OK', status = 200): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/_ping' ? status : 404, { 'content-type': 'text/plain' });
    res.end(req.url === '/_ping' ? body : 'not found');
  });
  await new Promise<void>((r) => ('path' in listen ? server.listen(listen.path, r) : server.listen(0, '127.0.0.1', r)));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0 };
}
const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

describe('emulator accounts', () => {
  it('names the account as the access key id everywhere, and adds the moto header only where moto may answer', () => {
    const moto = accountAccess('123412341234', 'moto');
    expect(moto.credentials).toEqual({ accessKeyId: '123412341234', secretAccessKey: TEST_CREDENTIALS.secretAccessKey });
    const req = { headers: {} as Record<string, string> };
    for (const h of moto.hooks) h(req as never);
    expect(req.headers).toEqual({ 'x-moto-account-id': '123412341234' });
    const ls = accountAccess('123412341234', 'localstack');
    expect(ls.credentials.accessKeyId).toBe('123412341234');
    expect(ls.hooks).toEqual([]);
    expect(() => accountAccess('testing', 'moto')).toThrow(/not a 12-digit AWS account id/);
  });
});

describe(`the emulator smoke checks on this run's emulator (${emulatorKind()})`, () => {
  it('isolates accounts, resolves images registered through RegisterImage, launches from them', async () => {
    expectSound(await emulatorSmoke(awsEndpoint(), emulatorKind()));
  });
});

describe('Docker engine detection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kops-ts-docker-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads DOCKER_HOST as the Docker CLI does, defaulting to /var/run/docker.sock', () => {
    expect(dockerAddress({})).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(dockerAddress({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toEqual({ socketPath: '/run/user/1000/docker.sock' });
    expect(dockerAddress({ DOCKER_HOST: 'tcp://10.0.0.5:2375' })).toEqual({ host: '10.0.0.5', port: 2375 });
    expect(() => dockerAddress({ DOCKER_HOST: 'ssh://me@host' })).toThrow(/expected unix:\/\/\/path\/to\/docker.sock or tcp:\/\/host:port/);
  });

  it('finds an engine that answers GET /_ping with OK, on a unix socket and over TCP', async () => {
    const sock = join(dir, 'engine.sock');
    const unix = await fakeEngine({ path: sock });
    const tcp = await fakeEngine({ port: 0 });
    try {
      expect(await probeDocker({ DOCKER_HOST: `unix://${sock}` })).toEqual({ reachable: true, address: `unix://${sock}` });
      expect((await probeDocker({ DOCKER_HOST: `tcp://127.0.0.1:${tcp.port}` })).reachable).toBe(true);
    } finally {
      await close(unix.server);
      await close(tcp.server);
    }
  });

  it('is not fooled by a missing socket, another server, or a bad DOCKER_HOST', async () => {
    const missing = await probeDocker({ DOCKER_HOST: `unix://${join(dir, 'none.sock')}` });
    expect(missing.reachable).toBe(false);
    expect(missing.reason).toMatch(/ENOENT/);
    const other = await fakeEngine({ port: 0 }, '<html>hello</html>');
    try {
      const p = await probeDocker({ DOCKER_HOST: `tcp://127.0.0.1:${other.port}` });
      expect(p.reachable).toBe(false);
      expect(p.reason).toMatch(/not a Docker engine's 200 OK/);
    } finally {
      await close(other.server);
    }
    expect(await probeDocker({ DOCKER_HOST: 'ssh://me@host' })).toMatchObject({ reachable: false, reason: expect.stringMatching(/DOCKER_HOST=ssh/) });
  });
});

const docker = await probeDocker();

describe('LocalStack', () => {
  it(`says whether the LocalStack smoke test runs here (Docker engine at ${docker.address}: ${docker.reachable ? 'reachable' : 'not reachable'})`, () => {
    // Printed on every run, so a green run without Docker cannot pass for a LocalStack run.
    console.info(
      docker.reachable
        ? `LocalStack smoke test: running (Docker engine at ${docker.address})`
        : `LocalStack smoke test: NOT RUN, no Docker engine reachable at ${docker.address} (${docker.reason ?? 'no answer'}); set DOCKER_HOST or start Docker to run it`,
    );
    expect(docker.address).not.toBe('');
  });

  describe.runIf(docker.reachable)('against a LocalStack container', () => {
    it('passes the same smoke checks as the suite emulator', { timeout: 300_000 }, async () => {
      const ls = await startLocalStack();
      try {
        expectSound(await emulatorSmoke(ls.endpoint, 'localstack'));
      } finally {
        await ls.stop();
      }
    });
  });
});
