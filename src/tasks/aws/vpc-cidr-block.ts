/**
 * `VPCCIDRBlock`: an additional IPv4 range of the cluster's VPC (`spec.additionalNetworkCIDRs`),
 * one task per range named by the range, as kops names it (`VPCCIDRBlock/10.1.0.0/16`). Subnets
 * inside the range depend on it: AWS refuses a subnet outside the VPC's associated ranges.
 *
 * An association has no tags and no Name: it is found in the VPC's `CidrBlockAssociationSet`,
 * which the cluster's VPC listing (`clusterVpcs`) already returns, so finding costs no call. A
 * range that is removed from the spec is disassociated, as kops's VPC `FindDeletions` does
 * (never the VPC's primary range; AWS refuses while subnets still use the range, and the
 * subnets' own deletions run first).
 *
 * AWS answers AssociateVpcCidrBlock with the state `associating`; subnets can use the range only
 * once it is `associated`, so `apply` re-reads the VPC and asks the executor to try again later
 * until it is. A retried `apply` finds the association it made and never associates twice.
 */
import {
  AssociateVpcCidrBlockCommand,
  DisassociateVpcCidrBlockCommand,
  paginateDescribeSubnets,
  type Subnet,
  type Vpc,
  type VpcCidrBlockAssociation,
} from '@aws-sdk/client-ec2';
import { KopsError } from '../../diagnostics.js';
import { contains, parseCidr } from '../../model/cidr.js';
import { tryAgainLater } from '../retry.js';
import type { TaskKind, Val } from '../types.js';
import type { AwsTaskContext } from './context.js';
import { clusterVpcs, ignoreGone, indexByName, lookupOf, tagsOf, vpcsById } from './network-common.js';

export interface VpcCidrBlockDesired {
  /** `ref('VPC', <cluster>)` (kops-ts adds ranges to the VPCs it owns only). */
  readonly vpcId: Val;
  /** The IPv4 range, e.g. `10.1.0.0/16`. */
  readonly cidr: string;
}

export interface VpcCidrBlockActual {
  readonly vpcId: string;
  readonly cidr: string;
  readonly associationId: string;
  /** `associating` or `associated`. */
  readonly state: string;
}

/** States in which a range belongs to the VPC (kops: associated or associating). */
const LIVE = new Set(['associated', 'associating']);

/** The non-primary IPv4 ranges of a VPC that are, or are becoming, associated. */
export function additionalRanges(vpc: Vpc): VpcCidrBlockAssociation[] {
  return (vpc.CidrBlockAssociationSet ?? []).filter((a) => a.CidrBlock !== vpc.CidrBlock && LIVE.has(a.CidrBlockState?.State ?? ''));
}

function toActual(vpc: Vpc, a: VpcCidrBlockAssociation): VpcCidrBlockActual {
  return { vpcId: vpc.VpcId ?? '', cidr: a.CidrBlock ?? '', associationId: a.AssociationId ?? '', state: a.CidrBlockState?.State ?? '' };
}

/** The VPC a task's `vpcId` points at: the cluster's (by Name tag) or one given by id. */
async function vpcsOf(ctx: AwsTaskContext, vpcIds: readonly Val[]): Promise<(v: Val) => Vpc | undefined> {
  const lookups = vpcIds.map(lookupOf);
  const ids = [...new Set(lookups.flatMap((l) => (l.id !== undefined ? [l.id] : [])))];
  const [mine, byId] = await Promise.all([lookups.some((l) => l.name !== undefined) ? clusterVpcs(ctx) : [], vpcsById(ctx, ids)]);
  const byName = indexByName('VPC', mine, (v) => v.VpcId ?? '', tagsOf);
  return (v) => {
    const l = lookupOf(v);
    return l.id !== undefined ? byId.find((x) => x.VpcId === l.id) : byName.get(l.name);
  };
}

/** Every subnet of the given VPCs (the cluster's and anyone else's). */
async function collectSubnets(ctx: AwsTaskContext, vpcIds: readonly string[]): Promise<Subnet[]> {
  const out: Subnet[] = [];
  for await (const page of paginateDescribeSubnets({ client: ctx.clients.ec2 }, { Filters: [{ Name: 'vpc-id', Values: [...vpcIds] }] })) out.push(...(page.Subnets ?? []));
  return out;
}

/** Re-reads the VPC (by id, not the run's memo: it changed) and its association for `cidr`. */
async function readAssociation(ctx: AwsTaskContext, vpcId: string, cidr: string): Promise<{ vpc: Vpc; assoc: VpcCidrBlockAssociation | undefined }> {
  const vpc = (await vpcsById(ctx, [vpcId]))[0];
  if (vpc === undefined) {
    throw new KopsError('VPCNotFound', `VPC ${vpcId} was not found while adding the range ${cidr} to it`, { hint: 'run update cluster again; the VPC task recreates it' });
  }
  const mine = (vpc.CidrBlockAssociationSet ?? []).filter((a) => a.CidrBlock === cidr && a.CidrBlockState?.State !== 'disassociated');
  return { vpc, assoc: mine.find((a) => LIVE.has(a.CidrBlockState?.State ?? '')) ?? mine[0] };
}

/** Fails on a `failed` association with AWS's reason; waits (try again later) while `associating`. */
function settled(name: string, vpc: Vpc, assoc: VpcCidrBlockAssociation): VpcCidrBlockActual {
  const state = assoc.CidrBlockState?.State ?? '';
  if (state === 'failed' || state === 'failing') {
    throw new KopsError('VPCCIDRBlockFailed', `AWS could not add ${assoc.CidrBlock} to VPC ${vpc.VpcId} (task VPCCIDRBlock/${name}): ${assoc.CidrBlockState?.StatusMessage ?? state}`, {
      hint: 'AWS restricts which ranges a VPC may add (RFC 1918 ranges must match the primary one\'s block); pick another range in spec.additionalNetworkCIDRs',
    });
  }
  if (state !== 'associated') throw tryAgainLater(`waiting for ${assoc.CidrBlock} to be associated with VPC ${vpc.VpcId} (now ${state || 'unknown'})`);
  return toActual(vpc, assoc);
}

export const vpcCidrBlockKind: TaskKind<VpcCidrBlockDesired, VpcCidrBlockActual, AwsTaskContext> = {
  kind: 'VPCCIDRBlock',
  fields: {
    vpcId: { mode: 'replace' },
    cidr: { mode: 'replace' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, VpcCidrBlockActual>();
    if (tasks.length === 0) return found;
    const vpcOf = await vpcsOf(ctx, tasks.map((t) => t.desired.vpcId));
    for (const t of tasks) {
      const vpc = vpcOf(t.desired.vpcId);
      const assoc = vpc === undefined ? undefined : additionalRanges(vpc).find((a) => a.CidrBlock === t.desired.cidr);
      if (vpc && assoc) found.set(t.name, toActual(vpc, assoc));
    }
    return found;
  },

  view: (d, refs) => ({ vpcId: refs.resolve(d.vpcId), cidr: d.cidr }),

  actualView: (a) => ({ vpcId: a.vpcId, cidr: a.cidr }),

  async apply(ctx, req) {
    const vpcId = req.refs.known(req.desired.vpcId);
    const cidr = req.desired.cidr;
    let { vpc, assoc } = await readAssociation(ctx, vpcId, cidr);
    if (assoc === undefined || !LIVE.has(assoc.CidrBlockState?.State ?? '')) {
      const out = await ctx.clients.ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, CidrBlock: cidr }));
      ({ vpc, assoc } = await readAssociation(ctx, vpcId, cidr));
      assoc ??= out.CidrBlockAssociation;
    }
    if (assoc === undefined) throw tryAgainLater(`waiting for ${cidr} to appear on VPC ${vpcId}`);
    return settled(req.name, vpc, assoc);
  },

  outputs: (a) => ({ id: a.associationId, cidr: a.cidr, vpcId: a.vpcId }),

  /** Disassociates the range unless it is already gone (a retried or repeated delete). */
  async delete(ctx, a) {
    const vpc = (await vpcsById(ctx, [a.vpcId]))[0];
    const live = (vpc?.CidrBlockAssociationSet ?? []).some((x) => x.AssociationId === a.associationId && LIVE.has(x.CidrBlockState?.State ?? ''));
    if (!live) return;
    await ignoreGone(
      () => ctx.clients.ec2.send(new DisassociateVpcCidrBlockCommand({ AssociationId: a.associationId })),
      ['InvalidVpcCidrBlockAssociationID.NotFound', 'InvalidVpcCidrBlockAssociationId.NotFound', 'InvalidVpcID.NotFound'],
    );
  },

  /**
   * Ranges of the cluster's own VPCs that no task asks for (kops's VPC FindDeletions): only
   * `associated` ones, never the primary range. A shared VPC is never listed (it is not tagged).
   * A range that still holds subnets is kept: AWS refuses to remove it until they are gone, and
   * kops-ts (like kops) does not delete subnets removed from the spec; once they are deleted the
   * next update removes the range. Only then does this cost a call (DescribeSubnets of the VPC).
   */
  async findOrphans(ctx, tasks) {
    const wanted = new Set(tasks.map((t) => t.desired.cidr));
    const vpcs = await clusterVpcs(ctx);
    const candidates = vpcs.flatMap((vpc) =>
      additionalRanges(vpc)
        .filter((a) => a.CidrBlockState?.State === 'associated' && !wanted.has(a.CidrBlock ?? ''))
        .map((a) => ({ name: a.CidrBlock ?? '', actual: toActual(vpc, a) })),
    );
    if (candidates.length === 0) return candidates;
    const vpcIds = [...new Set(candidates.map((o) => o.actual.vpcId))];
    const subnets = await collectSubnets(ctx, vpcIds);
    return candidates.filter((o) => {
      const range = parseCidr(o.actual.cidr);
      return !subnets.some((s) => {
        const inner = parseCidr(s.CidrBlock);
        return s.VpcId === o.actual.vpcId && range !== undefined && inner !== undefined && contains(range, inner);
      });
    });
  },
};
