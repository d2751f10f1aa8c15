/**
 * Failure injection: `update cluster --yes` of the minimal cluster through the fault proxy, which
 * answers chosen AWS operations with AWS errors in the wire format, so the real SDK and the
 * executor see exactly what AWS would send.
 *
 * - throttling (`RequestLimitExceeded`) is retried and the apply succeeds;
 * - a non-retryable error on one task fails that task once, skips its dependents (not failures),
 *   writes nothing to the state store, releases the lock, and a re-run after the fault is gone
 *   finishes the job.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, type TestContext } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { updateCluster, type UpdateClusterOptions } from '../../src/cloudup/update-cluster.js';
import { KopsError, formatDiagnostic } from '../../src/diagnostics.js';
import type { KopsEvent } from '../../src/events.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { startFaultProxy, throughProxy } from '../fakes/aws-fault-proxy.js';
import { awsEndpoint, testAws } from '../helpers/aws.js';
import { rejectionOf } from '../helpers/errors.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();
/**
 * A minimal cluster spec in a memory store, and update options whose AWS clients go through a new
 * proxy, closed when this test ends (the tests run concurrently: each closes only its own).
 */
async function setup(name: string, t: TestContext) {
  const aws = testAws();
  const proxy = await startFaultProxy(awsEndpoint());
  t.onTestFinished(() => proxy.close());
  const cs = new Clientset(openStateStore(`memory://faults-${aws.account}`));
  const built = newCluster({ name, zones: ['us-east-1a'] });
  await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
  // SDK retries on, as in production (testAws() turns them off to fail fast on emulator gaps).
  const { region: _r, ...awsOpts } = throughProxy(proxy, aws.options, { maxAttempts: 5 });
  const events: KopsEvent[] = [];
  const opts: UpdateClusterOptions = { clientset: cs, clusterName: name, aws: awsOpts, events: (e) => events.push(e) };
  return { cs, proxy, opts, events };
}

describe.concurrent('update cluster under injected AWS faults', () => {
  it('retries throttled CreateSecurityGroup calls and completes', async (t) => {
    const s = await setup('throttled.example.com', t);
    const rule = s.proxy.inject({ service: 'ec2', operation: 'CreateSecurityGroup', code: 'RequestLimitExceeded', times: 2 });
    const r = await updateCluster({ ...s.opts, yes: true });
    expect(r.applied?.ok).toBe(true);
    expect(rule.fired).toBe(2);
    expect(s.proxy.count({ operation: 'CreateSecurityGroup', injected: true, status: 503 })).toBe(2);
    // The three security groups (masters, nodes, api-elb) were created after the throttling.
    expect(s.proxy.count({ operation: 'CreateSecurityGroup', injected: false, status: 200 })).toBe(3);
    expect(await s.cs.readCompletedSpec('throttled.example.com')).toBeDefined();
  }, 180_000);

  it('fails the subnet once, skips its dependents, writes nothing, and a re-run finishes', async (t) => {
    const name = 'denied.example.com';
    const s = await setup(name, t);
    s.proxy.inject({ service: 'ec2', operation: 'CreateSubnet', code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' });
    const err = await rejectionOf(updateCluster({ ...s.opts, yes: true }), KopsError);
    expect(err.code).toBe('ApplyFailed');

    const subnetKey = `Subnet/us-east-1a.${name}`;
    const errors = err.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.task)).toEqual([subnetKey]);
    expect(errors[0]!.code).toBe('UnauthorizedOperation');
    // The line the user sees names the task and the AWS code and message, once each: not repeated by wrapping layers.
    const whole = errors.map(formatDiagnostic).join('\n');
    expect(whole).toContain(subnetKey);
    expect(whole.split('UnauthorizedOperation')).toHaveLength(2);
    expect(whole.split('You are not authorized to perform this operation.')).toHaveLength(2);
    // Not retryable: one attempt.
    expect(s.proxy.count({ operation: 'CreateSubnet' })).toBe(1);

    const failed = s.events.filter((e) => e.code === 'task.failed');
    expect(failed.map((e) => e.key)).toEqual([subnetKey]);
    const skipped = s.events.flatMap((e) => (e.code === 'task.skipped' ? [e] : []));
    expect(skipped.every((e) => e.reason === 'dependency-failed' && e.because === subnetKey)).toBe(true);
    const skippedKinds = new Set(skipped.map((e) => e.key.slice(0, e.key.indexOf('/'))));
    for (const kind of ['RouteTableAssociation', 'AutoscalingGroup']) expect([...skippedKinds]).toContain(kind);

    expect(await s.cs.readCompletedSpec(name)).toBeUndefined();

    // What is left: the subnet and what depends on it; the VPC was created.
    const left = await updateCluster(s.opts);
    const leftKeys = left.plan.changes.map((c) => c.key);
    expect(leftKeys).toContain(subnetKey);
    expect(leftKeys).not.toContain(`VPC/${name}`);

    // The lock was released: a second apply takes it. With the fault cleared it completes.
    s.proxy.clear();
    const rerun = await updateCluster({ ...s.opts, yes: true });
    expect(rerun.applied?.ok).toBe(true);
    expect(await s.cs.readCompletedSpec(name)).toBeDefined();
    const after = await updateCluster(s.opts);
    expect(after.plan.changes.map((c) => `${c.key}: ${c.action}`)).toEqual([]);
  }, 180_000);
});
