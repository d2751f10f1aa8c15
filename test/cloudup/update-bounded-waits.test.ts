/**
 * Every wait of `update cluster` is bounded:
 * - an endpoint that accepts connections and never answers fails the run within the configured
 *   request timeout (one attempt per call: the SDK does not wait the timeout again), with a
 *   message naming the endpoint, and no lock is left behind;
 * - an outage mid-apply (the emulator killed once some tasks have applied) stops the run early
 *   with the default settings: no new tasks, retries end, the lock is released, and the error
 *   says what was applied and what to do;
 * - a "not found" of something found at plan time is not retried; one of something just
 *   created is (eventual consistency).
 */
import { readFileSync } from 'node:fs';
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it, type TestContext } from 'vitest';
import { DEFAULT_ENDPOINT_HEALTH } from '../../src/cloud/aws/endpoint.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { updateCluster, type UpdateClusterOptions } from '../../src/cloudup/update-cluster.js';
import { KopsError, formatDiagnostic } from '../../src/diagnostics.js';
import type { KopsEvent } from '../../src/events.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { readClusterLock } from '../../src/statestore/lock.js';
import { openStateStore } from '../../src/statestore/open.js';
import { freePort, startMoto } from '../emulator/moto.js';
import { startFaultProxy, throughProxy } from '../fakes/aws-fault-proxy.js';
import { startSilentServer } from '../fakes/silent-server.js';
import { TEST_CREDENTIALS, awsEndpoint, testAws } from '../helpers/aws.js';
import { rejectionOf } from '../helpers/errors.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();

async function storedCluster(name: string, tag: string): Promise<Clientset> {
  const cs = new Clientset(openStateStore(`memory://waits-${tag}-${Date.now()}-${Math.random().toString(16).slice(2)}`));
  const built = newCluster({ name, zones: ['us-east-1a'] });
  await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
  return cs;
}

describe.concurrent('bounded waits in update cluster', () => {
  it('fails within the request timeout against an endpoint that never answers, and takes no lock', async (t) => {
    const silent = await startSilentServer();
    t.onTestFinished(() => silent.close());
    const name = 'silent.example.com';
    const cs = await storedCluster(name, 'silent');
    const err = await rejectionOf(
      updateCluster({
        clientset: cs,
        clusterName: name,
        yes: true,
        aws: { endpoint: silent.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 5, timeouts: { connectMs: 300, requestMs: 300 } },
      }),
      KopsError,
    );
    expect(err.code).toBe('EndpointTimeout');
    const line = formatDiagnostic(err.diagnostics[0]!);
    expect(line).toMatch(new RegExp(`^error: update cluster failed: the AWS endpoint ${silent.endpoint} did not answer within 300ms \\(\\w+:\\w+\\); nothing was changed in the cloud: check the network`));
    expect(line).toContain('--aws-request-timeout');
    // One attempt per call that was started (the pre-flight checks): the SDK did not retry the timeouts.
    expect(silent.connections()).toBeGreaterThan(0);
    expect(silent.connections()).toBeLessThanOrEqual(4);
    expect(await readClusterLock(cs.store, name)).toBeUndefined();
  }, 60_000);

  it('names a refused endpoint before anything is changed, instead of a raw ECONNREFUSED', async () => {
    const port = await freePort(); // bound and closed again: nothing listens there
    const endpoint = `http://127.0.0.1:${port}`;
    const name = 'refused.example.com';
    const cs = await storedCluster(name, 'refused');
    const err = await rejectionOf(updateCluster({ clientset: cs, clusterName: name, yes: true, aws: { endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 2 } }), KopsError);
    expect(err.code).toBe('EndpointUnreachable');
    const line = formatDiagnostic(err.diagnostics[0]!);
    expect(line).toMatch(new RegExp(`^error: update cluster failed: the AWS endpoint ${endpoint} is unreachable \\(connection refused\\) \\(\\w+:\\w+\\); nothing was changed in the cloud: check the network`));
    expect(line).not.toContain('ECONNREFUSED');
    expect(await readClusterLock(cs.store, name)).toBeUndefined();
  }, 60_000);

  it('stops an apply early when the endpoint goes down mid-apply, releases the lock and says what to do', async (t) => {
    const moto = await startMoto();
    t.onTestFinished(() => moto.stop());
    const name = 'outage.example.com';
    const cs = await storedCluster(name, 'outage');
    const events: KopsEvent[] = [];
    let killedAt: number | undefined;
    // What happened after the kill, kept to explain a failure of the time bound below.
    const afterKill: string[] = [];
    const opts: UpdateClusterOptions = {
      clientset: cs,
      clusterName: name,
      yes: true,
      // Production settings: SDK retries on, default timeouts and endpoint health.
      aws: { endpoint: moto.endpoint, credentials: TEST_CREDENTIALS },
      events: (e) => {
        events.push(e);
        if (killedAt !== undefined && e.code !== 'task.skipped') afterKill.push(`+${Math.round(performance.now() - killedAt)}ms ${JSON.stringify(e).slice(0, 200)}`);
        // Kill the emulator once a few tasks have applied.
        if (e.code === 'task.done' && killedAt === undefined && events.filter((x) => x.code === 'task.done').length >= 3) {
          killedAt = performance.now();
          void moto.stop();
        }
      },
    };
    const err = await rejectionOf(updateCluster(opts), KopsError);
    const endedAt = performance.now();
    expect(killedAt).toBeDefined();
    expect(err.code).toBe('EndpointDown');
    const line = formatDiagnostic(err.diagnostics[0]!);
    expect(line).toMatch(
      new RegExp(
        `^error: update cluster stopped: the AWS endpoint ${moto.endpoint} is unreachable \\(connection refused\\): \\d+ attempts in a row got no response over \\d+s; \\d+ changes were applied, \\d+ failed, \\d+ were not started: check the network`,
      ),
    );
    expect(line.endsWith(`then re-run to finish (the next plan shows what is left): kops-ts update cluster --name ${name} --yes`)).toBe(true);
    const applied = Number(/; (\d+) changes? w/.exec(line)?.[1]);
    expect(applied).toBe(events.filter((e) => e.code === 'task.done').length);
    expect(applied).toBeGreaterThanOrEqual(3);
    // Nothing waited for its 10-minute deadline, and the run ended soon after the endpoint died:
    // the default health check needs DEFAULT_ENDPOINT_HEALTH.downAfterMs without a response, then
    // the run's signal ends every wait at once. (Until 2026-12-03 a task in an SDK waiter, the
    // VPC's available-waiter, polled on through the refused connections until its own 120 s
    // limit: 90-106 s after the kill, and the cause of a CI run's 107 s. The waiters now get the
    // run's signal.) A refused connection fails at once, so no attempt waits out its request
    // timeout here; the timeline after the kill is printed if the bound is exceeded.
    expect(events.some((e) => e.code === 'task.failed' && e.errorCode === 'TaskDeadlineExceeded')).toBe(false);
    expect(DEFAULT_ENDPOINT_HEALTH.downAfterMs).toBe(15_000);
    const bound = DEFAULT_ENDPOINT_HEALTH.downAfterMs + 20_000;
    expect(endedAt - killedAt!, afterKill.slice(-20).join('\n')).toBeLessThan(bound);
    // Not started tasks were skipped, not run.
    expect(events.some((e) => e.code === 'task.skipped' && e.reason === 'cancelled')).toBe(true);
    // The lock was released (the store is not on the dead endpoint).
    expect(await readClusterLock(cs.store, name)).toBeUndefined();
    expect(await cs.readCompletedSpec(name)).toBeUndefined();
  }, 240_000);
});

describe.concurrent('eventual consistency is retried only for what the run just created', () => {
  async function setup(name: string, t: TestContext) {
    const aws = testAws();
    const proxy = await startFaultProxy(awsEndpoint());
    t.onTestFinished(() => proxy.close());
    const cs = await storedCluster(name, 'consistency');
    const { region: _r, ...awsOpts } = throughProxy(proxy, aws.options, { maxAttempts: 5 });
    const events: KopsEvent[] = [];
    const opts: UpdateClusterOptions = { clientset: cs, clusterName: name, aws: awsOpts, events: (e) => events.push(e) };
    return { aws, cs, proxy, opts, events };
  }

  it('retries a not-found right after creating the VPC, and does not retry one for the VPC found at plan time', async (t) => {
    const name = 'consistency.example.com';
    const s = await setup(name, t);
    const subnet = `Subnet/us-east-1a.${name}`;
    // 1. The VPC is created in this run; AWS does not show it to CreateSubnet yet (twice): retried, then it works.
    const lag = s.proxy.inject({ service: 'ec2', operation: 'CreateSubnet', code: 'InvalidVpcID.NotFound', message: 'The vpc ID does not exist', times: 2 });
    const first = await updateCluster({ ...s.opts, yes: true });
    expect(first.applied?.ok).toBe(true);
    expect(lag.fired).toBe(2);
    expect(s.events.filter((e) => e.code === 'task.retry' && e.key === subnet && e.errorCode === 'InvalidVpcID.NotFound')).toHaveLength(2);

    // 2. Later the VPC (found at plan time, so not fresh) is reported gone: final at once, no retries.
    const vpcs = await s.aws.clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: `tag:kubernetes.io/cluster/${name}`, Values: ['owned'] }] }));
    const vpcId = vpcs.Vpcs?.[0]?.VpcId ?? '';
    expect(vpcId).toMatch(/^vpc-/);
    s.proxy.clear();
    s.proxy.inject({ service: 'ec2', operation: 'CreateTags', code: 'InvalidVpcID.NotFound', message: `The vpc ID '${vpcId}' does not exist` });
    // A tag change on the VPC makes the next apply call CreateTags on the VPC found at plan time.
    const stored = await s.cs.getCluster(name);
    const changed = { ...stored.object, spec: { ...stored.object.spec, cloudLabels: { team: 'waits' } } };
    await s.cs.updateCluster(changed, stored.version);
    s.events.length = 0;
    const err = await rejectionOf(updateCluster({ ...s.opts, yes: true }), KopsError);
    expect(err.code).toBe('ApplyFailed');
    const vpcFailure = s.events.find((e) => e.code === 'task.failed' && e.key === `VPC/${name}`);
    expect(vpcFailure).toMatchObject({ errorCode: 'InvalidVpcID.NotFound', attempts: 1 });
    expect(s.events.some((e) => e.code === 'task.retry' && e.errorCode === 'InvalidVpcID.NotFound')).toBe(false);
  }, 180_000);
});

describe('the cluster lock during update cluster', () => {
  it('is renewed while AWS answers, and not when nothing answered since the last renewal', async () => {
    const aws = testAws();
    const name = 'renew.example.com';
    const cs = await storedCluster(name, 'renew');
    let tick: (() => void) | undefined;
    const renewals: string[] = [];
    const idle: string[] = [];
    // Count the lock's conditional rewrites (renewals) as the store sees them.
    const store = cs.store;
    const counting = new Clientset({
      url: store.url,
      read: (p) => store.read(p),
      list: (p) => store.list(p),
      listSizes: (p) => store.listSizes(p),
      delete: (p, o) => store.delete(p, o),
      write: async (p, d, o) => {
        if (p === `${name}/lock` && o?.ifVersion !== undefined) renewals.push(p);
        return store.write(p, d, o);
      },
    });
    const { region: _r, ...awsOpts } = aws.options;
    let fired = 0;
    const r = await updateCluster({
      clientset: counting,
      clusterName: name,
      yes: true,
      aws: awsOpts,
      lock: { timers: { setInterval: (fn) => ((tick = fn), 1), clearInterval: () => (tick = undefined) }, onIdle: (i) => idle.push(i.id) },
      events: (e) => {
        // Two ticks back to back after a task finished: the first renews (AWS answered since the
        // lock was taken), the second finds no response since the first and skips.
        if (e.code === 'task.done' && fired === 0) {
          fired++;
          tick?.();
          tick?.();
        }
      },
    });
    expect(r.applied?.ok).toBe(true);
    expect(fired).toBe(1);
    expect(renewals).toHaveLength(1);
    expect(idle).toHaveLength(1);
    expect(await readClusterLock(cs.store, name)).toBeUndefined();
  }, 180_000);
});
