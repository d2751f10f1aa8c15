/** `kops-ts create cluster`: kops's flags (and their aliases) → a new cluster spec in the store. */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { KopsError } from '../../diagnostics.js';
import { createClusterSpec, checkSpec, invalidSpec } from '../../cloudup/create-cluster.js';
import { newCluster, type NewClusterOptions } from '../../cloudup/new-cluster.js';
import { setFields, unsetFields } from '../field-path.js';
import { toJson, toYaml } from '../../model/api/serialize.js';
import { hasErrors } from '../../diagnostics.js';
import type { KopsObject } from '../../model/api/types.js';
import type { CommandContext } from '../context.js';
import { parseOutputFormat } from '../output.js';
import { runUpdateAfterCreate } from './update-hook.js';

const list = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
const int = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new KopsError('InvalidFlag', `${flag} ${v}: expected a whole number`, { exitCode: 2 });
  return n;
};
function keyValues(v: string, prev: Record<string, string> = {}): Record<string, string> {
  const out = { ...prev };
  for (const pair of v.split(',').filter(Boolean)) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new KopsError('InvalidFlag', `${pair}: expected key=value`, { exitCode: 2 });
    out[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
  }
  return out;
}
function featureGates(v: string, prev: Record<string, string> = {}): Record<string, string> {
  const out = { ...prev };
  for (const g of v.split(',').filter(Boolean)) {
    if (g.includes('=')) Object.assign(out, keyValues(g));
    else if (g.startsWith('-')) out[g.slice(1)] = 'false';
    else out[g.replace(/^\+/, '')] = 'true';
  }
  return out;
}

interface Flags {
  name?: string;
  cloud?: string;
  zones: string[];
  controlPlaneZones?: string[];
  controlPlaneCount?: number;
  nodeCount?: number;
  controlPlaneSize?: string;
  nodeSize?: string;
  image?: string;
  controlPlaneImage?: string;
  nodeImage?: string;
  controlPlaneVolumeSize?: number;
  nodeVolumeSize?: number;
  kubernetesVersion?: string;
  channel?: string;
  project?: string;
  topology?: string;
  dns?: string;
  dnsZone?: string;
  networking?: string;
  networkCidr?: string;
  networkId?: string;
  subnets?: string[];
  utilitySubnets?: string[];
  sshPublicKey?: string;
  sshAccess?: string[];
  adminAccess?: string[];
  bastion?: boolean;
  apiLoadbalancerType?: string;
  cloudLabels?: Record<string, string>;
  encryptEtcdStorage?: boolean;
  ipv6?: boolean;
  nodeSecurityGroups?: string[];
  controlPlaneSecurityGroups?: string[];
  kubernetesFeatureGates?: Record<string, string>;
  set?: string[];
  unset?: string[];
  dryRun?: boolean;
  output?: string;
  yes?: boolean;
}

/** kops's deprecated `--master-*` spellings, still accepted. */
const ALIASES: [string, string][] = [
  ['--master-zones', '--control-plane-zones'],
  ['--master-count', '--control-plane-count'],
  ['--master-size', '--control-plane-size'],
  ['--master-image', '--control-plane-image'],
  ['--master-volume-size', '--control-plane-volume-size'],
  ['--master-security-groups', '--control-plane-security-groups'],
  ['--master-public-name', '--api-public-name'],
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

export function registerCreateCluster(create: Command, ctx: () => CommandContext): void {
  create
    .command('cluster [name]')
    .description('Create a cluster spec in the state store (kops create cluster)')
    .option('--cloud <cloud>', 'cloud provider: aws or gce (inferred from the zones)')
    .option('--zones <zones>', 'zones to run nodes in (comma separated)', list, [])
    .option('--control-plane-zones <zones>', 'zones to run control planes in (an odd number)', list)
    .option('--control-plane-count <n>', 'number of control planes (default: one per control-plane zone)', int('--control-plane-count'))
    .option('--node-count <n>', 'total number of nodes, spread over the zones (default: one per zone)', int('--node-count'))
    .option('--control-plane-size <type>', 'machine type of control planes')
    .option('--node-size <type>', 'machine type of nodes')
    .option('--image <image>', 'machine image of all instances')
    .option('--control-plane-image <image>', 'machine image of control planes')
    .option('--node-image <image>', 'machine image of nodes')
    .option('--control-plane-volume-size <GiB>', 'root volume size of control planes', int('--control-plane-volume-size'))
    .option('--node-volume-size <GiB>', 'root volume size of nodes', int('--node-volume-size'))
    .option('--kubernetes-version <version>', 'Kubernetes version (default: the stable channel\'s)')
    .option('--channel <channel>', 'channel for default versions and images', 'stable')
    .option('--project <project>', 'GCE project')
    .option('--topology <topology>', 'public or private', 'public')
    .option('--dns <type>', 'DNS type: public, private or none (default none unless --dns-zone)')
    .option('--dns-zone <zone>', 'existing hosted zone for the cluster\'s DNS records')
    .option('--networking <cni>', 'networking: cilium, calico, kubenet, flannel, kindnet, amazonvpc, ...', 'cilium')
    .option('--network-cidr <cidr>', 'network CIDR of a new VPC')
    .option('--network-id <id>', 'existing VPC to use (shared)')
    .option('--subnets <ids>', 'existing subnets to use, one per zone (shared)', list)
    .option('--utility-subnets <ids>', 'existing utility subnets, one per zone (shared)', list)
    .option('--ssh-public-key <file>', 'admin SSH public key (default ~/.ssh/id_rsa.pub when present)')
    .option('--ssh-access <cidrs>', 'CIDRs allowed to SSH', list)
    .option('--admin-access <cidrs>', 'CIDRs allowed to reach the API', list)
    .option('--bastion', 'add a bastion instance group (private topology)')
    .option('--api-loadbalancer-type <type>', 'public or internal')
    .option('--cloud-labels <k=v,...>', 'tags for every cloud resource', keyValues)
    .option('--encrypt-etcd-storage', 'encrypt etcd volumes (the default)', true)
    .option('--ipv6', 'IPv6 networking (not supported yet)')
    .option('--node-security-groups <ids>', 'additional security groups of nodes', list)
    .option('--control-plane-security-groups <ids>', 'additional security groups of control planes', list)
    .option('--kubernetes-feature-gates <gates>', 'feature gates (Gate, -Gate, Gate=false)', featureGates)
    .option('--set <path=value>', 'set a spec field, e.g. spec.kubernetesVersion=1.35.0 (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option('--unset <path>', 'unset a spec field (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option('--dry-run', 'print the manifests instead of writing them (with -o)')
    .option('-o, --output <format>', 'with --dry-run: yaml or json')
    .option('-y, --yes', 'apply at once (update cluster --yes)')
    .action(async (positional: string | undefined, flags: Flags) => {
      await createCluster(ctx(), positional, flags);
    });
}

function toOptions(name: string, f: Flags): NewClusterOptions {
  const choice = <T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T | undefined => {
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v.toLowerCase())) throw new KopsError('InvalidFlag', `${flag} ${v}: expected one of ${allowed.join(', ')}`, { exitCode: 2 });
    return v.toLowerCase() as T;
  };
  return {
    name,
    zones: f.zones,
    ...(f.cloud ? { cloud: f.cloud } : {}),
    ...(f.controlPlaneZones ? { controlPlaneZones: f.controlPlaneZones } : {}),
    ...(f.controlPlaneCount !== undefined ? { controlPlaneCount: f.controlPlaneCount } : {}),
    ...(f.nodeCount !== undefined ? { nodeCount: f.nodeCount } : {}),
    ...(f.controlPlaneSize ? { controlPlaneSize: f.controlPlaneSize } : {}),
    ...(f.nodeSize ? { nodeSize: f.nodeSize } : {}),
    ...(f.image ? { image: f.image } : {}),
    ...(f.controlPlaneImage ? { controlPlaneImage: f.controlPlaneImage } : {}),
    ...(f.nodeImage ? { nodeImage: f.nodeImage } : {}),
    ...(f.controlPlaneVolumeSize ? { controlPlaneVolumeSize: f.controlPlaneVolumeSize } : {}),
    ...(f.nodeVolumeSize ? { nodeVolumeSize: f.nodeVolumeSize } : {}),
    ...(f.kubernetesVersion ? { kubernetesVersion: f.kubernetesVersion.replace(/^v/, '') } : {}),
    ...(f.channel ? { channel: f.channel } : {}),
    ...(f.project ? { project: f.project } : {}),
    topology: choice('--topology', f.topology, ['public', 'private'] as const) ?? 'public',
    ...(f.dns ? { dns: choice('--dns', f.dns, ['public', 'private', 'none'] as const)! } : {}),
    ...(f.dnsZone ? { dnsZone: f.dnsZone } : {}),
    ...(f.networking ? { networking: f.networking } : {}),
    ...(f.networkCidr ? { networkCIDR: f.networkCidr } : {}),
    ...(f.networkId ? { networkID: f.networkId } : {}),
    ...(f.subnets ? { subnetIDs: f.subnets } : {}),
    ...(f.utilitySubnets ? { utilitySubnetIDs: f.utilitySubnets } : {}),
    ...(f.sshAccess ? { sshAccess: f.sshAccess } : {}),
    ...(f.adminAccess ? { adminAccess: f.adminAccess } : {}),
    ...(f.bastion ? { bastion: true } : {}),
    ...(f.apiLoadbalancerType ? { apiLoadBalancerType: choice('--api-loadbalancer-type', f.apiLoadbalancerType, ['public', 'internal'] as const)! } : {}),
    ...(f.cloudLabels ? { cloudLabels: f.cloudLabels } : {}),
    encryptEtcdStorage: f.encryptEtcdStorage !== false,
    ...(f.ipv6 ? { ipv6: true } : {}),
    ...(f.nodeSecurityGroups ? { nodeSecurityGroups: f.nodeSecurityGroups } : {}),
    ...(f.controlPlaneSecurityGroups ? { controlPlaneSecurityGroups: f.controlPlaneSecurityGroups } : {}),
    ...(f.kubernetesFeatureGates ? { featureGates: f.kubernetesFeatureGates } : {}),
  };
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

async function createCluster(ctx: CommandContext, positional: string | undefined, f: Flags): Promise<void> {
  const name = ctx.clusterName(positional);
  const built = newCluster(toOptions(name, f));
  const objects: KopsObject[] = [built.cluster, ...built.instanceGroups];
  if (f.set?.length) setFields(objects, f.set);
  if (f.unset?.length) unsetFields(objects, f.unset);
  if (f.dryRun) {
    const format = parseOutputFormat(f.output, ['yaml', 'json']);
    const diags = checkSpec(built.cluster, built.instanceGroups);
    if (hasErrors(diags)) throw invalidSpec(diags);
    ctx.io.stdout(format === 'json' ? toJson(objects) : toYaml(objects));
    return;
  }
  const keys = sshKeys(ctx, f.sshPublicKey);
  const { warnings } = await createClusterSpec({ clientset: ctx.clientset(), cluster: built.cluster, instanceGroups: built.instanceGroups, sshPublicKeys: keys });
  for (const w of warnings) ctx.warn(w.summary);
  if (keys.length === 0) ctx.warn('no SSH public key given (--ssh-public-key) and ~/.ssh/id_rsa.pub not found: instances will have no admin key');
  if (f.yes) {
    await runUpdateAfterCreate(ctx, name);
    return;
  }
  ctx.io.stdout(
    [
      'Cluster configuration has been created.',
      '',
      'Suggestions:',
      ` * list clusters with: kops-ts get cluster`,
      ` * edit this cluster with: kops-ts edit cluster ${name}`,
      ` * edit your node instance group: kops-ts edit ig --name=${name} ${built.instanceGroups.find((g) => g.spec.role === 'Node')?.metadata.name ?? 'nodes'}`,
      ` * edit your control-plane instance group: kops-ts edit ig --name=${name} ${built.instanceGroups[0]?.metadata.name ?? ''}`,
      '',
      'Finally configure your cluster with: kops-ts update cluster --name ' + name + ' --yes',
      '',
    ].join('\n'),
  );
}
