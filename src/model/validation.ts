/**
 * `validateCluster`: every problem of a spec at once, each with its spec path
 * (`spec.subnets[2].cidr: 10.0.0.0/33 is not a valid CIDR`; for instance groups
 * `InstanceGroup/nodes-us-east-1a spec.minSize`). Nothing stops at the first problem.
 *
 * The spec is validated as it will be applied: completed first (completion is pure and idempotent,
 * so validating a completed spec gives the same answer). Defaults therefore never count as missing,
 * and what completion cannot fill (a subnet CIDR that does not fit) is reported.
 */
import type { Diagnostic } from '../diagnostics.js';
import { completeCluster } from './completion.js';
import { cloudProviderOf, type Cluster, type ClusterSpec, type InstanceGroup } from './api/types.js';
import { validateTopologyAndAPI } from './validation-api.js';
import { validateAwsUpdate } from './validation-aws-update.js';
import { validateAwsTags } from './validation-aws-tags.js';
import { validateComponents } from './validation-components.js';
import { validateEtcd } from './validation-etcd.js';
import { validateGce } from './validation-gce.js';
import { validateClusterAutoscaler } from './cluster-autoscaler.js';
import { validateIamPolicies } from './validation-iam-policies.js';
import { validateIssuerDiscovery } from './validation-issuer-discovery.js';
import { validateServiceAccountPermissions } from './validation-service-accounts.js';
import { validateInstanceGroups } from './validation-instancegroups.js';
import { validateKubelet } from './validation-kubelet.js';
import { validateNetwork } from './validation-network.js';
import { validateContainerd } from './validation-containerd.js';
import { validateNodeExtras } from './validation-node-extras.js';
import { checkCloudLabels, checkRollingUpdate } from './validation-rules.js';
import { validateSubnets } from './validation-subnets.js';
import { validateKubernetesVersion } from './validation-version.js';
import { DEFAULT_CHANNEL } from './defaults.js';
import { isValidClusterName, reporter, type Reporter } from './validation-util.js';

export { parseKubernetesVersion } from './kubernetes-version.js';

export interface ValidateOptions {
  /** The file or state-store object the spec came from, named in every diagnostic. */
  readonly file?: string;
  /** The last applied (completed) spec: upgrades and etcd changes are checked against it. */
  readonly previous?: Cluster;
}

/** The clouds kops-ts can build; kops's others are recognised and refused clearly. */
export const SUPPORTED_CLOUDS = ['aws', 'gce'] as const;

export function validateCluster(cluster: Cluster, instanceGroups: readonly InstanceGroup[], opts: ValidateOptions = {}): Diagnostic[] {
  const r = reporter(opts.file);
  const completed = completeCluster(cluster, instanceGroups);
  const c = completed.cluster;
  const igs = completed.instanceGroups;
  const name = c.metadata?.name ?? '';
  const spec: ClusterSpec = c.spec ?? {};
  validateName(r, name);
  const cloud = validateCloud(r, spec);
  if (cloud === 'aws') validateAwsNameLength(r, name);
  validateKubernetesVersion(r, spec.kubernetesVersion, opts.previous?.spec?.kubernetesVersion);
  validateChannel(r, spec.channel);
  const ranges = validateNetwork(r, spec, cloud);
  validateSubnets(r, spec, cloud, ranges);
  validateTopologyAndAPI(r, name, spec, cloud);
  validateEtcd(r, spec, igs, cloud, opts.previous?.spec);
  validateInstanceGroups(r, spec, igs, name, cloud);
  validateNodeExtras(r, spec, igs, cloud);
  validateIamPolicies(r, spec, igs, name, cloud);
  validateIssuerDiscovery(r, spec, name);
  validateServiceAccountPermissions(r, spec, name);
  validateContainerd(r, spec, igs);
  validateKubelet(r, c, igs);
  validateComponents(r, c, igs);
  validateClusterAutoscaler(r, spec, igs, cloud);
  checkRollingUpdate(r, 'spec.rollingUpdate', spec.rollingUpdate, false);
  checkCloudLabels(r, 'spec.cloudLabels', spec.cloudLabels);
  if (cloud === 'aws') validateAwsTags(r, c, igs);
  if (cloud === 'aws' && opts.previous?.spec) validateAwsUpdate(r, spec, opts.previous.spec);
  if (cloud === 'gce') validateGce(r, spec, igs);
  if (spec.iam?.legacy === true) {
    r.err('UnsupportedField', 'spec.iam.legacy', 'legacy IAM permissions are no longer supported, as in kops', 'set iam.legacy: false (instances get only the permissions they need)');
  }
  return r.out;
}

/**
 * kops-ts's defaults (Kubernetes version, images, etcd versions) are those of kops's stable
 * channel; another channel (alpha, or a URL) is kept but its defaults are not used: say so.
 */
function validateChannel(r: Reporter, channel: string | undefined): void {
  if (channel == null || channel === DEFAULT_CHANNEL) return;
  r.warn('ChannelNotUsed', 'spec.channel', `kops-ts knows only the ${DEFAULT_CHANNEL} channel; the defaults of ${JSON.stringify(channel)} are not used (${DEFAULT_CHANNEL}'s are)`, `set channel: ${DEFAULT_CHANNEL}, or set kubernetesVersion and each instance group's image yourself`);
}

/** kops: a DNS-1123 subdomain; kops-ts also wants a dot, as resource names and DNS records are built from it. */
function validateName(r: Reporter, name: string): void {
  if (!name) {
    r.err('MissingField', 'metadata.name', 'the cluster has no name', 'give it a DNS name such as my-cluster.example.com');
  } else if (!isValidClusterName(name)) {
    r.err(
      'InvalidClusterName',
      'metadata.name',
      `${JSON.stringify(name)} is not a valid cluster name: it must be a lower-case DNS name with at least one dot`,
      'use a name such as my-cluster.example.com',
    );
  }
}

/**
 * Every AWS resource of a cluster carries the tag key `kubernetes.io/cluster/<name>`, and AWS tag
 * keys stop at 128 characters: that bounds the cluster name at 106. (Every other name is fitted
 * to its limit with a hash, as kops does; a tag key cannot be.)
 */
export const MAX_AWS_CLUSTER_NAME = 128 - 'kubernetes.io/cluster/'.length;

function validateAwsNameLength(r: Reporter, name: string): void {
  if (name.length <= MAX_AWS_CLUSTER_NAME) return;
  r.err(
    'ClusterNameTooLong',
    'metadata.name',
    `the cluster name is ${name.length} characters; on AWS it can be at most ${MAX_AWS_CLUSTER_NAME}, as every resource carries the tag kubernetes.io/cluster/<name> and AWS tag keys are at most 128 characters`,
    'choose a shorter cluster name',
  );
}

function validateCloud(r: Reporter, spec: ClusterSpec): string | undefined {
  const cp = spec.cloudProvider;
  if (cp != null && typeof cp === 'object' && Object.keys(cp).length > 1) {
    r.err('InvalidCloudProvider', 'spec.cloudProvider', `only one cloud provider may be set, found ${Object.keys(cp).join(', ')}`, 'keep one');
  }
  const cloud = cloudProviderOf(spec);
  if (!cloud) {
    r.err('MissingCloudProvider', 'spec.cloudProvider', 'no cloud provider is set', 'set cloudProvider: aws (or gce)');
    return undefined;
  }
  if (!(SUPPORTED_CLOUDS as readonly string[]).includes(cloud)) {
    r.err('UnsupportedCloudProvider', 'spec.cloudProvider', `cloud provider ${cloud} is not supported by kops-ts yet`, `use one of ${SUPPORTED_CLOUDS.join(', ')}`);
  }
  return cloud;
}
