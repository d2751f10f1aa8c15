/** `kops-ts create cluster`: kops's flags (and their aliases) → a new cluster spec in the store. */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { KopsError, formatDiagnostic, hasErrors, type Diagnostic } from '../../diagnostics.js';
import { createClusterSpec, checkSpec, invalidSpec } from '../../cloudup/create-cluster.js';
import { AwsClients } from '../../cloud/aws/clients.js';
import type { AwsTimeouts } from '../../cloud/aws/endpoint.js';
import { newCluster, type NewClusterOptions } from '../../cloudup/new-cluster.js';
import { checkNewClusterOptions, resolveCloud } from '../../cloudup/new-cluster-check.js';
import { lookupSharedNetwork, usesSharedNetwork } from '../../cloudup/new-cluster-shared.js';
import { regionOfZone } from '../../model/validation-util.js';
import { parseCloudLabels, parseFeatureGates } from '../../cloudup/new-cluster-parse.js';
import { setFields, unsetFields } from '../../cloudup/set-fields.js';
import { disableKubeProxyForCalicoBPF } from '../../cloudup/new-cluster-networking.js';
import { toJson, toYaml } from '../../model/api/serialize.js';
import type { KopsObject } from '../../model/api/types.js';
import type { CommandContext } from '../context.js';
import { Interrupts } from '../interrupt.js';
import { updateCommandLine } from './update-cluster.js';
import { runUpdateAfterCreate } from './update-hook.js';
import { boolFlag } from '../flags.js';

const list = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
const repeat = (v: string, prev: string[] = []) => [...prev, v];
/** Counts and sizes are int32 in kops's types: a larger number could not be read back. */
const INT32_MAX = 2 ** 31 - 1;
const int = (flag: string) => (v: string) => {
  if (!/^\d+$/.test(v.trim())) throw new KopsError('InvalidFlag', `${flag} ${v}: expected a whole number`, { exitCode: 2 });
  if (Number(v) > INT32_MAX) throw new KopsError('InvalidFlag', `${flag} ${v}: expected a whole number up to ${INT32_MAX} (kops's int32)`, { exitCode: 2 });
  return Number(v);
};

interface Flags {
  readonly [flag: string]: unknown;
  readonly zones: string[];
  readonly set?: string[];
  readonly unset?: string[];
  readonly dryRun?: boolean;
  readonly output?: string;
  readonly yes?: boolean;
  readonly sshPublicKey?: string;
  readonly forceUnlock?: string;
}

/** kops's deprecated spellings, still accepted. */
const ALIASES: [string, string][] = [
  ['--master-zones', '--control-plane-zones'],
  ['--master-count', '--control-plane-count'],
  ['--master-size', '--control-plane-size'],
  ['--master-image', '--control-plane-image'],
  ['--master-volume-size', '--control-plane-volume-size'],
  ['--master-security-groups', '--control-plane-security-groups'],
  ['--master-public-name', '--api-public-name'],
  ['--vpc', '--network-id'],
];

/** Rewrites kops's aliases to the current names before commander parses (one flag table). */
export function rewriteAliases(argv: readonly string[]): string[] {
  return argv.map((a) => {
    for (const [alias, name] of ALIASES) {
      if (a === alias) return name;
      if (a.startsWith(`${alias}=`)) return `${name}${a.slice(alias.length)}`;
    }
    return a;
  });
}

/** The flag table: [flags, description, parser?]. Values map 1:1 onto NewClusterOptions below. */
const FLAGS: [string, string, ((v: string, prev?: never) => unknown)?][] = [
  ['--cloud <cloud>', 'cloud provider: aws or gce (default: from the zones, then the state store)'],
  ['--control-plane-zones <zones>', 'zones to run control planes in (an odd number)', list],
  ['--control-plane-count <n>', 'number of control planes (default: one per control-plane zone, else 1)', int('--control-plane-count')],
  ['--node-count <n>', 'total number of nodes, spread over the zones (default: one per zone)', int('--node-count')],
  ['--control-plane-size <types>', 'machine type(s) of control planes (several: a mixed-instances policy)', list],
  ['--node-size <types>', 'machine type(s) of nodes (several: a mixed-instances policy)', list],
  ['--image <image>', 'machine image of all instances'],
  ['--control-plane-image <image>', 'machine image of control planes (over --image)'],
  ['--node-image <image>', 'machine image of nodes (over --image)'],
  ['--bastion-image <image>', 'machine image of bastions (over --image)'],
  ['--control-plane-volume-size <GiB>', 'root volume size of control planes', int('--control-plane-volume-size')],
  ['--node-volume-size <GiB>', 'root volume size of nodes', int('--node-volume-size')],
  ['--control-plane-volume-type <type>', 'root volume type of control planes (gp3, gp2, io1, ...)'],
  ['--node-volume-type <type>', 'root volume type of nodes'],
  ['--kubernetes-version <version>', "Kubernetes version (default: the stable channel's)"],
  ['--kubernetes-feature-gates <gates>', 'feature gates: Name or +Name enables, -Name disables', list],
  ['--channel <channel>', 'channel for default versions and images (default stable)'],
  ['--project <project>', 'GCE project (required on GCE; default: $CLOUDSDK_CORE_PROJECT, gcloud\'s project setting)'],
  ['-t, --topology <topology>', 'public or private (default public)'],
  ['--dns <type>', 'DNS type: public, private or none (default none unless --dns-zone)'],
  ['--dns-zone <zone>', "existing hosted zone for the cluster's DNS records"],
  ['--networking <cni>', 'networking (default cilium): cilium, cilium-etcd, cilium-eni, calico, canal, flannel, kindnet, kubenet, kube-router, amazonvpc, cni, gce'],
  ['--network-cidr <cidrs>', 'network CIDR of a new VPC (default 172.20.0.0/16); further CIDRs are additional VPC ranges, each a subnet of its own', list],
  ['--network-id <id>', 'existing VPC to use (shared, never modified; default: the VPC of --subnets)'],
  ['--subnets <ids>', 'existing subnets (shared), one per zone; their zones are read from AWS', list],
  ['--utility-subnets <ids>', 'existing utility subnets (shared), one per zone (private topology)', list],
  ['--ssh-public-key <file>', 'admin SSH public key (default ~/.ssh/id_rsa.pub when present)'],
  ['--ssh-access <cidrs>', 'CIDRs allowed to SSH (default: --admin-access)', list],
  ['--admin-access <cidrs>', 'CIDRs allowed to reach the API (default 0.0.0.0/0,::/0)', list],
  ['--api-loadbalancer-type <type>', 'public or internal: put the API behind a load balancer'],
  ['--api-ssl-certificate <arn>', 'certificate of the API load balancer (AWS)'],
  ['--api-public-name <name>', 'DNS name of the public API'],
  ['--cloud-labels <k=v,...>', 'tags for every cloud resource ("Owner=John Doe,Team=Infra")'],
  ['--etcd-storage-type <type>', 'volume type of etcd members'],
  ['--authorization <mode>', 'RBAC (default) or AlwaysAllow'],
  ['--node-security-groups <ids>', 'additional security groups of nodes', list],
  ['--control-plane-security-groups <ids>', 'additional security groups of control planes', list],
  ['--set <path=value>', 'set a spec field, e.g. spec.kubernetesVersion=1.35.0 or instancegroup.spec.maxSize=3 (repeatable)', repeat],
  ['--unset <path>', 'unset a spec field (repeatable; applied before --set)', repeat],
  ['-o, --output <format>', 'with --dry-run: yaml or json'],
];

export function registerCreateCluster(create: Command, ctx: () => CommandContext): void {
  const cmd = create
    .command('cluster [name]')
    .description('Create a cluster spec in the state store (kops create cluster)')
    .option('--zones <zones>', 'zones to run nodes in (comma separated)', list, []);
  for (const [flags, description, parse] of FLAGS) {
    if (parse) cmd.option(flags, description, parse as (v: string, prev: unknown) => unknown);
    else cmd.option(flags, description);
  }
  cmd
    .option('--bastion', 'add a bastion instance group (private topology)')
    .option('--encrypt-etcd-storage [bool]', 'encrypt etcd volumes (default true on AWS)', boolFlag('--encrypt-etcd-storage'))
    .option('--associate-public-ip [bool]', 'give instances public IPs (true/false)', boolFlag('--associate-public-ip'))
    .option('--ipv6', 'IPv6 networking (not supported yet: refused)')
    .option('--dry-run', 'print the manifests (needs -o) instead of writing them')
    .option('--force-unlock <id>', 'break a stale cluster lock with this id first (e.g. left by an interrupted create)')
    .option('-y, --yes', 'apply at once (update cluster --yes)')
    // `create` itself has --force-unlock (for -f), and commander gives a parent's option to the
    // parent wherever it appears: read it from there too.
    .action(async (positional: string | undefined, flags: Flags) => {
      const forceUnlock = flags.forceUnlock ?? create.opts<{ forceUnlock?: string }>().forceUnlock;
      return createCluster(ctx(), positional, { ...flags, ...(forceUnlock ? { forceUnlock } : {}) });
    });
}

function storeURL(ctx: CommandContext): string | undefined {
  const url = ctx.globals.state?.trim() || ctx.io.env.KOPS_STATE_STORE?.trim();
  return url ? url.replace(/\/+$/, '') : undefined;
}

function toOptions(ctx: CommandContext, name: string, f: Flags): NewClusterOptions {
  const s = (k: string) => f[k] as string | undefined;
  const l = (k: string) => f[k] as string[] | undefined;
  const n = (k: string) => f[k] as number | undefined;
  const b = (k: string) => f[k] as boolean | undefined;
  const store = storeURL(ctx);
  const gates = l('kubernetesFeatureGates');
  const labels = s('cloudLabels');
  const options: Record<string, unknown> = {
    name,
    zones: f.zones,
    cloud: s('cloud'),
    controlPlaneZones: l('controlPlaneZones'),
    controlPlaneCount: n('controlPlaneCount'),
    nodeCount: n('nodeCount'),
    controlPlaneSizes: l('controlPlaneSize'),
    nodeSizes: l('nodeSize'),
    image: s('image'),
    controlPlaneImage: s('controlPlaneImage'),
    nodeImage: s('nodeImage'),
    bastionImage: s('bastionImage'),
    controlPlaneVolumeSize: n('controlPlaneVolumeSize'),
    nodeVolumeSize: n('nodeVolumeSize'),
    controlPlaneVolumeType: s('controlPlaneVolumeType'),
    nodeVolumeType: s('nodeVolumeType'),
    kubernetesVersion: s('kubernetesVersion'),
    channel: s('channel'),
    // kops asks `gcloud config get-value project`, whose environment override is CLOUDSDK_CORE_PROJECT.
    project: s('project') ?? (ctx.io.env.CLOUDSDK_CORE_PROJECT?.trim() || undefined),
    topology: s('topology'),
    dns: s('dns'),
    dnsZone: s('dnsZone'),
    networking: s('networking'),
    networkCIDRs: l('networkCidr'),
    networkID: s('networkId'),
    subnetIDs: l('subnets'),
    utilitySubnetIDs: l('utilitySubnets'),
    sshAccess: l('sshAccess'),
    adminAccess: l('adminAccess'),
    bastion: b('bastion'),
    apiLoadBalancerType: s('apiLoadbalancerType'),
    apiSSLCertificate: s('apiSslCertificate'),
    apiPublicName: s('apiPublicName'),
    cloudLabels: labels !== undefined ? parseCloudLabels(labels) : undefined,
    encryptEtcdStorage: b('encryptEtcdStorage'),
    etcdStorageType: s('etcdStorageType'),
    ipv6: b('ipv6'),
    associatePublicIP: b('associatePublicIp'),
    nodeSecurityGroups: l('nodeSecurityGroups'),
    controlPlaneSecurityGroups: l('controlPlaneSecurityGroups'),
    featureGates: gates ? parseFeatureGates(gates) : undefined,
    authorization: s('authorization'),
    configBase: store ? `${store}/${name}` : undefined,
  };
  for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
  return options as unknown as NewClusterOptions;
}

function sshKeys(ctx: CommandContext, flag: string | undefined): string[] {
  if (flag) {
    try {
      return [ctx.io.readFile(flag).trim()];
    } catch {
      throw new KopsError('SSHKeyNotFound', `cannot read SSH public key ${flag}`, { hint: 'give the path of a public key file (e.g. ~/.ssh/id_ed25519.pub)', exitCode: 2 });
    }
  }
  const home = ctx.io.env.HOME ?? homedir();
  const fallback = join(home, '.ssh', 'id_rsa.pub');
  return existsSync(fallback) ? [ctx.io.readFile(fallback).trim()] : [];
}

const key = (d: Diagnostic) => `${d.code} ${d.path ?? ''} ${d.summary}`;

/**
 * Builds the spec, applies `--unset` then `--set` (kops's order) and checks it field by field and
 * as a whole. Warnings about kops fields the builder itself writes are not news; only those the
 * user's `--set` brought in are passed on.
 */
function buildSpec(ctx: CommandContext, options: NewClusterOptions, f: Flags): { objects: KopsObject[]; warnings: Diagnostic[]; built: ReturnType<typeof newCluster> } {
  const built = newCluster(options);
  const objects: KopsObject[] = [built.cluster, ...built.instanceGroups];
  const baseline = new Set(checkSpec(built.cluster, built.instanceGroups, undefined, { schema: true }).map(key));
  if (f.unset?.length) unsetFields(objects, f.unset);
  if (f.set?.length) setFields(objects, f.set);
  disableKubeProxyForCalicoBPF(built.cluster.spec as Record<string, unknown>);
  const diags = checkSpec(built.cluster, built.instanceGroups, undefined, { schema: true }).filter((d) => d.severity === 'error' || !baseline.has(key(d)));
  if (hasErrors(diags)) throw invalidSpec([...built.warnings, ...diags]);
  return { objects, built, warnings: [...built.warnings, ...diags] };
}

/**
 * kops: a shared network is read from AWS (`create cluster` only reads, never changes it): each
 * of `--subnets`/`--utility-subnets` goes to its own zone with its CIDR, the VPC defaults to the
 * first subnet's, and the network CIDR to the VPC's.
 */
async function withSharedNetwork(o: NewClusterOptions, timeouts: AwsTimeouts): Promise<NewClusterOptions> {
  const cloud = resolveCloud(o);
  // Bad flags are reported first, by newCluster, without a call to AWS.
  // (`sharedSubnets: {}` stands for the lookup to come, which finds the VPC of the subnets.)
  if (cloud !== 'aws' || !usesSharedNetwork(o) || checkNewClusterOptions({ ...o, sharedSubnets: {} }, cloud).length > 0) return o;
  const shared = await lookupSharedNetwork(new AwsClients({ region: regionOfZone(o.zones[0] ?? '', 'aws'), timeouts }), o);
  return { ...o, networkID: shared.networkID, sharedSubnets: shared.subnets, ...(shared.networkCIDR ? { networkCIDRs: [shared.networkCIDR] } : {}) };
}

async function createCluster(ctx: CommandContext, positional: string | undefined, f: Flags): Promise<void> {
  const name = ctx.clusterName(positional);
  if (f.dryRun && f.output !== 'yaml' && f.output !== 'json') {
    throw new KopsError('InvalidFlag', '--dry-run needs an output format', { hint: 'add -o yaml or -o json', exitCode: 2 });
  }
  const { objects, built, warnings } = buildSpec(ctx, await withSharedNetwork(toOptions(ctx, name, f), ctx.awsTimeouts()), f);
  for (const w of warnings) ctx.io.stderr(`${formatDiagnostic(w)}\n`);
  if (f.dryRun) {
    ctx.io.stdout(f.output === 'json' ? toJson(objects) : toYaml(objects));
    return;
  }
  const keys = sshKeys(ctx, f.sshPublicKey);
  // From here the command takes the cluster lock (to store the spec, then with --yes to apply it):
  // a signal lets the store finish, and stops the apply cleanly (src/cli/interrupt.ts).
  const interrupts = new Interrupts(ctx.io, {
    operation: 'create cluster',
    cluster: name,
    rerun: () => updateCommandLine(ctx, name, {}, ['--yes']),
    forceUnlock: (id) => updateCommandLine(ctx, name, {}, ['--force-unlock', id, '--yes']),
  });
  await interrupts.run(ctx.io.signals, async () => {
    await createClusterSpec({ clientset: ctx.clientset(), cluster: built.cluster, instanceGroups: built.instanceGroups, sshPublicKeys: keys, ...(f.forceUnlock ? { forceUnlock: f.forceUnlock } : {}) });
    if (keys.length === 0) ctx.warn('no SSH public key given (--ssh-public-key) and ~/.ssh/id_rsa.pub not found: instances will have no admin key');
    if (f.yes) await runUpdateAfterCreate(ctx, name, interrupts);
    else createdMessage(ctx, name, built);
  });
}

function createdMessage(ctx: CommandContext, name: string, built: ReturnType<typeof newCluster>): void {
  const node = built.instanceGroups.find((g) => g.spec.role === 'Node');
  const cp = built.instanceGroups.find((g) => g.spec.role === 'Master');
  ctx.io.stdout(
    [
      'Cluster configuration has been created.',
      '',
      'Suggestions:',
      ' * list clusters with: kops-ts get cluster',
      ` * edit this cluster with: kops-ts edit cluster ${name}`,
      ...(node ? [` * edit your node instance group: kops-ts edit ig --name=${name} ${node.metadata.name}`] : []),
      ...(cp ? [` * edit your control-plane instance group: kops-ts edit ig --name=${name} ${cp.metadata.name}`] : []),
      '',
      `Finally configure your cluster with: kops-ts update cluster --name ${name} --yes`,
      '',
    ].join('\n'),
  );
}
