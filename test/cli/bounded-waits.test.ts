/**
 * The CLI's bounded waits: `--aws-connect-timeout` / `--aws-request-timeout` (and their env
 * variables) reach the S3 state store's client and `update cluster`'s clients; an S3 store behind
 * an endpoint that never answers fails `get clusters` after one request timeout with one clear
 * line; bad durations are usage errors (exit 2).
 */
import { runBin } from '../helpers/bin.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { parseDuration } from '../../src/cli/timeouts.js';
import { startSilentServer } from '../fakes/silent-server.js';
import { cli, tempStore } from './harness.js';

const kops = runBin;

describe('bounded waits on the command line', () => {
  it('get clusters on an S3 store whose endpoint never answers fails after one request timeout, in one line', async (t) => {
    const silent = await startSilentServer();
    t.onTestFinished(() => silent.close());
    const env = { AWS_ENDPOINT_URL: silent.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
    const r = await kops(['get', 'clusters', '--state', 's3://silent-bucket', '--aws-request-timeout', '300ms'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n').filter((l) => !/NodeVersionSupportWarning|node >=22|^\s*$|upgrade to node|a\.co\/|receiving updates|versions published|will require|--trace-warnings/.test(l));
    expect(lines).toEqual([
      `error: state store s3://silent-bucket: cannot list (root) in bucket "silent-bucket": the AWS endpoint ${silent.endpoint} did not answer within 300ms (s3:ListObjectsV2): check the network, a proxy or firewall, and AWS_ENDPOINT_URL; a slow link may need a longer --aws-request-timeout / --aws-connect-timeout`,
    ]);
    // One request: the SDK did not wait the timeout four more times.
    expect(silent.connections()).toBe(1);

    // The environment variable does the same.
    const viaEnv = await kops(['get', 'clusters', '--state', 's3://silent-bucket'], { ...env, KOPS_AWS_REQUEST_TIMEOUT: '250ms' });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.stderr).toContain('did not answer within 250ms');
  }, 60_000);

  it('update cluster --yes against an AWS endpoint that never answers fails in one line and leaves no lock', async (t) => {
    const silent = await startSilentServer();
    t.onTestFinished(() => silent.close());
    const { dir, url } = tempStore();
    const name = 'silent-cli.example.com';
    const created = await cli(['create', 'cluster', '--name', name, '--zones', 'us-east-1a', '--state', url]);
    expect(created.code).toBe(0);
    expect(existsSync(join(dir, name, 'config'))).toBe(true); // where the store keeps objects: the lock would be beside it
    const env = { AWS_ENDPOINT_URL: silent.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', KOPS_STATE_STORE: url };
    const r = await kops(['update', 'cluster', '--name', name, '--yes', '--aws-request-timeout', '400ms', '--aws-connect-timeout', '400ms'], env);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('error:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^error: update cluster failed: the AWS endpoint ${silent.endpoint} did not answer within 400ms \\(\\w+:\\w+\\); nothing was changed in the cloud`));
    expect(existsSync(join(dir, name, 'lock'))).toBe(false);
  }, 60_000);

  it.each([
    [['--aws-request-timeout', 'abc'], '--aws-request-timeout "abc"'],
    [['--aws-connect-timeout', '0s'], '--aws-connect-timeout "0s"'],
    [['--aws-request-timeout', '60'], '--aws-request-timeout "60"'],
  ])('refuses %j as a usage error', async (flags, what) => {
    const { url } = tempStore();
    const r = await cli(['get', 'clusters', '--state', url, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: ${what}: expected a duration above zero such as 500ms, 5s or 1m30s: e.g. ${flags[0]} 10s\n`);
  });

  it('refuses a bad KOPS_AWS_REQUEST_TIMEOUT naming the variable', async () => {
    const { url } = tempStore();
    const r = await cli(['get', 'clusters', '--state', url], { env: { KOPS_AWS_REQUEST_TIMEOUT: 'soon' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: KOPS_AWS_REQUEST_TIMEOUT "soon": expected a duration');
  });

  it('reads Go-style durations', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('5')).toBeUndefined();
    expect(parseDuration('s')).toBeUndefined();
  });

  it('the flags the timeout hints name exist', () => {
    const program = buildProgram({ stdout: () => undefined, stderr: () => undefined, isTTY: false, env: {}, readFile: () => '', edit: () => 0 });
    const longs = program.options.map((o) => o.long);
    expect(longs).toContain('--aws-request-timeout');
    expect(longs).toContain('--aws-connect-timeout');
  });
});
