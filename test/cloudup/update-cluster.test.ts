/**
 * update cluster end to end against the emulator: create the spec, plan, apply, plan again
 * (no changes), for the reference clusters.
 */
import { describe, expect, it } from 'vitest';
import { newCluster, type NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { testAws } from '../helpers/aws.js';
import { readFileSync } from 'node:fs';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();

async function setup(opts: Omit<NewClusterOptions, 'name'> & { name?: string }) {
  const aws = testAws();
  const cs = new Clientset(openStateStore(`memory://update-${aws.account}`));
  const built = newCluster({ name: opts.name ?? 'minimal.example.com', ...opts });
  await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
  const { region: _r, ...awsOpts } = aws.options;
  return { aws, cs, name: built.cluster.metadata.name, awsOpts };
}

describe('update cluster', () => {
  it('plans, applies and then has no changes for the minimal cluster', async () => {
    const s = await setup({ zones: ['us-east-1a'] });
    const planned = await updateCluster({ clientset: s.cs, clusterName: s.name, aws: s.awsOpts });
    expect(planned.plan.summary.create).toBeGreaterThan(20);
    const applied = await updateCluster({ clientset: s.cs, clusterName: s.name, aws: s.awsOpts, yes: true });
    expect(applied.applied?.ok).toBe(true);
    const again = await updateCluster({ clientset: s.cs, clusterName: s.name, aws: s.awsOpts });
    expect(again.plan.changes.map((c) => `${c.key}: ${c.action} ${c.fields.map((f) => f.field).join(',')}`)).toEqual([]);
    expect(await s.cs.readCompletedSpec(s.name)).toBeDefined();
  });
});

describe('update cluster under the lock', () => {
  it('applies the spec as it is once the lock is held, not as it was when first planned', async () => {
    const { DescribeAutoScalingGroupsCommand } = await import('@aws-sdk/client-auto-scaling');
    const s = await setup({ zones: ['us-east-1a'], name: 'locked.example.com' });
    // Another writer changes the spec after our first plan, just before we take the lock.
    const store = s.cs.store;
    let changed = false;
    const racing: typeof store = {
      url: store.url,
      read: (p) => store.read(p),
      list: (p) => store.list(p),
      listSizes: (p) => store.listSizes(p),
      delete: (p, o) => store.delete(p, o),
      async write(path, data, opts) {
        if (!changed && path.endsWith('/lock')) {
          changed = true;
          const ig = await s.cs.getInstanceGroup(s.name, 'nodes-us-east-1a');
          await s.cs.updateInstanceGroup(s.name, { ...ig.object, spec: { ...ig.object.spec, maxSize: 4 } }, ig.version);
        }
        return store.write(path, data, opts);
      },
    };
    const cs = new Clientset(racing);
    const r = await updateCluster({ clientset: cs, clusterName: s.name, aws: s.awsOpts, yes: true });
    expect(changed).toBe(true);
    expect(r.applied?.ok).toBe(true);
    const out = await s.aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`nodes-us-east-1a.${s.name}`] }));
    expect(out.AutoScalingGroups?.[0]?.MaxSize).toBe(4);
    expect((await s.cs.readCompletedSpec(s.name))?.object.spec).toBeDefined();
  });
});
