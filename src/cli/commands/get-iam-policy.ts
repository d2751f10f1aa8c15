/**
 * `kops-ts get iam-policy --operator`: the IAM policy a person or CI pipeline running kops-ts needs,
 * derived from the AWS actions each task kind and the rolling update declare (src/tasks/aws/iam-actions.ts), scoped to
 * the state store when one is given (`--state` / KOPS_STATE_STORE), its load-balancer deletes and
 * managed-policy attachments to one cluster's with `--name` / KOPS_CLUSTER_NAME. JSON is a policy document
 * IAM accepts as is. On GCE (`--cloud gce`, or a gs:// state store) it is a custom role
 * (src/cloudup/gce/operator-role.ts) for `gcloud iam roles create --file`.
 *
 * `kops-ts get iam-policy` (no `--operator`): the inline policies of a cluster's roles (`--name`),
 * as `update cluster` would put them (from its model), keyed by policy name: each instance role's
 * own is named as the role, `spec.additionalPolicies`' `additional.<role>`, a service account's
 * role's as that role (`<name>.<namespace>.sa.<cluster>`). No AWS calls.
 */
import type { Command } from 'commander';
import type { PolicyDocument } from '../../model/aws/iam-policies.js';
import type { AdditionalPolicyDocument } from '../../model/aws/iam-spec-policies.js';
import type { OperatorPolicyOptions } from '../../cloudup/aws/operator-policy.js';
import type { CommandContext } from '../context.js';
import { parseOutputFormat } from '../output.js';
import { KopsError } from '../../diagnostics.js';

interface Flags {
  readonly operator?: boolean;
  readonly cloud?: string;
  readonly readOnly?: boolean;
  readonly output?: string;
}

async function print(ctx: CommandContext, format: 'json' | 'yaml', value: unknown): Promise<void> {
  ctx.io.stdout(format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : (await import('../../model/api/yaml.js')).stringifyKopsYaml(value));
}

async function operatorOptions(ctx: CommandContext): Promise<OperatorPolicyOptions> {
  // --name scopes the load-balancer deletes (tag-conditioned) and the policy attachments (the roles by name) to that cluster's.
  const named = ctx.globals.name !== undefined || ctx.io.env.KOPS_CLUSTER_NAME ? { clusterName: ctx.clusterName() } : {};
  return { ...named, ...(await storeOptions(ctx)) };
}

async function storeOptions(ctx: CommandContext): Promise<OperatorPolicyOptions> {
  const url = ctx.globals.state?.trim() || ctx.io.env.KOPS_STATE_STORE?.trim();
  if (!url) {
    ctx.warn('no state store given: the state-store statements allow every S3 bucket; pass --state s3://bucket[/prefix] to scope them');
    return {};
  }
  const { parseStateStoreURL } = await import('../../statestore/open.js');
  const parsed = parseStateStoreURL(url);
  if (parsed.scheme !== 's3') return { noS3StateStore: true };
  const kms = ctx.globals.stateKmsKey?.trim() || ctx.io.env.KOPS_STATE_S3_KMS_KEY?.trim();
  return { stateStore: { bucket: parsed.bucket, prefix: parsed.prefix }, ...(kms ? { stateKmsKey: kms } : {}) };
}

/**
 * The cloud of the operator policy: `--cloud`, else the state store's (kops's fallback for
 * `create cluster`: `gs://` → gce, `s3://` → aws), else aws. Not the stored spec's: the policy is
 * printed to make the credentials that would read it.
 */
async function operatorCloud(ctx: CommandContext, flag: string | undefined): Promise<'aws' | 'gce'> {
  const given = flag?.trim().toLowerCase();
  if (given === 'aws' || given === 'gce') return given;
  if (given !== undefined) {
    throw new KopsError('UnsupportedCloud', `--cloud: cloud ${JSON.stringify(flag)} has no operator policy in kops-ts`, { hint: 'use --cloud aws or --cloud gce', exitCode: 2 });
  }
  const url = ctx.globals.state?.trim() || ctx.io.env.KOPS_STATE_STORE?.trim();
  return (await import('../../cloudup/new-cluster-parse.js')).guessCloudForStore(url) ?? 'aws';
}

/** The GCE custom role: the state store's object permissions unless the store is known not to be gs://. */
async function gceRole(ctx: CommandContext, readOnly: boolean): Promise<unknown> {
  const url = ctx.globals.state?.trim() || ctx.io.env.KOPS_STATE_STORE?.trim();
  const gcsStateStore = !url || url.startsWith('gs://');
  const { gceOperatorRole, gceReadOnlyOperatorRole } = await import('../../cloudup/gce/operator-role.js');
  return (readOnly ? gceReadOnlyOperatorRole : gceOperatorRole)({ gcsStateStore });
}

async function instancePolicies(ctx: CommandContext): Promise<Record<string, PolicyDocument | AdditionalPolicyDocument>> {
  const cs = ctx.clientset();
  const name = ctx.clusterName();
  const cluster = (await cs.getCluster(name)).object;
  const igs = (await cs.listInstanceGroups(name)).map((v) => v.object);
  // The model and the spec completion are imported when asked for, not at start-up.
  const [{ completeCluster }, { buildAwsTasks }, { parseStateStoreURL }] = await Promise.all([
    import('../../model/completion.js'),
    import('../../model/aws/index.js'),
    import('../../statestore/open.js'),
  ]);
  const completed = completeCluster(cluster, igs);
  const store = parseStateStoreURL(cs.store.url);
  // The inline policies exactly as update cluster's model puts them: the instance roles' (and
  // additional.<role>), and the service accounts' roles' (spec.iam.serviceAccountExternalPermissions,
  // the cluster autoscaler's with useServiceAccountExternalPermissions).
  const tasks = buildAwsTasks({
    cluster: completed.cluster,
    instanceGroups: completed.instanceGroups,
    ...(store.scheme === 's3' ? { stateStore: { bucket: store.bucket, prefix: store.prefix } } : {}),
  });
  const out: Record<string, PolicyDocument | AdditionalPolicyDocument> = {};
  for (const t of tasks) if (t.kind === 'IAMRolePolicy') out[t.name] = (t.desired as { document: PolicyDocument | AdditionalPolicyDocument }).document;
  return out;
}

export function registerGetIamPolicy(get: Command, ctx: () => CommandContext): void {
  get
    .command('iam-policy')
    .alias('iam-policies')
    .description("IAM policies: --operator for whoever runs kops-ts; otherwise the inline policies of a cluster's roles")
    .option('--operator', 'the policy a person or CI pipeline running kops-ts needs (scoped to --state, and its load-balancer deletes and role-policy attachments to --name, when given); on GCE a custom role')
    .option('--cloud <cloud>', 'with --operator: aws (an IAM policy) or gce (a custom role for gcloud iam roles create --file); default: gce for a gs:// state store, else aws')
    .option('--read-only', 'with --operator: the policy of a plan job (update without --yes, get, validate, toolbox dump, the previews); it cannot change anything, and on AWS cannot read private keys, secrets, bootstrap tokens or etcd backups (a GCE role cannot deny those, docs/gce.md)')
    .option('-o, --output <format>', 'json or yaml', 'json')
    .action(async (flags: Flags) => {
      const c = ctx();
      const format = parseOutputFormat(flags.output, ['json', 'yaml']) === 'yaml' ? 'yaml' : 'json';
      if (flags.readOnly && !flags.operator) throw new KopsError('ReadOnlyNeedsOperator', '--read-only applies to the operator policy', { hint: 'run kops-ts get iam-policy --operator --read-only', exitCode: 2 });
      if (flags.cloud !== undefined && !flags.operator) throw new KopsError('CloudNeedsOperator', '--cloud applies to the operator policy', { hint: `run kops-ts get iam-policy --operator --cloud ${flags.cloud === 'gce' ? 'gce' : 'aws'}`, exitCode: 2 });
      if (flags.operator && (await operatorCloud(c, flags.cloud)) === 'gce') {
        await print(c, format, await gceRole(c, flags.readOnly === true));
      } else if (flags.operator) {
        const { operatorPolicy, readOnlyOperatorPolicy } = await import('../../cloudup/aws/operator-policy.js');
        await print(c, format, (flags.readOnly ? readOnlyOperatorPolicy : operatorPolicy)(await operatorOptions(c)));
      } else await print(c, format, await instancePolicies(c));
    });
}
