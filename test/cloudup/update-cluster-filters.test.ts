/** update cluster's kops flags that narrow a plan: --instance-group(-roles), --lifecycle-overrides. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLifecycleOverrides } from '../../src/cli/commands/update-cluster.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { KopsError } from '../../src/diagnostics.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { testAws } from '../helpers/aws.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();

async function setup() {
  const aws = testAws();
  const cs = new Clientset(openStateStore(`memory://filters-${aws.account}`));
  const built = newCluster({ name: 'filters.example.com', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], controlPlaneZones: ['us-east-1a'] });
  await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
  const { region: _region, ...awsOpts } = aws.options;
  return { cs, awsOpts, name: built.cluster.metadata.name };
}

const keysOf = (kind: string, changes: readonly { kind: string; key: string }[]) => changes.filter((c) => c.kind === kind).map((c) => c.key).sort();

describe('update cluster filters', () => {
  it('plans only the named instance groups, and only the given roles', async () => {
    const s = await setup();
    const one = await updateCluster({ clientset: s.cs, clusterName: s.name, aws: s.awsOpts, instanceGroups: ['nodes-us-east-1b'] });
    expect(keysOf('AutoscalingGroup', one.plan.changes)).toEqual(['AutoscalingGroup/nodes-us-east-1b.filters.example.com']);
    const cp = await updateCluster({ clientset: s.cs, clusterName: s.name, aws: s.awsOpts, instanceGroupRoles: ['ControlPlane'] });
    expect(keysOf('LaunchTemplate', cp.plan.changes)).toEqual(['LaunchTemplate/control-plane-us-east-1a.masters.filters.example.com']);
    const nope = await updateCluster({ clientset: s.cs, clusterName: s.name, aws: s.awsOpts, instanceGroups: ['nope'] }).catch((e: unknown) => e as KopsError);
    expect((nope as KopsError).message).toMatch(/^instance group nope not found in cluster filters\.example\.com \(its groups: control-plane-us-east-1a, nodes-us-east-1a/);
    // The hint's command runs as pasted: it names the cluster.
    expect((nope as KopsError).diagnostics[0]?.hint).toBe('list them with kops-ts get ig --name filters.example.com');
  });

  it('leaves a kind out of the plan with --lifecycle-overrides Kind=Ignore', async () => {
    const s = await setup();
    const all = await updateCluster({ clientset: s.cs, clusterName: s.name, aws: s.awsOpts });
    expect(keysOf('SecurityGroupRule', all.plan.changes).length).toBeGreaterThan(5);
    const ignored = await updateCluster({ clientset: s.cs, clusterName: s.name, aws: s.awsOpts, lifecycleOverrides: parseLifecycleOverrides(['SecurityGroupRule=Ignore']) });
    expect(keysOf('SecurityGroupRule', ignored.plan.changes)).toEqual([]);
    expect(keysOf('SecurityGroup', ignored.plan.changes)).toEqual(keysOf('SecurityGroup', all.plan.changes));
  });

  it('refuses a malformed --lifecycle-overrides value, naming the lifecycles', () => {
    expect(() => parseLifecycleOverrides(['SecurityGroup=Sometimes'])).toThrow(KopsError);
    expect(() => parseLifecycleOverrides(['SecurityGroup'])).toThrow(/expected Kind=Lifecycle/);
  });
});
