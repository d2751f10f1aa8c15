/**
 * `NatGateway`: a zone's way out for private subnets (`NatGateway/<zone>.<cluster>`), in the
 * zone's utility subnet with the zone's ElasticIP. A subnet's `egress: nat-...` names the user's
 * gateway instead: shared, found by id, never changed or deleted.
 *
 * On AWS a NAT gateway is `pending` for a minute or more after CreateNatGateway and routes to it
 * fail until it is `available`, so `apply` waits (SDK waiter); deleting takes a while too, and its
 * ElasticIP cannot be released until it is `deleted`, so `delete` waits for that. Deleted and
 * failed gateways stay visible for about an hour: `find` ignores them.
 */
import {
  CreateNatGatewayCommand,
  DeleteNatGatewayCommand,
  paginateDescribeNatGateways,
  waitUntilNatGatewayAvailable,
  waitUntilNatGatewayDeleted,
  type Filter,
  type NatGateway,
} from '@aws-sdk/client-ec2';
import { KopsError } from '../../diagnostics.js';
import { isAbortError } from '../retry.js';
import type { TaskKind, Val } from '../types.js';
import { clusterFilters, tagSpec, type AwsTaskContext, type Tags } from './context.js';
import { ensureTags, ignoreGone, indexByName, partitionShared, sharedNotFound, sharedReadOnly, tagsOf } from './network-common.js';

export interface NatGatewayDesired {
  /** `ref('Subnet', 'utility-<zone>.<cluster>')`: the zone's utility (public) subnet; unset for a shared gateway. */
  readonly subnetId?: Val;
  /** `ref('ElasticIP', '<zone>.<cluster>')`. */
  readonly allocationId?: Val;
  /** The user's gateway (shared only). */
  readonly id?: string;
  readonly tags?: Tags;
}

export interface NatGatewayActual {
  readonly id: string;
  readonly subnetId: string;
  readonly allocationId: string | undefined;
  readonly vpcId: string;
  readonly state: string;
  readonly tags: Tags;
  readonly shared: boolean;
}

/** How long to wait for a new gateway to become available, or a deleted one to go (real AWS: minutes). */
export const NAT_GATEWAY_WAIT_SECONDS = 15 * 60;

const GONE_STATES = new Set(['deleting', 'deleted', 'failed']);

function toActual(g: NatGateway, shared: boolean): NatGatewayActual {
  return {
    id: g.NatGatewayId ?? '',
    subnetId: g.SubnetId ?? '',
    allocationId: g.NatGatewayAddresses?.find((a) => a.AllocationId)?.AllocationId,
    vpcId: g.VpcId ?? '',
    state: g.State ?? '',
    tags: tagsOf(g),
    shared,
  };
}

async function list(ctx: AwsTaskContext, filters: Filter[]): Promise<NatGateway[]> {
  const out: NatGateway[] = [];
  for await (const page of paginateDescribeNatGateways({ client: ctx.clients.ec2 }, { Filter: filters })) {
    out.push(...(page.NatGateways ?? []).filter((g) => !GONE_STATES.has(g.State ?? '')));
  }
  return out;
}

/**
 * Waits for a new gateway. One that fails (e.g. its ElasticIP is in use elsewhere) says why in
 * `FailureMessage`; the error names the task and that reason. `find` ignores failed gateways, so
 * the next update creates a new one.
 */
async function waitAvailable(ctx: AwsTaskContext, id: string, name: string, signal?: AbortSignal): Promise<void> {
  try {
    await waitUntilNatGatewayAvailable({ client: ctx.clients.ec2, maxWaitTime: NAT_GATEWAY_WAIT_SECONDS, ...(signal ? { abortSignal: signal } : {}) }, { NatGatewayIds: [id] });
  } catch (e) {
    if (isAbortError(e)) throw e; // the run was cancelled: not the gateway's failure
    const reason = failureMessage(e) ?? (e instanceof Error ? e.message : String(e));
    throw new KopsError('NatGatewayNotAvailable', `NAT gateway ${id} (task NatGateway/${name}) did not become available: ${reason}`, {
      cause: e,
      hint: 'fix the cause (the gateway\'s ElasticIP, subnet or account limits), then run update again: the failed gateway is replaced',
    });
  }
}

/** The `FailureMessage` the waiter's last DescribeNatGateways answer carries, if any. */
function failureMessage(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  try {
    const parsed = JSON.parse(e.message) as { reason?: { NatGateways?: NatGateway[] } };
    const g = parsed.reason?.NatGateways?.[0];
    return g?.FailureMessage === undefined ? undefined : `${g.FailureCode ?? 'failed'}: ${g.FailureMessage}`;
  } catch {
    return undefined;
  }
}

export const natGatewayKind: TaskKind<NatGatewayDesired, NatGatewayActual, AwsTaskContext> = {
  kind: 'NatGateway',
  fields: {
    subnetId: { mode: 'replace' },
    allocationId: { mode: 'replace' },
    tags: { compare: 'tags' },
  },

  async find(ctx, tasks) {
    const { owned, sharedIds } = partitionShared('NatGateway', tasks);
    const [mine, theirs] = await Promise.all([
      owned.length > 0 ? list(ctx, clusterFilters(ctx.clusterName)) : [],
      sharedIds.length > 0 ? list(ctx, [{ Name: 'nat-gateway-id', Values: sharedIds }]) : [],
    ]);
    const byName = indexByName('NatGateway', mine, (g) => g.NatGatewayId ?? '', tagsOf);
    const found = new Map<string, NatGatewayActual>();
    for (const t of tasks) {
      const g = t.shared ? theirs.find((x) => x.NatGatewayId === t.desired.id) : byName.get(t.name);
      if (g) found.set(t.name, toActual(g, t.shared === true));
    }
    return found;
  },

  view: (d, refs) => ({
    subnetId: d.subnetId === undefined ? undefined : refs.resolve(d.subnetId),
    allocationId: d.allocationId === undefined ? undefined : refs.resolve(d.allocationId),
    tags: d.tags,
  }),

  actualView: (a) => ({ subnetId: a.subnetId, allocationId: a.allocationId, tags: a.tags }),

  async apply(ctx, req) {
    const a = req.actual;
    const d = req.desired;
    if (d.id !== undefined || a?.shared) {
      throw a ? sharedReadOnly('NatGateway', a.id) : sharedNotFound('NatGateway', req.name, d.id);
    }
    if (a !== undefined) return { ...a, tags: await ensureTags(ctx, a.id, a.tags, d.tags) };
    if (d.subnetId === undefined) {
      throw new KopsError('InvalidNatGateway', `NAT gateway task ${req.name} names no subnet`, { hint: 'a NAT gateway kops-ts creates needs its zone\'s utility subnet (a model-builder bug)' });
    }
    const out = await ctx.clients.ec2.send(
      new CreateNatGatewayCommand({
        SubnetId: req.refs.known(d.subnetId),
        AllocationId: d.allocationId === undefined ? undefined : req.refs.known(d.allocationId),
        TagSpecifications: tagSpec('natgateway', d.tags ?? {}),
      }),
    );
    const id = out.NatGateway?.NatGatewayId ?? '';
    await waitAvailable(ctx, id, req.name, req.signal);
    const created = toActual(out.NatGateway ?? {}, false);
    return { ...created, state: 'available', tags: { ...created.tags, ...d.tags } };
  },

  outputs: (a) => ({ id: a.id }),

  async delete(ctx, a, opts) {
    if (a.shared) throw sharedReadOnly('NatGateway', a.id);
    const gone = ['NatGatewayNotFound', 'InvalidNatGatewayID.NotFound'];
    await ignoreGone(() => ctx.clients.ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: a.id })), gone);
    await ignoreGone(() => waitUntilNatGatewayDeleted({ client: ctx.clients.ec2, maxWaitTime: NAT_GATEWAY_WAIT_SECONDS, ...(opts?.signal ? { abortSignal: opts.signal } : {}) }, { NatGatewayIds: [a.id] }), gone);
  },
};
