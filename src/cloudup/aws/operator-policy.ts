/**
 * The IAM policy a person or CI pipeline running kops-ts needs (`kops-ts get iam-policy
 * --operator`), derived from what the code calls: every AWS task kind's declared actions, the
 * pre-flight's, the rolling update's and the S3 state store's (src/tasks/aws/iam-actions.ts). kops has no such thing;
 * its docs ask for AmazonEC2FullAccess, IAMFullAccess, AmazonS3FullAccess and more.
 *
 * Actions that can be scoped are: role passing only to EC2, service-linked roles only for Auto
 * Scaling and ELB, KMS only through EC2 (volumes encrypted with a customer-managed key), the
 * state store only in its bucket and prefix when it is known. The rest is `Resource: *`: kops-ts
 * creates these resources, so their ARNs are not known beforehand.
 */
import type { PolicyDocument, PolicyStatement, StateStoreLocation } from '../../model/aws/iam-policies.js';
import { iamName } from '../../model/aws/names.js';
import { TAG_SERVICE_ACCOUNT_NAME } from '../../tasks/aws/iam-role.js';
import {
  AWS_KIND_ACTIONS, DELETE_CLUSTER_ACTIONS, DELETE_CLUSTER_READ_ACTIONS, PREFLIGHT_ACTIONS, ROLLING_UPDATE_ACTIONS, ROLLING_UPDATE_READ_ACTIONS,
  STATE_STORE_BUCKET_ACTIONS, STATE_STORE_OBJECT_ACTIONS, kindActions,
} from '../../tasks/aws/iam-actions.js';
import { discoveryStoreStatements, OIDC_PROVIDER_ACTIONS, oidcProviderStatements } from './operator-policy-oidc.js';

export interface OperatorPolicyOptions {
  /** The S3 state store the operator uses; absent: the state-store statements allow any bucket. */
  readonly stateStore?: StateStoreLocation;
  /** `file://` or `memory://` state store: no S3 statements at all. */
  readonly noS3StateStore?: boolean;
  /**
   * `--state-kms-key` / `KOPS_STATE_S3_KMS_KEY`: the state store's writes request SSE-KMS with it,
   * so the operator needs `kms:GenerateDataKey` (write) and `kms:Decrypt` (read) on it, through S3.
   */
  readonly stateKmsKey?: string;
  readonly partition?: string;
  /**
   * `--name`: deleting load balancers and target groups is allowed only for this cluster's (tagged
   * `KubernetesCluster=<name>`); without it, for any cluster's (a `KubernetesCluster` tag present).
   * The same for attaching and detaching managed policies: this cluster's instance roles (by name),
   * or any role tagged as a cluster's.
   */
  readonly clusterName?: string;
}

/**
 * What a read-only job may never read from the state store, even with `s3:GetObject` on the rest
 * (cluster-relative): the private keys, the secrets, the bootstrap files holding the join token,
 * and the etcd backups (every Kubernetes Secret of the cluster).
 */
export const STATE_STORE_SECRET_PATHS: readonly string[] = ['pki/private/', 'secrets/', 'igconfig/', 'backups/'];

/**
 * Deletes scoped by the resource's tags (AWS supports `aws:ResourceTag` for these: the Service
 * Authorization Reference, Elastic Load Balancing; classic ELB and ELBv2 share the action names).
 * What kops-ts deletes always carries `KubernetesCluster`: its own load balancers and target groups,
 * and the cloud controller's for the cluster's Services (it copies the legacy tag from the
 * control-plane instance's tags, src/cloud/aws/service-load-balancers.ts).
 */
const TAG_SCOPED_DELETES = ['elasticloadbalancing:DeleteLoadBalancer', 'elasticloadbalancing:DeleteTargetGroup'];

const SERVICE_SID: Readonly<Record<string, string>> = {
  ec2: 'EC2',
  autoscaling: 'AutoScaling',
  elasticloadbalancing: 'ElasticLoadBalancing',
  iam: 'IAM',
  route53: 'Route53',
  sts: 'STS',
};

/**
 * Attaching and detaching managed policies (`spec.externalPolicies`; a role's delete detaches its
 * policies first): only on the cluster's instance roles. With `--name`, the roles by name (kops's
 * names, `masters.<cluster>`, ...); without, any role tagged as a cluster's (`KubernetesCluster`,
 * which every role kops-ts creates carries). Left on `*`, they would let the operator attach
 * AdministratorAccess to any role of the account.
 */
const ROLE_POLICY_ATTACHMENTS = ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'];
/** The instance roles' name prefixes (src/model/aws/iam.ts). */
const INSTANCE_ROLE_PREFIXES = ['masters', 'nodes', 'bastions', 'apiservers'] as const;

/** Actions with their own, conditioned, statement. */
const SCOPED = new Set(['iam:PassRole', 'iam:CreateServiceLinkedRole', ...ROLE_POLICY_ATTACHMENTS, ...OIDC_PROVIDER_ACTIONS]);

/** Every action the kinds, pre-flight, the rolling update and delete cluster call, sorted (S3 state-store actions apart). */
export function operatorActions(): string[] {
  const all = new Set<string>([...PREFLIGHT_ACTIONS, ...ROLLING_UPDATE_ACTIONS, ...DELETE_CLUSTER_ACTIONS]);
  for (const k of Object.values(AWS_KIND_ACTIONS)) for (const a of kindActions(k)) all.add(a);
  return [...all].sort();
}

export function operatorPolicy(o: OperatorPolicyOptions = {}): PolicyDocument {
  const partition = o.partition ?? 'aws';
  const actions = operatorActions();
  const byService = new Map<string, string[]>();
  const statements: PolicyStatement[] = [];
  for (const a of actions) {
    if (SCOPED.has(a) || a.startsWith('kms:') || TAG_SCOPED_DELETES.includes(a)) continue;
    const service = a.slice(0, a.indexOf(':'));
    byService.set(service, [...(byService.get(service) ?? []), a]);
  }
  for (const [service, list] of [...byService].sort(([a], [b]) => a.localeCompare(b))) {
    statements.push({ Sid: SERVICE_SID[service] ?? service.replace(/[^A-Za-z0-9]/g, ''), Effect: 'Allow', Action: list, Resource: '*' });
  }
  const deletes = TAG_SCOPED_DELETES.filter((a) => actions.includes(a));
  if (deletes.length > 0) {
    statements.push({
      Sid: 'DeleteClusterLoadBalancers',
      Effect: 'Allow',
      Action: deletes,
      Resource: '*',
      Condition: o.clusterName ? { StringEquals: { 'aws:ResourceTag/KubernetesCluster': o.clusterName } } : { Null: { 'aws:ResourceTag/KubernetesCluster': 'false' } },
    });
    // A tag key cannot be a pattern: the newer tag alone (a controller given a cluster ID) only with the name.
    if (o.clusterName) {
      statements.push({
        Sid: 'DeleteClusterOwnedLoadBalancers',
        Effect: 'Allow',
        Action: deletes,
        Resource: '*',
        Condition: { StringEquals: { [`aws:ResourceTag/kubernetes.io/cluster/${o.clusterName}`]: 'owned' } },
      });
    }
  }
  const attachments = ROLE_POLICY_ATTACHMENTS.filter((a) => actions.includes(a));
  if (attachments.length > 0) statements.push(rolePolicyAttachments(attachments, partition, o.clusterName));
  if (attachments.length > 0 && o.clusterName) statements.push(serviceAccountRoleAttachments(attachments, partition, o.clusterName));
  if (actions.includes('iam:PassRole')) {
    statements.push({
      Sid: 'PassInstanceRolesToEC2',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: `arn:${partition}:iam::*:role/*`,
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    });
  }
  if (actions.includes('iam:CreateServiceLinkedRole')) {
    // Auto Scaling's and ELB's roles on first use; EC2 Spot's (AWSServiceRoleForEC2Spot) for
    // instance groups with maxPrice or a Spot share in their mixedInstancesPolicy: AWS's EC2 guide
    // says an API caller requesting Spot must make sure that role exists.
    statements.push({
      Sid: 'ServiceLinkedRoles',
      Effect: 'Allow',
      Action: 'iam:CreateServiceLinkedRole',
      Resource: '*',
      Condition: { StringEquals: { 'iam:AWSServiceName': ['autoscaling.amazonaws.com', 'elasticloadbalancing.amazonaws.com', 'spot.amazonaws.com'] } },
    });
  }
  const kms = actions.filter((a) => a.startsWith('kms:'));
  if (kms.length > 0) {
    statements.push({
      Sid: 'KMSForEncryptedVolumes',
      Effect: 'Allow',
      Action: kms,
      Resource: '*',
      Condition: { StringLike: { 'kms:ViaService': 'ec2.*.amazonaws.com' } },
    });
  }
  if (OIDC_PROVIDER_ACTIONS.some((a) => actions.includes(a))) statements.push(...oidcProviderStatements(partition, o.clusterName));
  statements.push(...discoveryStoreStatements(partition));
  if (!o.noS3StateStore) statements.push(...stateStoreStatements(partition, o.stateStore));
  if (!o.noS3StateStore && o.stateKmsKey) statements.push(stateKmsStatement(o.stateKmsKey));
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * Every action a read-only job makes (sorted): pre-flight, every kind's `find`, the rolling
 * update's and `delete cluster`'s listings. What `update cluster` without `--yes` (the plan,
 * `--out`, `--detailed-exitcode`), `get`, `get instances`, `validate cluster`, `toolbox dump`, and
 * the previews of `rolling-update cluster` and `delete cluster` call.
 */
export function readOnlyOperatorActions(): string[] {
  const all = new Set<string>([...PREFLIGHT_ACTIONS, ...ROLLING_UPDATE_READ_ACTIONS, ...DELETE_CLUSTER_READ_ACTIONS]);
  for (const k of Object.values(AWS_KIND_ACTIONS)) for (const a of k.find) all.add(a);
  return [...all].sort();
}

/**
 * `kops-ts get iam-policy --operator --read-only`: for plan jobs (a pull request's pipeline), which
 * must not change the cloud or the store, nor read what would let them: every read-only action on
 * `*`, the state store's objects to read and list, and an explicit deny on its private keys, secrets,
 * bootstrap files and etcd backups (STATE_STORE_SECRET_PATHS), which no command of a plan job reads.
 */
export function readOnlyOperatorPolicy(o: OperatorPolicyOptions = {}): PolicyDocument {
  const partition = o.partition ?? 'aws';
  const byService = new Map<string, string[]>();
  for (const a of readOnlyOperatorActions()) {
    const service = a.slice(0, a.indexOf(':'));
    byService.set(service, [...(byService.get(service) ?? []), a]);
  }
  const statements: PolicyStatement[] = [...byService]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, list]) => ({ Sid: SERVICE_SID[service] ?? service.replace(/[^A-Za-z0-9]/g, ''), Effect: 'Allow', Action: list, Resource: '*' }));
  // The discovery documents delete cluster's preview lists, and pre-flight's bucket location.
  statements.push(...discoveryStoreStatements(partition, true));
  if (o.noS3StateStore) return { Version: '2012-10-17', Statement: statements };
  const bucket = o.stateStore ? `arn:${partition}:s3:::${o.stateStore.bucket}` : `arn:${partition}:s3:::*`;
  const base = o.stateStore?.prefix ? `${bucket}/${o.stateStore.prefix}` : bucket;
  statements.push({ Sid: 'StateStoreRead', Effect: 'Allow', Action: 's3:GetObject', Resource: `${base}/*` });
  if (o.stateStore?.prefix) {
    const p = o.stateStore.prefix;
    statements.push({ Sid: 'StateStoreList', Effect: 'Allow', Action: 's3:ListBucket', Resource: bucket, Condition: { StringLike: { 's3:prefix': [p, `${p}/*`] } } });
  } else {
    statements.push({ Sid: 'StateStoreList', Effect: 'Allow', Action: 's3:ListBucket', Resource: bucket });
  }
  // <base>/<cluster>/<path>: a cluster's name has no slash, and `*` matches one.
  statements.push({ Sid: 'DenyStateStoreSecrets', Effect: 'Deny', Action: 's3:GetObject', Resource: STATE_STORE_SECRET_PATHS.map((p) => `${base}/*/${p}*`) });
  if (o.stateKmsKey) {
    const decrypt = stateKmsStatement(o.stateKmsKey);
    statements.push({ ...decrypt, Action: ['kms:Decrypt'] });
  }
  return { Version: '2012-10-17', Statement: statements };
}

function rolePolicyAttachments(actions: readonly string[], partition: string, clusterName: string | undefined): PolicyStatement {
  const base = { Sid: 'ClusterRolePolicyAttachments', Effect: 'Allow' as const, Action: [...actions] };
  if (clusterName) {
    return { ...base, Resource: INSTANCE_ROLE_PREFIXES.map((p) => `arn:${partition}:iam::*:role/${iamName(p, clusterName)}`) };
  }
  return { ...base, Resource: `arn:${partition}:iam::*:role/*`, Condition: { Null: { 'aws:ResourceTag/KubernetesCluster': 'false' } } };
}

/**
 * With `--name`: the cluster's service-account roles (spec.iam.serviceAccountExternalPermissions),
 * whose names are the user's and may be cut to IAM's 64 characters with a hash (so no name pattern
 * covers them): any role tagged as this cluster's (`KubernetesCluster=<cluster>`) and as a service
 * account's (`service-account.kops.k8s.io/name`). Without `--name` the tagged-role statement above
 * covers them already.
 */
function serviceAccountRoleAttachments(actions: readonly string[], partition: string, clusterName: string): PolicyStatement {
  return {
    Sid: 'ClusterServiceAccountRolePolicyAttachments',
    Effect: 'Allow',
    Action: [...actions],
    Resource: `arn:${partition}:iam::*:role/*`,
    Condition: { StringEquals: { 'aws:ResourceTag/KubernetesCluster': clusterName }, Null: { [`aws:ResourceTag/${TAG_SERVICE_ACCOUNT_NAME}`]: 'false' } },
  };
}

function stateStoreStatements(partition: string, s: StateStoreLocation | undefined): PolicyStatement[] {
  if (!s) {
    return [
      { Sid: 'StateStoreObjects', Effect: 'Allow', Action: [...STATE_STORE_OBJECT_ACTIONS], Resource: `arn:${partition}:s3:::*/*` },
      { Sid: 'StateStoreBucket', Effect: 'Allow', Action: [...STATE_STORE_BUCKET_ACTIONS], Resource: `arn:${partition}:s3:::*` },
    ];
  }
  const bucket = `arn:${partition}:s3:::${s.bucket}`;
  const out: PolicyStatement[] = [
    { Sid: 'StateStoreObjects', Effect: 'Allow', Action: [...STATE_STORE_OBJECT_ACTIONS], Resource: s.prefix ? `${bucket}/${s.prefix}/*` : `${bucket}/*` },
  ];
  const other = STATE_STORE_BUCKET_ACTIONS.filter((a) => a !== 's3:ListBucket');
  if (s.prefix) {
    out.push({ Sid: 'StateStoreList', Effect: 'Allow', Action: 's3:ListBucket', Resource: bucket, Condition: { StringLike: { 's3:prefix': [s.prefix, `${s.prefix}/*`] } } });
    if (other.length > 0) out.push({ Sid: 'StateStoreBucket', Effect: 'Allow', Action: other, Resource: bucket });
  } else {
    out.push({ Sid: 'StateStoreBucket', Effect: 'Allow', Action: [...STATE_STORE_BUCKET_ACTIONS], Resource: bucket });
  }
  return out;
}

/**
 * SSE-KMS of the state store: on the key when it is given as a key ARN; an id or alias cannot name
 * an IAM resource, so then on any key, only as S3 uses it (`kms:ViaService`).
 */
function stateKmsStatement(key: string): PolicyStatement {
  const actions = ['kms:Decrypt', 'kms:GenerateDataKey'];
  const via = { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } };
  if (/^arn:[^:]+:kms:[^:]*:\d{12}:key\//.test(key)) return { Sid: 'StateStoreKMS', Effect: 'Allow', Action: actions, Resource: key, Condition: via };
  return { Sid: 'StateStoreKMS', Effect: 'Allow', Action: actions, Resource: '*', Condition: via };
}
