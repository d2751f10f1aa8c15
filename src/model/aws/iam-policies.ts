/**
 * IAM documents for the instance roles, built as kops's pkg/model/iam builds them: every mutating
 * action is conditioned on the resource carrying `KubernetesCluster=<cluster>`, every create on
 * the request carrying that tag, and tags can be written only at creation (`ec2:CreateAction`,
 * `elasticloadbalancing:CreateAction`) or on owned resources without touching an ownership tag key
 * (`aws:TagKeys`). So an instance cannot adopt a resource of another cluster (or one outside any
 * cluster) by tagging it, nor give one of its own away.
 *
 * What is granted is what the components kops-ts runs on the instances need, and nothing else
 * (docs/iam.md lists each statement and why):
 * - control plane: etcd-manager (its volumes, backups under the cluster's prefix), kops-controller
 *   (DescribeInstances), the AWS cloud controller (Service load balancers, node lifecycle, routes
 *   with kubenet), the EBS CSI driver (volumes, ModifyVolume, KMS grants for encrypted volumes),
 *   read access to the cluster's own state-store prefix;
 * - API servers: the state-store read, KMS via EC2/S3;
 * - nodes: only their join material, `<cluster>/igconfig/node/*` (the bootstrap's kubeadm join
 *   configuration); never `pki/`, `secrets/` or the cluster's config (users.md §7.1: pods could
 *   read them; docs/security.md, "Node bootstrap");
 * - bastions: nothing (no inline policy);
 * - every role: ECR pulls when `spec.iam.allowContainerRegistry`, and the CNI's own needs.
 *
 * The statement shapes and the builder that conditions them are in iam-policy-builder.ts.
 */
import type { Cluster } from '../api/types.js';
import { parseCidr } from '../cidr.js';
import { usesServiceAccountRoles } from '../issuer-discovery.js';
import { CLUSTER_TAG, PolicyBuilder, type PolicyDocument, type PolicyFacts, type StateStoreLocation } from './iam-policy-builder.js';

export type { ConditionBlock, PolicyDocument, PolicyFacts, PolicyStatement, StateStoreLocation } from './iam-policy-builder.js';

export function ec2AssumeRolePolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'EC2AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  };
}

function isIPv6Only(cluster: Cluster): boolean {
  const c = cluster.spec.nonMasqueradeCIDR;
  return c !== undefined && parseCidr(c)?.kind === 'ipv6';
}

/** The facts of a completed cluster spec. */
export function policyFacts(cluster: Cluster, opts: { partition?: string; region: string; state?: StateStoreLocation }): PolicyFacts {
  const net = cluster.spec.networking ?? {};
  const calico = net.calico;
  return {
    cluster: cluster.metadata.name,
    partition: opts.partition ?? 'aws',
    region: opts.region,
    ...(opts.state ? { state: opts.state } : {}),
    allowContainerRegistry: cluster.spec.iam?.allowContainerRegistry === true,
    cloudRoutes: net.kubenet !== undefined,
    calicoSrcDstCheck: calico !== undefined && calico['awsSrcDstCheck'] !== 'DoNothing' && !isIPv6Only(cluster),
    ciliumEni: net.cilium !== undefined && net.cilium['ipam'] === 'eni',
    amazonVpc: net.amazonvpc !== undefined,
    kubeRouter: net.kuberouter !== undefined,
    kindnet: net.kindnet !== undefined,
    ...(cluster.spec.clusterAutoscaler?.enabled === true
      ? { clusterAutoscaler: { staticInstanceList: cluster.spec.clusterAutoscaler.awsUseStaticInstanceList === true, ...(usesServiceAccountRoles(cluster.spec) ? { ownRole: true } : {}) } }
      : {}),
  };
}

/** `<prefix>/<cluster>` (or `<cluster>`): the cluster's directory in the state-store bucket. */
export function clusterStatePrefix(state: StateStoreLocation, cluster: string): string {
  return state.prefix ? `${state.prefix}/${cluster}` : cluster;
}


/** Read the cluster's own prefix (the control plane's PKI, secrets and config); list only under it. */
function addStateRead(p: PolicyBuilder): void {
  const f = p.facts;
  if (!f.state) return;
  const base = clusterStatePrefix(f.state, f.cluster);
  p.statements.push(
    { Sid: 'ReadClusterState', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:${f.partition}:s3:::${f.state.bucket}/${base}/*` },
    {
      Sid: 'ListClusterState',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: `arn:${f.partition}:s3:::${f.state.bucket}`,
      Condition: { StringLike: { 's3:prefix': [base, `${base}/*`] } },
    },
    {
      Sid: 'LocateStateBucket',
      Effect: 'Allow',
      Action: ['s3:GetBucketLocation', 's3:GetEncryptionConfiguration'],
      Resource: `arn:${f.partition}:s3:::${f.state.bucket}`,
    },
  );
}

/**
 * The etcd backups go to `<cluster>/backups/etcd/<etcd cluster>/` (kops's default backupStore;
 * kops-ts's etcd-backup.py, src/bootstrap/etcd-backup.ts). Pruning a backup deletes every version
 * of its objects (the state bucket is versioned), so the versions under that prefix may be listed:
 * s3:ListBucketVersions, limited like ListClusterState to that prefix.
 */
function addEtcdBackups(p: PolicyBuilder): void {
  const f = p.facts;
  if (!f.state) return;
  const base = clusterStatePrefix(f.state, f.cluster);
  p.statements.push(
    {
      Sid: 'WriteEtcdBackups',
      Effect: 'Allow',
      Action: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObject', 's3:PutObject'],
      Resource: `arn:${f.partition}:s3:::${f.state.bucket}/${base}/backups/etcd/*`,
    },
    {
      Sid: 'ListEtcdBackupVersions',
      Effect: 'Allow',
      Action: 's3:ListBucketVersions',
      Resource: `arn:${f.partition}:s3:::${f.state.bucket}`,
      Condition: { StringLike: { 's3:prefix': `${base}/backups/etcd/*` } },
    },
  );
}

/** etcd-manager finds its volumes and attaches the ones of the control plane (k8s.io/role/master=1). */
function addEtcdManager(p: PolicyBuilder): void {
  p.unconditional.add('ec2:DescribeInstances').add('ec2:DescribeVolumes');
  p.statements.push({
    Sid: 'AttachEtcdVolumes',
    Effect: 'Allow',
    Action: 'ec2:AttachVolume',
    Resource: '*',
    Condition: { StringEquals: { 'aws:ResourceTag/k8s.io/role/master': '1', [`aws:ResourceTag/${CLUSTER_TAG}`]: p.facts.cluster } },
  });
}

/** The AWS cloud controller: node lifecycle, Service load balancers (classic and NLB), routes with kubenet. */
function addCloudController(p: PolicyBuilder): void {
  for (const a of [
    'autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeTags', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeInstances',
    'ec2:DescribeInstanceTopology', 'ec2:DescribeRegions', 'ec2:DescribeRouteTables', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets',
    'ec2:DescribeVpcs', 'elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeLoadBalancerAttributes',
    'elasticloadbalancing:DescribeLoadBalancerPolicies', 'elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeTargetGroupAttributes',
    'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth', 'kms:DescribeKey',
  ]) p.unconditional.add(a);
  // The first load balancer of an account creates ELB's service-linked role.
  p.statements.push({
    Sid: 'ELBServiceLinkedRole',
    Effect: 'Allow',
    Action: 'iam:CreateServiceLinkedRole',
    Resource: `arn:${p.facts.partition}:iam::*:role/aws-service-role/elasticloadbalancing.amazonaws.com/*`,
    Condition: { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } },
  });
  for (const a of [
    'ec2:AuthorizeSecurityGroupIngress', 'ec2:DeleteSecurityGroup', 'ec2:ModifyInstanceAttribute', 'ec2:RevokeSecurityGroupIngress',
    'elasticloadbalancing:ApplySecurityGroupsToLoadBalancer', 'elasticloadbalancing:AttachLoadBalancerToSubnets',
    'elasticloadbalancing:ConfigureHealthCheck', 'elasticloadbalancing:CreateLoadBalancerListeners', 'elasticloadbalancing:CreateLoadBalancerPolicy',
    'elasticloadbalancing:DeleteListener', 'elasticloadbalancing:DeleteLoadBalancer', 'elasticloadbalancing:DeleteLoadBalancerListeners',
    'elasticloadbalancing:DeleteTargetGroup', 'elasticloadbalancing:DeregisterInstancesFromLoadBalancer', 'elasticloadbalancing:DeregisterTargets',
    'elasticloadbalancing:DetachLoadBalancerFromSubnets', 'elasticloadbalancing:ModifyListener', 'elasticloadbalancing:ModifyLoadBalancerAttributes',
    'elasticloadbalancing:ModifyTargetGroup', 'elasticloadbalancing:ModifyTargetGroupAttributes', 'elasticloadbalancing:RegisterInstancesWithLoadBalancer',
    'elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:SetLoadBalancerPoliciesForBackendServer',
    'elasticloadbalancing:SetLoadBalancerPoliciesOfListener',
  ]) p.owned.add(a);
  for (const a of ['elasticloadbalancing:CreateListener', 'elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup']) {
    p.ownedCreate.add(a);
    p.elbTagOnCreate.add(a.slice('elasticloadbalancing:'.length));
  }
  p.addEc2Create(['CreateSecurityGroup'], ['security-group']);
  if (p.facts.cloudRoutes) p.owned.add('ec2:CreateRoute').add('ec2:DeleteRoute');
}

/**
 * The cluster autoscaler (kops's AddClusterAutoscalerPermissions): it reads every group, and sets
 * the desired capacity of, or terminates an instance in, only the cluster's own groups (the
 * `KubernetesCluster` tag every group kops-ts builds carries). kops grants these to every control
 * plane; kops-ts only when the autoscaler is enabled.
 */
function addClusterAutoscaler(p: PolicyBuilder): void {
  const ca = p.facts.clusterAutoscaler;
  if (!ca) return;
  for (const a of [
    'autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeLaunchConfigurations',
    'autoscaling:DescribeScalingActivities', 'autoscaling:DescribeTags', 'ec2:DescribeImages', 'ec2:DescribeLaunchTemplateVersions',
    'ec2:GetInstanceTypesFromInstanceRequirements',
  ]) p.unconditional.add(a);
  if (!ca.staticInstanceList) p.unconditional.add('ec2:DescribeInstanceTypes');
  p.owned.add('autoscaling:SetDesiredCapacity').add('autoscaling:TerminateInstanceInAutoScalingGroup');
}

/** The EBS CSI driver: volumes it creates (tagged), attaches, resizes and deletes; KMS for encrypted ones. */
function addEbsCsi(p: PolicyBuilder): void {
  for (const a of [
    'ec2:DescribeAvailabilityZones', 'ec2:DescribeInstances', 'ec2:DescribeInstanceTypes', 'ec2:DescribeTags', 'ec2:DescribeVolumes',
    'ec2:DescribeVolumesModifications', 'ec2:DescribeVolumeStatus',
  ]) p.unconditional.add(a);
  for (const a of ['ec2:AttachVolume', 'ec2:DeleteVolume', 'ec2:DetachVolume', 'ec2:ModifyVolume']) p.owned.add(a);
  p.addEc2Create(['CopyVolumes', 'CreateVolume'], ['snapshot', 'volume']);
  p.kmsForAwsServices = true;
}

function addEcr(p: PolicyBuilder): void {
  if (!p.facts.allowContainerRegistry) return;
  for (const a of [
    'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:DescribeRepositories', 'ecr:GetAuthorizationToken',
    'ecr:GetDownloadUrlForLayer', 'ecr:GetRepositoryPolicy', 'ecr:ListImages',
  ]) p.unconditional.add(a);
}

/**
 * The CNI's needs, as kops grants them. The ENI grants of the Amazon VPC CNI and cilium's operator
 * and calico's source/destination check cannot be conditioned on ownership: the CNIs do not tag
 * the interfaces they create or modify with the cluster tag (docs/iam.md).
 */
function addCni(p: PolicyBuilder, role: 'master' | 'apiserver' | 'node'): void {
  const f = p.facts;
  if (f.amazonVpc) {
    for (const a of [
      'ec2:AssignPrivateIpAddresses', 'ec2:AttachNetworkInterface', 'ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface',
      'ec2:DescribeInstanceTypes', 'ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroups',
      'ec2:DescribeSubnets', 'ec2:DescribeTags', 'ec2:DetachNetworkInterface', 'ec2:ModifyNetworkInterfaceAttribute',
      'ec2:UnassignPrivateIpAddresses',
    ]) p.unconditional.add(a);
    p.statements.push({ Sid: 'TagNetworkInterfacesAmazonVPC', Effect: 'Allow', Action: 'ec2:CreateTags', Resource: p.ec2Arn('network-interface') });
  }
  if (f.ciliumEni && role !== 'node') {
    for (const a of [
      'ec2:AssignPrivateIpAddresses', 'ec2:AttachNetworkInterface', 'ec2:CreateNetworkInterface', 'ec2:CreateTags',
      'ec2:DeleteNetworkInterface', 'ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeRouteTables',
      'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeTags', 'ec2:DescribeVpcs', 'ec2:ModifyNetworkInterfaceAttribute',
      'ec2:UnassignPrivateIpAddresses',
    ]) p.unconditional.add(a);
  }
  if (f.amazonVpc || f.ciliumEni) p.unconditional.add('ec2:DescribeInstanceTypes'); // nodeup: max pods for ENI IPAM
  if (f.calicoSrcDstCheck) p.unconditional.add('ec2:DescribeInstances').add('ec2:ModifyNetworkInterfaceAttribute');
  if (f.kindnet || (f.kubeRouter && role === 'node')) p.owned.add('ec2:ModifyInstanceAttribute');
}

/** Control plane: etcd-manager, kops-controller, the cloud controller, the EBS CSI driver, its state. */
export function controlPlanePolicy(facts: PolicyFacts): PolicyDocument {
  const p = new PolicyBuilder(facts);
  addStateRead(p);
  addEtcdBackups(p);
  addEtcdManager(p);
  p.unconditional.add('ec2:DescribeInstances'); // kops-controller: node identity and bootstrap
  addCloudController(p);
  // With useServiceAccountExternalPermissions the autoscaler's grants are on its own role (clusterAutoscalerPolicy).
  if (!facts.clusterAutoscaler?.ownRole) addClusterAutoscaler(p);
  addEbsCsi(p);
  addEcr(p);
  addCni(p, 'master');
  return p.build();
}

/** The cluster autoscaler's own role (`useServiceAccountExternalPermissions`): the grants the control plane then lacks. */
export function clusterAutoscalerPolicy(facts: PolicyFacts): PolicyDocument {
  const p = new PolicyBuilder(facts);
  addClusterAutoscaler(p);
  return p.build();
}

/** API servers (role `APIServer`): the cluster's state and KMS through EC2/S3; no controllers run there. */
export function apiServerPolicy(facts: PolicyFacts): PolicyDocument {
  const p = new PolicyBuilder(facts);
  addStateRead(p);
  p.kmsForAwsServices = true;
  addEcr(p);
  addCni(p, 'apiserver');
  return p.build();
}

/**
 * Workers read their join material at boot (src/bootstrap/user-data.ts) and nothing else of the
 * state store: one GetObject grant on `igconfig/node/`, no listing, no bucket-level action.
 */
function addNodeJoinRead(p: PolicyBuilder): void {
  const f = p.facts;
  if (!f.state) return;
  const base = clusterStatePrefix(f.state, f.cluster);
  p.statements.push({ Sid: 'ReadNodeJoinMaterial', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:${f.partition}:s3:::${f.state.bucket}/${base}/igconfig/node/*` });
}

/** Workers: their join material, ECR pulls when allowed and the CNI's needs. */
export function nodePolicy(facts: PolicyFacts): PolicyDocument {
  const p = new PolicyBuilder(facts);
  addNodeJoinRead(p);
  addEcr(p);
  addCni(p, 'node');
  return p.build();
}

/** Bastions need nothing: an empty document, i.e. no inline policy (as kops). */
export function bastionPolicy(facts: PolicyFacts): PolicyDocument {
  return new PolicyBuilder(facts).build();
}
