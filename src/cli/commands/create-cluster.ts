/**
 * `kops-ts create cluster`: kops's flags (and their aliases) → a new cluster spec in the store.
 * This file declares the command; its action imports create-cluster-impl.ts.
 */
import type { Command } from 'commander';
import { KopsError } from '../../diagnostics.js';
import type { CommandContext } from '../context.js';
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

export interface CreateClusterFlags {
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
  ['--networking <cni>', 'networking (default cilium): cilium, cilium-etcd, cilium-eni, calico, flannel, kindnet, kubenet, kube-router, amazonvpc, cni, gce'],
  ['--network-cidr <cidrs>', 'network CIDR of a new VPC (AWS; default 172.20.0.0/16); further CIDRs are additional VPC ranges, each a subnet of its own', list],
  ['--network-id <id>', 'existing VPC (AWS) or VPC network (GCE: name or project/name) to use (shared, never modified; default: the VPC of --subnets)'],
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
    .action(async (positional: string | undefined, flags: CreateClusterFlags) => {
      const forceUnlock = flags.forceUnlock ?? create.opts<{ forceUnlock?: string }>().forceUnlock;
      const { createCluster } = await import('./create-cluster-impl.js');
      return createCluster(ctx(), positional, { ...flags, ...(forceUnlock ? { forceUnlock } : {}) });
    });
}
