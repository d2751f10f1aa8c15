/**
 * What etcdvol.py needs from the instance role, evaluated with the real IAM policy evaluator on the
 * policies the engine creates: AttachVolume is authorized on both the volume and the instance, so a
 * control plane must be allowed both for its cluster's etcd volume and its own instance (tagged by
 * the model as src/model/aws/etcd.ts and autoscaler-tags.ts do), and refused another cluster's
 * volume or instance and an untagged volume; a worker may attach nothing. DescribeVolumes takes no
 * resource-level permission in AWS, so it is granted unscoped (the script filters by tags itself).
 */
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { controlPlanePolicy, nodePolicy, policyFacts } from '../../src/model/aws/iam-policies.js';
import { ec2Arn, evaluate, type SimRequest } from '../helpers/iam-sim.js';

const C = 'c1.example.com';
const OTHER = 'c2.example.com';

function facts() {
  const c = structuredClone(newCluster({ name: C, zones: ['us-east-1a'] }).cluster);
  c.spec.iam = { legacy: false };
  return policyFacts(c, { region: 'us-east-1', state: { bucket: 'state-bucket', prefix: 'kops' } });
}

/** The tags the model puts on an etcd volume and on a control-plane instance, as condition keys. */
const etcdVolumeOf = (cluster: string) => ({
  'aws:ResourceTag/KubernetesCluster': cluster, 'aws:ResourceTag/k8s.io/etcd/main': 'a/a', 'aws:ResourceTag/k8s.io/role/control-plane': '1', 'aws:ResourceTag/k8s.io/role/master': '1',
});
const controlPlaneInstanceOf = (cluster: string) => ({
  'aws:ResourceTag/KubernetesCluster': cluster, 'aws:ResourceTag/k8s.io/role/control-plane': '1', 'aws:ResourceTag/k8s.io/role/master': '1',
});

const attach = (resource: string, context: Record<string, string>): SimRequest => ({ action: 'ec2:AttachVolume', resource, context });

describe('IAM for the etcd volume attacher', () => {
  const cp = controlPlanePolicy(facts());
  const node = nodePolicy(facts());

  it('a control plane may find volumes and attach its cluster\'s etcd volume to its own instance', async () => {
    expect(await evaluate(cp, { action: 'ec2:DescribeVolumes' })).toBe('Allowed');
    expect(await evaluate(cp, attach(ec2Arn('volume', 'vol-1'), etcdVolumeOf(C)))).toBe('Allowed');
    expect(await evaluate(cp, attach(ec2Arn('instance', 'i-1'), controlPlaneInstanceOf(C)))).toBe('Allowed');
  });

  it('a control plane may not attach another cluster\'s etcd volume, an untagged volume, or to another cluster\'s instance', async () => {
    expect(await evaluate(cp, attach(ec2Arn('volume', 'vol-2'), etcdVolumeOf(OTHER)))).toBe('ImplicitlyDenied');
    expect(await evaluate(cp, attach(ec2Arn('volume', 'vol-3'), {}))).toBe('ImplicitlyDenied');
    expect(await evaluate(cp, attach(ec2Arn('instance', 'i-2'), controlPlaneInstanceOf(OTHER)))).toBe('ImplicitlyDenied');
  });

  it('a worker may attach no volume, not even its own cluster\'s etcd volume', async () => {
    expect(await evaluate(node, attach(ec2Arn('volume', 'vol-1'), etcdVolumeOf(C)))).toBe('ImplicitlyDenied');
    expect(await evaluate(node, attach(ec2Arn('instance', 'i-1'), { 'aws:ResourceTag/KubernetesCluster': C, 'aws:ResourceTag/k8s.io/role/node': '1' }))).toBe('ImplicitlyDenied');
    expect(node.Statement.flatMap((s) => [s.Action].flat())).not.toContain('ec2:AttachVolume');
  });
});
