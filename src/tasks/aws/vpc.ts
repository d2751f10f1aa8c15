/**
 * `VPC`: the network that holds the cluster (kops's `VPC/<cluster>`). kops creates it with DNS
 * support and DNS hostnames on (instances need resolvable private names); a VPC given by id in
 * `spec.networking.networkID` is the user's: found by id, never tagged, modified or deleted.
 *
 * The DNS settings are VPC attributes that DescribeVpcs does not return: each found VPC costs two
 * DescribeVpcAttribute calls (a cluster has exactly one VPC task).
 */
import {
  CreateVpcCommand,
  DeleteVpcCommand,
  DescribeVpcAttributeCommand,
  ModifyVpcAttributeCommand,
  waitUntilVpcAvailable,
  type Vpc,
} from '@aws-sdk/client-ec2';
import type { TaskKind } from '../types.js';
import { tagSpec, type AwsTaskContext, type Tags } from './context.js';
import {
  clusterVpcs,
  ensureTags,
  ignoreGone,
  indexByName,
  partitionShared,
  sharedNotFound,
  sharedReadOnly,
  tagsOf,
  vpcsById,
} from './network-common.js';

export interface VpcDesired {
  /** The user's VPC (`spec.networking.networkID`); only with `task.shared`. */
  readonly id?: string;
  /** IPv4 CIDR, e.g. `172.20.0.0/16`; a change needs a new VPC. Undefined for a shared VPC. */
  readonly cidr?: string;
  /** kops: true. */
  readonly enableDnsHostnames?: boolean;
  /** kops: true. */
  readonly enableDnsSupport?: boolean;
  /** Complete tags (Name, ownership, cloudLabels); none for a shared VPC (kops#4265). */
  readonly tags?: Tags;
}

export interface VpcActual {
  readonly id: string;
  readonly cidr: string;
  readonly enableDnsHostnames: boolean;
  readonly enableDnsSupport: boolean;
  /** Which DHCP options set the VPC uses (`VPCDHCPOptionsAssociation`). */
  readonly dhcpOptionsId: string;
  readonly tags: Tags;
  /** Found by id for a shared task: never modified or deleted. */
  readonly shared: boolean;
}

/** The time a new VPC may take to become `available` on real AWS (moto is instant). */
const VPC_WAIT_SECONDS = 120;

async function readAttributes(ctx: AwsTaskContext, vpcId: string): Promise<{ enableDnsHostnames: boolean; enableDnsSupport: boolean }> {
  const [hostnames, support] = await Promise.all([
    ctx.clients.ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsHostnames' })),
    ctx.clients.ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsSupport' })),
  ]);
  return {
    enableDnsHostnames: hostnames.EnableDnsHostnames?.Value ?? false,
    enableDnsSupport: support.EnableDnsSupport?.Value ?? true,
  };
}

async function toActual(ctx: AwsTaskContext, vpc: Vpc, shared: boolean): Promise<VpcActual> {
  const id = vpc.VpcId ?? '';
  return {
    id,
    cidr: vpc.CidrBlock ?? '',
    ...(await readAttributes(ctx, id)),
    dhcpOptionsId: vpc.DhcpOptionsId ?? '',
    tags: tagsOf(vpc),
    shared,
  };
}

/** Sets the DNS attributes that differ (ModifyVpcAttribute takes one attribute per call). */
async function setAttributes(ctx: AwsTaskContext, id: string, have: Pick<VpcActual, 'enableDnsHostnames' | 'enableDnsSupport'>, want: VpcDesired): Promise<void> {
  // Hostnames need support: turn support on first and off last.
  if (want.enableDnsSupport === true && !have.enableDnsSupport) {
    await ctx.clients.ec2.send(new ModifyVpcAttributeCommand({ VpcId: id, EnableDnsSupport: { Value: true } }));
  }
  if (want.enableDnsHostnames !== undefined && want.enableDnsHostnames !== have.enableDnsHostnames) {
    await ctx.clients.ec2.send(new ModifyVpcAttributeCommand({ VpcId: id, EnableDnsHostnames: { Value: want.enableDnsHostnames } }));
  }
  if (want.enableDnsSupport === false && have.enableDnsSupport) {
    await ctx.clients.ec2.send(new ModifyVpcAttributeCommand({ VpcId: id, EnableDnsSupport: { Value: false } }));
  }
}

async function create(ctx: AwsTaskContext, d: VpcDesired, signal?: AbortSignal): Promise<VpcActual> {
  const out = await ctx.clients.ec2.send(new CreateVpcCommand({ CidrBlock: d.cidr, TagSpecifications: tagSpec('vpc', d.tags ?? {}) }));
  const id = out.Vpc?.VpcId ?? '';
  await waitUntilVpcAvailable({ client: ctx.clients.ec2, maxWaitTime: VPC_WAIT_SECONDS, ...(signal ? { abortSignal: signal } : {}) }, { VpcIds: [id] });
  // A new VPC has AWS's defaults: DNS support on, DNS hostnames off.
  const defaults = { enableDnsHostnames: false, enableDnsSupport: true };
  await setAttributes(ctx, id, defaults, d);
  return {
    id,
    cidr: out.Vpc?.CidrBlock ?? d.cidr ?? '',
    enableDnsHostnames: d.enableDnsHostnames ?? defaults.enableDnsHostnames,
    enableDnsSupport: d.enableDnsSupport ?? defaults.enableDnsSupport,
    dhcpOptionsId: out.Vpc?.DhcpOptionsId ?? '',
    tags: { ...tagsOf(out.Vpc ?? {}), ...d.tags },
    shared: false,
  };
}

export const vpcKind: TaskKind<VpcDesired, VpcActual, AwsTaskContext> = {
  kind: 'VPC',
  fields: {
    cidr: { mode: 'replace' },
    tags: { compare: 'tags' },
  },

  async find(ctx, tasks) {
    const { owned, sharedIds } = partitionShared('VPC', tasks);
    const [mine, theirs] = await Promise.all([owned.length > 0 ? clusterVpcs(ctx) : [], vpcsById(ctx, sharedIds)]);
    const byName = indexByName('VPC', mine, (v) => v.VpcId ?? '', tagsOf);
    const found = new Map<string, VpcActual>();
    await Promise.all(
      tasks.map(async (t) => {
        const vpc = t.shared ? theirs.find((v) => v.VpcId === t.desired.id) : byName.get(t.name);
        if (vpc) found.set(t.name, await toActual(ctx, vpc, t.shared === true));
      }),
    );
    return found;
  },

  view: (d) => ({ cidr: d.cidr, enableDnsHostnames: d.enableDnsHostnames, enableDnsSupport: d.enableDnsSupport, tags: d.tags }),

  actualView: (a) => ({ cidr: a.cidr, enableDnsHostnames: a.enableDnsHostnames, enableDnsSupport: a.enableDnsSupport, tags: a.tags }),

  async apply(ctx, req) {
    const a = req.actual;
    if (req.desired.id !== undefined || a?.shared) {
      throw a ? sharedReadOnly('VPC', a.id) : sharedNotFound('VPC', req.name, req.desired.id);
    }
    if (a === undefined) return create(ctx, req.desired, req.signal);
    await setAttributes(ctx, a.id, a, req.desired);
    const tags = await ensureTags(ctx, a.id, a.tags, req.desired.tags);
    return {
      ...a,
      enableDnsHostnames: req.desired.enableDnsHostnames ?? a.enableDnsHostnames,
      enableDnsSupport: req.desired.enableDnsSupport ?? a.enableDnsSupport,
      tags,
    };
  },

  outputs: (a) => ({ id: a.id, cidr: a.cidr }),

  async delete(ctx, a) {
    if (a.shared) throw sharedReadOnly('VPC', a.id);
    await ignoreGone(() => ctx.clients.ec2.send(new DeleteVpcCommand({ VpcId: a.id })), ['InvalidVpcID.NotFound']);
  },
};
