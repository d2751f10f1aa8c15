/**
 * The instance policies, evaluated with a real IAM policy evaluator: what the control plane may
 * not do to resources it does not own (the security defect of issue #7), what each component it
 * runs needs, what nodes may not read, and the grants that depend on the spec (ECR, the CNI).
 */
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../../src/cloudup/new-cluster.js';
import type { Cluster, NetworkingSpec } from '../../../src/model/api/types.js';
import { parseManifests } from '../../../src/model/api/parse.js';
import { toYaml } from '../../../src/model/api/serialize.js';
import { buildAwsTasks } from '../../../src/model/aws/index.js';
import {
  apiServerPolicy, bastionPolicy, controlPlanePolicy, nodePolicy, policyFacts, type PolicyDocument, type StateStoreLocation,
} from '../../../src/model/aws/iam-policies.js';
import { completeCluster } from '../../../src/model/completion.js';
import { ec2Arn, evaluate, type SimRequest } from '../../helpers/iam-sim.js';

const C = 'c1.example.com';
const OTHER = 'c2.example.com';
const STATE: StateStoreLocation = { bucket: 'state-bucket', prefix: 'kops' };
const ELB = (kind: 'loadbalancer/net' | 'targetgroup' | 'loadbalancer', id: string) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:${kind}/${id}`;

function cluster(networking: NetworkingSpec = { cilium: {} }, allowContainerRegistry = false): Cluster {
  const built = newCluster({ name: C, zones: ['us-east-1a'] });
  const c = structuredClone(built.cluster);
  c.spec.networking = networking;
  c.spec.iam = { legacy: false, allowContainerRegistry };
  return c;
}

function facts(c: Cluster = cluster()) {
  return policyFacts(c, { region: 'us-east-1', state: STATE });
}

const owned = { 'aws:ResourceTag/KubernetesCluster': C };
const ownedByOther = { 'aws:ResourceTag/KubernetesCluster': OTHER };

async function expectDecision(doc: PolicyDocument, cases: readonly [string, SimRequest][], want: 'Allowed' | 'ImplicitlyDenied'): Promise<void> {
  const got = await Promise.all(cases.map(async ([why, r]) => `${why}: ${await evaluate(doc, r)}`));
  expect(got).toEqual(cases.map(([why]) => `${why}: ${want}`));
}

describe('control-plane policy: nothing it does not own', () => {
  const doc = controlPlanePolicy(facts());

  it('cannot adopt a resource by tagging it, nor change or drop an ownership tag', async () => {
    await expectDecision(doc, [
      ['tag an untagged volume as ours', { action: 'ec2:CreateTags', resource: ec2Arn('volume', 'vol-1'), context: { 'aws:TagKeys': ['KubernetesCluster'], 'aws:RequestTag/KubernetesCluster': C } }],
      ['tag another cluster\'s security group as ours', { action: 'ec2:CreateTags', resource: ec2Arn('security-group', 'sg-1'), context: { ...ownedByOther, 'aws:TagKeys': ['KubernetesCluster'], 'aws:RequestTag/KubernetesCluster': C } }],
      ['add a harmless tag to an unowned volume', { action: 'ec2:CreateTags', resource: ec2Arn('volume', 'vol-1'), context: { 'aws:TagKeys': ['team'] } }],
      ['tag an instance (not a kind it creates)', { action: 'ec2:CreateTags', resource: ec2Arn('instance', 'i-1'), context: { ...owned, 'aws:TagKeys': ['team'] } }],
      ['change KubernetesCluster of an owned volume', { action: 'ec2:CreateTags', resource: ec2Arn('volume', 'vol-1'), context: { ...owned, 'aws:TagKeys': ['KubernetesCluster'], 'aws:RequestTag/KubernetesCluster': OTHER } }],
      ['add kubernetes.io/cluster/<other> to an owned group', { action: 'ec2:CreateTags', resource: ec2Arn('security-group', 'sg-1'), context: { ...owned, 'aws:TagKeys': [`kubernetes.io/cluster/${OTHER}`] } }],
      ['delete the ownership tag of an owned volume', { action: 'ec2:DeleteTags', resource: ec2Arn('volume', 'vol-1'), context: { ...owned, 'aws:TagKeys': ['KubernetesCluster'] } }],
      ['delete every tag of an owned volume (no keys given)', { action: 'ec2:DeleteTags', resource: ec2Arn('volume', 'vol-1'), context: owned }],
      ['tag an unowned load balancer as ours', { action: 'elasticloadbalancing:AddTags', resource: ELB('loadbalancer/net', 'lb/1'), context: { 'aws:TagKeys': ['KubernetesCluster'], 'aws:RequestTag/KubernetesCluster': C } }],
      ['change KubernetesCluster of an owned load balancer', { action: 'elasticloadbalancing:AddTags', resource: ELB('loadbalancer/net', 'lb/1'), context: { ...owned, 'aws:TagKeys': ['KubernetesCluster'], 'aws:RequestTag/KubernetesCluster': OTHER } }],
    ], 'ImplicitlyDenied');
  });

  it('cannot modify or delete an unowned resource', async () => {
    await expectDecision(doc, [
      ['delete another cluster\'s volume', { action: 'ec2:DeleteVolume', resource: ec2Arn('volume', 'vol-1'), context: ownedByOther }],
      ['delete an untagged volume', { action: 'ec2:DeleteVolume', resource: ec2Arn('volume', 'vol-1') }],
      ['resize an untagged volume', { action: 'ec2:ModifyVolume', resource: ec2Arn('volume', 'vol-1') }],
      ['detach an untagged volume', { action: 'ec2:DetachVolume', resource: ec2Arn('volume', 'vol-1') }],
      ['open an untagged security group', { action: 'ec2:AuthorizeSecurityGroupIngress', resource: ec2Arn('security-group', 'sg-1') }],
      ['delete another cluster\'s security group', { action: 'ec2:DeleteSecurityGroup', resource: ec2Arn('security-group', 'sg-1'), context: ownedByOther }],
      ['delete an untagged load balancer', { action: 'elasticloadbalancing:DeleteLoadBalancer', resource: ELB('loadbalancer/net', 'lb/1') }],
      ['register targets in an untagged target group', { action: 'elasticloadbalancing:RegisterTargets', resource: ELB('targetgroup', 'tg/1') }],
      ['change an untagged instance', { action: 'ec2:ModifyInstanceAttribute', resource: ec2Arn('instance', 'i-1') }],
      ['create a volume without the ownership tag', { action: 'ec2:CreateVolume', resource: ec2Arn('volume', '*') }],
      ['create a load balancer tagged for another cluster', { action: 'elasticloadbalancing:CreateLoadBalancer', resource: ELB('loadbalancer/net', 'lb/1'), context: { 'aws:RequestTag/KubernetesCluster': OTHER, 'aws:TagKeys': ['KubernetesCluster'] } }],
      ['route traffic in any route table (routes only with kubenet)', { action: 'ec2:CreateRoute', resource: ec2Arn('route-table', 'rtb-1'), context: owned }],
      ['scale an autoscaling group (no cluster autoscaler runs)', { action: 'autoscaling:SetDesiredCapacity', resource: 'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:uuid:autoScalingGroupName/nodes', context: owned }],
      ['create a service-linked role of another service', { action: 'iam:CreateServiceLinkedRole', resource: 'arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/x', context: { 'iam:AWSServiceName': 'autoscaling.amazonaws.com' } }],
      ['create a KMS grant for itself', { action: 'kms:CreateGrant', resource: 'arn:aws:kms:us-east-1:123456789012:key/k1', context: { 'kms:GrantIsForAWSResource': 'false' } }],
      ['decrypt with a key directly', { action: 'kms:Decrypt', resource: 'arn:aws:kms:us-east-1:123456789012:key/k1' }],
      ['read another cluster\'s state', { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${OTHER}/pki/private/ca/keyset.yaml` }],
      ['list another cluster\'s state', { action: 's3:ListBucket', resource: 'arn:aws:s3:::state-bucket', context: { 's3:prefix': `kops/${OTHER}/` } }],
      ['overwrite its own config', { action: 's3:PutObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/config` }],
      ['write another cluster\'s backups', { action: 's3:PutObject', resource: `arn:aws:s3:::state-bucket/kops/${OTHER}/backups/etcd/main/x` }],
      // etcd-backup.py's grants stop at its own cluster's backups/etcd/
      ['list the versions of another cluster\'s backups', { action: 's3:ListBucketVersions', resource: 'arn:aws:s3:::state-bucket', context: { 's3:prefix': `kops/${OTHER}/backups/etcd/main/` } }],
      ['list the versions of its own PKI', { action: 's3:ListBucketVersions', resource: 'arn:aws:s3:::state-bucket', context: { 's3:prefix': `kops/${C}/pki/` } }],
      ['list the versions of the whole bucket', { action: 's3:ListBucketVersions', resource: 'arn:aws:s3:::state-bucket', context: { 's3:prefix': '' } }],
      ['delete a version of another cluster\'s backup', { action: 's3:DeleteObjectVersion', resource: `arn:aws:s3:::state-bucket/kops/${OTHER}/backups/etcd/main/2026-10-24T12:00:00Z-000001/etcd.backup.gz` }],
      ['delete a version of its own PKI', { action: 's3:DeleteObjectVersion', resource: `arn:aws:s3:::state-bucket/kops/${C}/pki/private/kubernetes-ca/keyset.yaml` }],
      ['write into its own PKI', { action: 's3:PutObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/pki/private/kubernetes-ca/keyset.yaml` }],
    ], 'ImplicitlyDenied');
  });

  it('can do what each component it runs needs', async () => {
    const vol = ec2Arn('volume', 'vol-1');
    await expectDecision(doc, [
      // etcd-manager
      ['etcd-manager finds its volumes', { action: 'ec2:DescribeVolumes' }],
      ['etcd-manager attaches an etcd volume', { action: 'ec2:AttachVolume', resource: vol, context: { ...owned, 'aws:ResourceTag/k8s.io/role/master': '1' } }],
      ['etcd-manager attaches to its own instance', { action: 'ec2:AttachVolume', resource: ec2Arn('instance', 'i-1'), context: owned }],
      ['etcd-manager writes a backup', { action: 's3:PutObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/backups/etcd/main/2026-12-02/etcd.backup.gz` }],
      ['etcd-manager reads a backup', { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/backups/etcd/events/x` }],
      ['etcd-manager prunes old backups', { action: 's3:DeleteObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/backups/etcd/main/old` }],
      ['etcd-manager lists its backups', { action: 's3:ListBucket', resource: 'arn:aws:s3:::state-bucket', context: { 's3:prefix': `kops/${C}/backups/etcd/main/` } }],
      // etcd-backup.py (src/bootstrap/etcd-backup.ts): upload, list every version, delete one version
      ['etcd-backup.py uploads a backup\'s meta', { action: 's3:PutObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/backups/etcd/main/2026-12-03T14:00:00Z-000001/_etcd_backup.meta` }],
      ['etcd-backup.py lists every version of its backups', { action: 's3:ListBucketVersions', resource: 'arn:aws:s3:::state-bucket', context: { 's3:prefix': `kops/${C}/backups/etcd/main/` } }],
      ['etcd-backup.py deletes a version of a pruned backup', { action: 's3:DeleteObjectVersion', resource: `arn:aws:s3:::state-bucket/kops/${C}/backups/etcd/main/2026-10-24T12:00:00Z-000001/etcd.backup.gz` }],
      // reading its own state (PKI, secrets, config)
      ['the control plane reads its CA', { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/pki/private/kubernetes-ca/keyset.yaml` }],
      ['the control plane reads its secrets', { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/secrets/admin` }],
      ['the control plane finds the bucket\'s region', { action: 's3:GetBucketLocation', resource: 'arn:aws:s3:::state-bucket' }],
      // kops-controller and the cloud controller's node lifecycle
      ['kops-controller identifies nodes', { action: 'ec2:DescribeInstances' }],
      ['the cloud controller reads groups', { action: 'autoscaling:DescribeAutoScalingGroups' }],
      ['the cloud controller sets an owned instance\'s attributes', { action: 'ec2:ModifyInstanceAttribute', resource: ec2Arn('instance', 'i-1'), context: owned }],
      // the cloud controller's Service load balancers
      ['it creates a Service NLB tagged as ours', { action: 'elasticloadbalancing:CreateLoadBalancer', resource: ELB('loadbalancer/net', 'svc/1'), context: { 'aws:RequestTag/KubernetesCluster': C, 'aws:TagKeys': ['KubernetesCluster'] } }],
      ['it tags the new NLB at creation', { action: 'elasticloadbalancing:AddTags', resource: ELB('loadbalancer/net', 'svc/1'), context: { 'aws:RequestTag/KubernetesCluster': C, 'aws:TagKeys': ['KubernetesCluster'], 'elasticloadbalancing:CreateAction': 'CreateLoadBalancer' } }],
      ['it creates a target group tagged as ours', { action: 'elasticloadbalancing:CreateTargetGroup', resource: ELB('targetgroup', 'svc/1'), context: { 'aws:RequestTag/KubernetesCluster': C } }],
      ['it registers nodes in an owned target group', { action: 'elasticloadbalancing:RegisterTargets', resource: ELB('targetgroup', 'svc/1'), context: owned }],
      ['it updates a classic ELB\'s health check', { action: 'elasticloadbalancing:ConfigureHealthCheck', resource: ELB('loadbalancer', 'svc1'), context: owned }],
      ['it adds a tag to an owned load balancer', { action: 'elasticloadbalancing:AddTags', resource: ELB('loadbalancer/net', 'svc/1'), context: { ...owned, 'aws:TagKeys': ['team'] } }],
      ['it deletes an owned load balancer', { action: 'elasticloadbalancing:DeleteLoadBalancer', resource: ELB('loadbalancer/net', 'svc/1'), context: owned }],
      ['it creates a Service security group tagged as ours', { action: 'ec2:CreateSecurityGroup', resource: ec2Arn('security-group', '*'), context: { 'aws:RequestTag/KubernetesCluster': C } }],
      ['... in the cluster\'s VPC', { action: 'ec2:CreateSecurityGroup', resource: ec2Arn('vpc', 'vpc-1') }],
      ['it tags that group at creation', { action: 'ec2:CreateTags', resource: ec2Arn('security-group', 'sg-1'), context: { 'aws:RequestTag/KubernetesCluster': C, 'aws:TagKeys': ['KubernetesCluster'], 'ec2:CreateAction': 'CreateSecurityGroup' } }],
      ['it opens an owned group to the load balancer', { action: 'ec2:AuthorizeSecurityGroupIngress', resource: ec2Arn('security-group', 'sg-1'), context: owned }],
      ['it creates ELB\'s service-linked role', { action: 'iam:CreateServiceLinkedRole', resource: 'arn:aws:iam::123456789012:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing', context: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } }],
      // the EBS CSI driver
      ['EBS CSI creates a volume tagged as ours', { action: 'ec2:CreateVolume', resource: ec2Arn('volume', '*'), context: { 'aws:RequestTag/KubernetesCluster': C } }],
      ['EBS CSI tags it at creation', { action: 'ec2:CreateTags', resource: vol, context: { 'aws:RequestTag/KubernetesCluster': C, 'aws:TagKeys': ['KubernetesCluster', 'CSIVolumeName'], 'ec2:CreateAction': 'CreateVolume' } }],
      ['EBS CSI attaches an owned volume', { action: 'ec2:AttachVolume', resource: vol, context: owned }],
      ['EBS CSI resizes an owned volume', { action: 'ec2:ModifyVolume', resource: vol, context: owned }],
      ['EBS CSI deletes an owned volume', { action: 'ec2:DeleteVolume', resource: vol, context: owned }],
      ['EBS CSI re-tags an owned volume', { action: 'ec2:CreateTags', resource: vol, context: { ...owned, 'aws:TagKeys': ['CSIVolumeName'] } }],
      ['EC2 gets a grant for an encrypted volume', { action: 'kms:CreateGrant', resource: 'arn:aws:kms:us-east-1:123456789012:key/k1', context: { 'kms:GrantIsForAWSResource': 'true' } }],
      ['EC2 decrypts the volume key on its behalf', { action: 'kms:Decrypt', resource: 'arn:aws:kms:us-east-1:123456789012:key/k1', context: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } }],
    ], 'Allowed');
  });

  it('kubenet gets the cloud controller\'s routes, on owned route tables only', async () => {
    const kubenet = controlPlanePolicy(facts(cluster({ kubenet: {} })));
    expect(await evaluate(kubenet, { action: 'ec2:CreateRoute', resource: ec2Arn('route-table', 'rtb-1'), context: owned })).toBe('Allowed');
    expect(await evaluate(kubenet, { action: 'ec2:DeleteRoute', resource: ec2Arn('route-table', 'rtb-1'), context: owned })).toBe('Allowed');
    expect(await evaluate(kubenet, { action: 'ec2:CreateRoute', resource: ec2Arn('route-table', 'rtb-1'), context: ownedByOther })).toBe('ImplicitlyDenied');
  });

  it('with a file or memory state store grants no S3 at all', async () => {
    const noState = controlPlanePolicy(policyFacts(cluster(), { region: 'us-east-1' }));
    expect(JSON.stringify(noState)).not.toContain('s3:');
    expect(await evaluate(noState, { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/config` })).toBe('ImplicitlyDenied');
  });

  it('scopes S3 to the bucket root when the store has no prefix', async () => {
    const root = controlPlanePolicy(policyFacts(cluster(), { region: 'us-east-1', state: { bucket: 'b', prefix: '' } }));
    expect(await evaluate(root, { action: 's3:GetObject', resource: `arn:aws:s3:::b/${C}/config` })).toBe('Allowed');
    expect(await evaluate(root, { action: 's3:GetObject', resource: `arn:aws:s3:::b/${OTHER}/config` })).toBe('ImplicitlyDenied');
  });
});

describe('node policy', () => {
  const doc = nodePolicy(facts(cluster({ cilium: {} }, true)));

  it('reads its join material, igconfig/node/, and nothing else of the store', async () => {
    await expectDecision(doc, [
      ['join configuration', { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/igconfig/node/nodes-us-east-1a/kubeadm-join.yaml` }],
    ], 'Allowed');
    await expectDecision(doc, [
      ['a control plane\'s bootstrap files (CA keys)', { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/igconfig/control-plane/control-plane-us-east-1a/pki/ca.key` }],
      ['another cluster\'s join material', { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${OTHER}/igconfig/node/nodes/kubeadm-join.yaml` }],
      ['write its join material', { action: 's3:PutObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/igconfig/node/nodes/kubeadm-join.yaml` }],
      ['pki public', { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/pki/issued/kubernetes-ca/keyset.yaml` }],
    ], 'ImplicitlyDenied');
  });

  it('no statement of it grants read on pki/private/ or secrets/ (every resource pattern checked)', () => {
    const readers = doc.Statement.filter((st) => [st.Action].flat().some((a) => a.startsWith('s3:') || a === '*'));
    expect(readers.map((st) => st.Sid)).toEqual(['ReadNodeJoinMaterial']);
    expect(readers.flatMap((st) => [st.Resource ?? []].flat())).toEqual([`arn:aws:s3:::state-bucket/kops/${C}/igconfig/node/*`]);
    expect(doc.Statement.flatMap((st) => [st.Resource ?? []].flat()).filter((r) => r.startsWith('arn:aws:s3:'))).toHaveLength(1);
  });

  it('cannot read pki/, secrets/, its own config or another cluster\'s state', async () => {
    await expectDecision(doc, [
      ['pki', { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/pki/private/kubernetes-ca/keyset.yaml` }],
      ['secrets', { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/secrets/admin` }],
      ['config', { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/config` }],
      ['another cluster', { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${OTHER}/config` }],
      ['listing', { action: 's3:ListBucket', resource: 'arn:aws:s3:::state-bucket', context: { 's3:prefix': `kops/${C}/` } }],
      ['backups', { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/backups/etcd/main/x` }],
    ], 'ImplicitlyDenied');
  });

  it('cannot touch volumes, groups or load balancers, owned or not', async () => {
    await expectDecision(doc, [
      ['delete an owned volume', { action: 'ec2:DeleteVolume', resource: ec2Arn('volume', 'vol-1'), context: owned }],
      ['open an owned group', { action: 'ec2:AuthorizeSecurityGroupIngress', resource: ec2Arn('security-group', 'sg-1'), context: owned }],
      ['tag anything', { action: 'ec2:CreateTags', resource: ec2Arn('volume', 'vol-1'), context: { ...owned, 'aws:TagKeys': ['team'] } }],
      ['delete an owned load balancer', { action: 'elasticloadbalancing:DeleteLoadBalancer', resource: ELB('loadbalancer/net', 'lb/1'), context: owned }],
    ], 'ImplicitlyDenied');
  });
});

describe('grants decided by the spec', () => {
  const pull: SimRequest = { action: 'ecr:BatchGetImage', resource: 'arn:aws:ecr:us-east-1:123456789012:repository/app' };
  const token: SimRequest = { action: 'ecr:GetAuthorizationToken' };

  it('iam.allowContainerRegistry decides ECR pulls, for every role that runs pods', async () => {
    for (const build of [controlPlanePolicy, nodePolicy, apiServerPolicy]) {
      const on = build(facts(cluster({ cilium: {} }, true)));
      const off = build(facts(cluster({ cilium: {} }, false)));
      expect(`${build.name}: ${await evaluate(on, pull)} ${await evaluate(on, token)}`).toBe(`${build.name}: Allowed Allowed`);
      expect(`${build.name}: ${await evaluate(off, pull)} ${await evaluate(off, token)}`).toBe(`${build.name}: ImplicitlyDenied ImplicitlyDenied`);
    }
  });

  const srcDst: SimRequest = { action: 'ec2:ModifyNetworkInterfaceAttribute', resource: ec2Arn('network-interface', 'eni-1') };
  const createEni: SimRequest = { action: 'ec2:CreateNetworkInterface', resource: ec2Arn('network-interface', '*') };
  const assignIp: SimRequest = { action: 'ec2:AssignPrivateIpAddresses', resource: ec2Arn('network-interface', 'eni-1') };
  const tagEni: SimRequest = { action: 'ec2:CreateTags', resource: ec2Arn('network-interface', 'eni-1'), context: { 'aws:TagKeys': ['node.k8s.amazonaws.com/instance_id'] } };
  const instanceAttr = (context = owned): SimRequest => ({ action: 'ec2:ModifyInstanceAttribute', resource: ec2Arn('instance', 'i-1'), context });

  async function decisions(networking: NetworkingSpec, build: (f: ReturnType<typeof facts>) => PolicyDocument, reqs: readonly SimRequest[]) {
    const doc = build(facts(cluster(networking)));
    return Promise.all(reqs.map((r) => evaluate(doc, r)));
  }

  it('calico: the source/destination check on nodes and control planes, unless DoNothing', async () => {
    expect(await decisions({ calico: {} }, nodePolicy, [srcDst])).toEqual(['Allowed']);
    expect(await decisions({ calico: {} }, controlPlanePolicy, [srcDst])).toEqual(['Allowed']);
    expect(await decisions({ calico: { awsSrcDstCheck: 'DoNothing' } }, nodePolicy, [srcDst])).toEqual(['ImplicitlyDenied']);
  });

  it('cilium: ENI management only in ENI mode, for its operator on the control plane', async () => {
    expect(await decisions({ cilium: {} }, controlPlanePolicy, [srcDst, createEni, assignIp])).toEqual(['ImplicitlyDenied', 'ImplicitlyDenied', 'ImplicitlyDenied']);
    expect(await decisions({ cilium: { ipam: 'eni' } }, controlPlanePolicy, [srcDst, createEni, assignIp])).toEqual(['Allowed', 'Allowed', 'Allowed']);
    expect(await decisions({ cilium: { ipam: 'eni' } }, nodePolicy, [createEni, assignIp])).toEqual(['ImplicitlyDenied', 'ImplicitlyDenied']);
  });

  it('amazonvpc: ENI management on every instance, tagging only interfaces', async () => {
    expect(await decisions({ amazonvpc: {} }, nodePolicy, [createEni, assignIp, tagEni])).toEqual(['Allowed', 'Allowed', 'Allowed']);
    expect(await decisions({ amazonvpc: {} }, controlPlanePolicy, [createEni, assignIp])).toEqual(['Allowed', 'Allowed']);
    expect(await decisions({ amazonvpc: {} }, nodePolicy, [{ action: 'ec2:CreateTags', resource: ec2Arn('volume', 'vol-1'), context: { 'aws:TagKeys': ['KubernetesCluster'] } }])).toEqual(['ImplicitlyDenied']);
  });

  it('kube-router and kindnet: the check through ModifyInstanceAttribute, on owned instances only', async () => {
    expect(await decisions({ kuberouter: {} }, nodePolicy, [instanceAttr(), instanceAttr(ownedByOther)])).toEqual(['Allowed', 'ImplicitlyDenied']);
    expect(await decisions({ kindnet: {} }, nodePolicy, [instanceAttr(), instanceAttr(ownedByOther)])).toEqual(['Allowed', 'ImplicitlyDenied']);
    expect(await decisions({ cilium: {} }, nodePolicy, [instanceAttr()])).toEqual(['ImplicitlyDenied']);
  });
});

describe('size', () => {
  it('every control-plane variant fits IAM\'s 10,240-character limit for a role\'s inline policies', () => {
    const long = 'a-rather-long-cluster-name-for-sizing-the-policy.k8s.example.com';
    for (const networking of [{ cilium: { ipam: 'eni' } }, { amazonvpc: {} }, { calico: {} }, { kubenet: {} }] as NetworkingSpec[]) {
      const c = cluster(networking, true);
      c.metadata.name = long;
      const f = policyFacts(c, { region: 'ap-southeast-2', state: { bucket: 'a-long-state-store-bucket-name-0123456789', prefix: 'teams/platform/prod' } });
      // IAM counts the characters without whitespace.
      expect(JSON.stringify(controlPlanePolicy(f)).length, Object.keys(networking)[0]).toBeLessThan(10_240);
    }
  });
});

describe('useServiceAccountExternalPermissions without the OIDC provider', () => {
  it('is a field kops-ts reads (no parse warning; validation warns it is not acted on: test/model/aws/iam-service-accounts.test.ts), and the control plane keeps its controllers\' grants', () => {
    const c = cluster();
    c.spec.iam = { legacy: false, allowContainerRegistry: true, useServiceAccountExternalPermissions: true };
    const r = parseManifests(toYaml(c), 'cluster.yaml');
    expect(r.diagnostics.filter((d) => d.path?.includes('spec.iam'))).toEqual([]);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(JSON.stringify(controlPlanePolicy(facts(c)))).toContain('ec2:ModifyVolume');
  });
});

describe('roles without needs', () => {
  it('bastions get no inline policy; nodes only their join read without ECR or an AWS-aware CNI, none without an S3 store', () => {
    expect(bastionPolicy(facts()).Statement).toEqual([]);
    expect(nodePolicy(facts(cluster({ cilium: {} }, false))).Statement.map((st) => st.Sid)).toEqual(['ReadNodeJoinMaterial']);
    expect(nodePolicy(policyFacts(cluster({ cilium: {} }, false), { region: 'us-east-1' })).Statement).toEqual([]);
    const built = newCluster({ name: C, zones: ['us-east-1a'], topology: 'private', bastion: true });
    const completed = completeCluster({ ...built.cluster, spec: { ...built.cluster.spec, iam: { legacy: false, allowContainerRegistry: false } } }, built.instanceGroups);
    const tasks = buildAwsTasks({ cluster: completed.cluster, instanceGroups: completed.instanceGroups, stateStore: STATE });
    const keys = tasks.filter((t) => t.kind.startsWith('IAM')).map((t) => `${t.kind}/${t.name}`).sort();
    expect(keys).toEqual([
      `IAMInstanceProfile/bastions.${C}`, `IAMInstanceProfile/masters.${C}`, `IAMInstanceProfile/nodes.${C}`,
      `IAMInstanceProfileRole/bastions.${C}`, `IAMInstanceProfileRole/masters.${C}`, `IAMInstanceProfileRole/nodes.${C}`,
      `IAMRole/bastions.${C}`, `IAMRole/masters.${C}`, `IAMRole/nodes.${C}`,
      `IAMRolePolicy/masters.${C}`, `IAMRolePolicy/nodes.${C}`,
    ]);
  });

  it('API servers read the cluster\'s state but run no controllers', async () => {
    const doc = apiServerPolicy(facts());
    expect(await evaluate(doc, { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/pki/private/kubernetes-ca/keyset.yaml` })).toBe('Allowed');
    expect(await evaluate(doc, { action: 'ec2:CreateVolume', resource: ec2Arn('volume', '*'), context: { 'aws:RequestTag/KubernetesCluster': C } })).toBe('ImplicitlyDenied');
    expect(await evaluate(doc, { action: 's3:PutObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/backups/etcd/main/x` })).toBe('ImplicitlyDenied');
  });
});
