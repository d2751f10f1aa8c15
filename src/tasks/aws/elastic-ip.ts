/**
 * `ElasticIP`: the public address of a zone's NAT gateway in private topology
 * (`ElasticIP/<zone>.<cluster>`), allocated in the VPC domain with the cluster's tags. A subnet's
 * `egress: eipalloc-...` or `publicIP: x.x.x.x` names the user's address instead: shared, found
 * by allocation id or address, never changed or released.
 */
import { AllocateAddressCommand, DescribeAddressesCommand, ReleaseAddressCommand, type Address, type Filter } from '@aws-sdk/client-ec2';
import type { TaskKind } from '../types.js';
import { clusterFilters, tagSpec, type AwsTaskContext, type Tags } from './context.js';
import { ensureTags, ignoreGone, indexByName, sharedNotFound, sharedReadOnly, sharedWithoutId, tagsOf } from './network-common.js';

export interface ElasticIpDesired {
  /** The user's allocation id (`eipalloc-...`); shared only. */
  readonly id?: string;
  /** The user's address; shared only. */
  readonly publicIp?: string;
  readonly tags?: Tags;
}

export interface ElasticIpActual {
  /** The allocation id. */
  readonly id: string;
  readonly publicIp: string;
  /** Set while the address is in use (by a NAT gateway's interface). */
  readonly associationId: string | undefined;
  readonly tags: Tags;
  readonly shared: boolean;
}

function toActual(a: Address, shared: boolean): ElasticIpActual {
  return { id: a.AllocationId ?? '', publicIp: a.PublicIp ?? '', associationId: a.AssociationId || undefined, tags: tagsOf(a), shared };
}

/** DescribeAddresses is not paged: every address of the region comes in one answer. */
async function describe(ctx: AwsTaskContext, filters: Filter[]): Promise<Address[]> {
  const out = await ctx.clients.ec2.send(new DescribeAddressesCommand({ Filters: filters }));
  return out.Addresses ?? [];
}

export const elasticIpKind: TaskKind<ElasticIpDesired, ElasticIpActual, AwsTaskContext> = {
  kind: 'ElasticIP',
  fields: {
    tags: { compare: 'tags' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, ElasticIpActual>();
    const shared = tasks.filter((t) => t.shared);
    const unfindable = shared.find((t) => t.desired.id === undefined && t.desired.publicIp === undefined);
    if (unfindable) throw sharedWithoutId('ElasticIP', unfindable.name, 'give the allocation id (desired.id) or the address (desired.publicIp)');
    const ids = [...new Set(shared.flatMap((t) => (t.desired.id !== undefined ? [t.desired.id] : [])))];
    const ips = [...new Set(shared.flatMap((t) => (t.desired.id === undefined && t.desired.publicIp !== undefined ? [t.desired.publicIp] : [])))];
    const [mine, byId, byIp] = await Promise.all([
      tasks.some((t) => !t.shared) ? describe(ctx, clusterFilters(ctx.clusterName)) : [],
      ids.length > 0 ? describe(ctx, [{ Name: 'allocation-id', Values: ids }]) : [],
      ips.length > 0 ? describe(ctx, [{ Name: 'public-ip', Values: ips }]) : [],
    ]);
    const byName = indexByName('ElasticIP', mine, (a) => a.AllocationId ?? '', tagsOf);
    for (const t of tasks) {
      const d = t.desired;
      const a = !t.shared
        ? byName.get(t.name)
        : d.id !== undefined
          ? byId.find((x) => x.AllocationId === d.id)
          : byIp.find((x) => x.PublicIp === d.publicIp);
      if (a) found.set(t.name, toActual(a, t.shared === true));
    }
    return found;
  },

  view: (d) => ({ tags: d.tags }),

  actualView: (a) => ({ tags: a.tags }),

  async apply(ctx, req) {
    const a = req.actual;
    const d = req.desired;
    if (d.id !== undefined || d.publicIp !== undefined || a?.shared) {
      throw a ? sharedReadOnly('ElasticIP', a.id) : sharedNotFound('ElasticIP', req.name, d.id ?? d.publicIp);
    }
    if (a !== undefined) return { ...a, tags: await ensureTags(ctx, a.id, a.tags, d.tags) };
    const out = await ctx.clients.ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: tagSpec('elastic-ip', d.tags ?? {}) }));
    return { id: out.AllocationId ?? '', publicIp: out.PublicIp ?? '', associationId: undefined, tags: { ...d.tags }, shared: false };
  },

  outputs: (a) => ({ id: a.id, publicIp: a.publicIp }),

  /** Release (the NAT gateway using it must be deleted first: NatGateway's delete waits for that). */
  async delete(ctx, a) {
    if (a.shared) throw sharedReadOnly('ElasticIP', a.id);
    await ignoreGone(() => ctx.clients.ec2.send(new ReleaseAddressCommand({ AllocationId: a.id })), ['InvalidAllocationID.NotFound']);
  },
};
