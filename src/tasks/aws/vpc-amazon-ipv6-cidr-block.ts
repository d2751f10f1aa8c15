/**
 * `VPCAmazonIPv6CIDRBlock`: the Amazon-provided IPv6 block of the cluster's VPC, as kops adds it
 * to every VPC it owns (`VPCAmazonIPv6CIDRBlock/AmazonIPv6`, pkg/model/awsmodel/network.go). The
 * public route table's `::/0` route and the subnets' IPv6 ranges (`subnets[].ipv6CIDR`) use it.
 *
 * It is its own task rather than a field of the VPC, as in kops, so that adding it to a VPC made
 * without one is an association, never a new VPC. It is found in the VPC's
 * `Ipv6CidrBlockAssociationSet` from the cluster's VPC listing (no extra call); like kops's
 * `findVPCIPv6CIDR`, an Amazon block is preferred and any other associated block (BYOIP) counts.
 *
 * AWS associates the block asynchronously (`associating`, then `associated`, within seconds):
 * `apply` re-reads the VPC and asks the executor to try again later until the block is there.
 */
import { AssociateVpcCidrBlockCommand, DisassociateVpcCidrBlockCommand, type Vpc, type VpcIpv6CidrBlockAssociation } from '@aws-sdk/client-ec2';
import { KopsError } from '../../diagnostics.js';
import { tryAgainLater } from '../retry.js';
import type { TaskKind, Val } from '../types.js';
import type { AwsTaskContext } from './context.js';
import { clusterVpcs, ignoreGone, indexByName, lookupOf, tagsOf, vpcsById } from './network-common.js';

export interface VpcAmazonIpv6CidrBlockDesired {
  /** `ref('VPC', <cluster>)`: kops-ts adds the block to the VPCs it owns only. */
  readonly vpcId: Val;
}

export interface VpcAmazonIpv6CidrBlockActual {
  readonly vpcId: string;
  /** The block, e.g. `2600:1f18:abc:de00::/56` (once associated). */
  readonly cidr: string;
  readonly associationId: string;
  readonly state: string;
}

/** kops's one task name for it. */
export const AMAZON_IPV6_TASK_NAME = 'AmazonIPv6';

const LIVE = new Set(['associated', 'associating']);

/** The VPC's IPv6 block as kops's findVPCIPv6CIDR picks it: Amazon's, else the first associated one. */
export function vpcIpv6Block(vpc: Vpc): VpcIpv6CidrBlockAssociation | undefined {
  const live = (vpc.Ipv6CidrBlockAssociationSet ?? []).filter((a) => LIVE.has(a.Ipv6CidrBlockState?.State ?? ''));
  return live.find((a) => a.Ipv6Pool === 'Amazon') ?? live[0];
}

function toActual(vpc: Vpc, a: VpcIpv6CidrBlockAssociation): VpcAmazonIpv6CidrBlockActual {
  return { vpcId: vpc.VpcId ?? '', cidr: a.Ipv6CidrBlock ?? '', associationId: a.AssociationId ?? '', state: a.Ipv6CidrBlockState?.State ?? '' };
}

async function readVpc(ctx: AwsTaskContext, vpcId: string): Promise<Vpc> {
  const vpc = (await vpcsById(ctx, [vpcId]))[0];
  if (vpc === undefined) {
    throw new KopsError('VPCNotFound', `VPC ${vpcId} was not found while adding its Amazon IPv6 block`, { hint: 'run update cluster again; the VPC task recreates it' });
  }
  return vpc;
}

export const vpcAmazonIpv6CidrBlockKind: TaskKind<VpcAmazonIpv6CidrBlockDesired, VpcAmazonIpv6CidrBlockActual, AwsTaskContext> = {
  kind: 'VPCAmazonIPv6CIDRBlock',
  fields: {
    vpcId: { mode: 'replace' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, VpcAmazonIpv6CidrBlockActual>();
    if (tasks.length === 0) return found;
    const lookups = tasks.map((t) => lookupOf(t.desired.vpcId));
    const ids = [...new Set(lookups.flatMap((l) => (l.id !== undefined ? [l.id] : [])))];
    const [mine, byId] = await Promise.all([lookups.some((l) => l.name !== undefined) ? clusterVpcs(ctx) : [], vpcsById(ctx, ids)]);
    const byName = indexByName('VPC', mine, (v) => v.VpcId ?? '', tagsOf);
    tasks.forEach((t, i) => {
      const l = lookups[i] ?? lookupOf(t.desired.vpcId);
      const vpc = l.id !== undefined ? byId.find((v) => v.VpcId === l.id) : byName.get(l.name);
      const block = vpc === undefined ? undefined : vpcIpv6Block(vpc);
      if (vpc && block) found.set(t.name, toActual(vpc, block));
    });
    return found;
  },

  view: (d, refs) => ({ vpcId: refs.resolve(d.vpcId) }),

  actualView: (a) => ({ vpcId: a.vpcId }),

  async apply(ctx, req) {
    const vpcId = req.refs.known(req.desired.vpcId);
    let block = vpcIpv6Block(await readVpc(ctx, vpcId));
    if (block === undefined) {
      await ctx.clients.ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, AmazonProvidedIpv6CidrBlock: true }));
      block = vpcIpv6Block(await readVpc(ctx, vpcId));
    }
    const state = block?.Ipv6CidrBlockState?.State;
    if (block === undefined || state !== 'associated') throw tryAgainLater(`waiting for the Amazon IPv6 block of VPC ${vpcId} to be associated (now ${state ?? 'not listed'})`);
    return toActual({ VpcId: vpcId }, block);
  },

  outputs: (a) => ({ id: a.associationId, cidr: a.cidr, vpcId: a.vpcId }),

  /** Disassociates the block unless it is already gone (a retried or repeated delete). */
  async delete(ctx, a) {
    const vpc = (await vpcsById(ctx, [a.vpcId]))[0];
    const live = (vpc?.Ipv6CidrBlockAssociationSet ?? []).some((x) => x.AssociationId === a.associationId && LIVE.has(x.Ipv6CidrBlockState?.State ?? ''));
    if (!live) return;
    await ignoreGone(
      () => ctx.clients.ec2.send(new DisassociateVpcCidrBlockCommand({ AssociationId: a.associationId })),
      ['InvalidVpcCidrBlockAssociationID.NotFound', 'InvalidVpcCidrBlockAssociationId.NotFound', 'InvalidVpcID.NotFound'],
    );
  },
};
