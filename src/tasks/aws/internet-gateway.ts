/**
 * `InternetGateway`: the VPC's way to the internet (`InternetGateway/<cluster>`), attached to the
 * VPC. In a shared VPC the gateway is the user's too: kops finds it by its attachment to that VPC
 * (`attachment.vpc-id`), so a shared task gives the VPC's id (literal `vpcId`) or the gateway's.
 * Moving an owned gateway to another VPC is detach + attach, in place.
 */
import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  DeleteInternetGatewayCommand,
  DetachInternetGatewayCommand,
  paginateDescribeInternetGateways,
  type Filter,
  type InternetGateway,
} from '@aws-sdk/client-ec2';
import { isRef, type TaskKind, type Val } from '../types.js';
import { clusterFilters, tagSpec, type AwsTaskContext, type Tags } from './context.js';
import { ensureTags, ignoreGone, indexByName, sharedNotFound, sharedReadOnly, sharedWithoutId, tagsOf } from './network-common.js';

export interface InternetGatewayDesired {
  /** `ref('VPC', <cluster>)`; for a shared gateway the shared VPC's id. */
  readonly vpcId: Val;
  /** The user's gateway, when known by id (shared only). */
  readonly id?: string;
  /**
   * Set with `task.shared`: the gateway of the user's VPC, found by its attachment to the literal
   * `vpcId` (or by `id`). `apply` refuses it (apply does not see the task's flag).
   */
  readonly shared?: boolean;
  /** Complete tags; none for a shared gateway. */
  readonly tags?: Tags;
}

export interface InternetGatewayActual {
  readonly id: string;
  /** The VPC it is attached to, if any. */
  readonly vpcId: string | undefined;
  readonly tags: Tags;
  readonly shared: boolean;
}

function toActual(g: InternetGateway, shared: boolean): InternetGatewayActual {
  return { id: g.InternetGatewayId ?? '', vpcId: g.Attachments?.[0]?.VpcId, tags: tagsOf(g), shared };
}

async function list(ctx: AwsTaskContext, filters: Filter[]): Promise<InternetGateway[]> {
  const out: InternetGateway[] = [];
  for await (const page of paginateDescribeInternetGateways({ client: ctx.clients.ec2 }, { Filters: filters })) {
    out.push(...(page.InternetGateways ?? []));
  }
  return out;
}

/** How a shared gateway is found: by its id, else by the (literal) id of the VPC it is attached to. */
function sharedKey(d: InternetGatewayDesired): { id: string } | { vpcId: string } | undefined {
  if (d.id !== undefined) return { id: d.id };
  return isRef(d.vpcId) ? undefined : { vpcId: d.vpcId };
}

export const internetGatewayKind: TaskKind<InternetGatewayDesired, InternetGatewayActual, AwsTaskContext> = {
  kind: 'InternetGateway',
  fields: {
    tags: { compare: 'tags' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, InternetGatewayActual>();
    const isShared = (t: { shared?: boolean | undefined; desired: InternetGatewayDesired }) => t.shared === true || t.desired.shared === true;
    // apply cannot see task.shared: the desired state must say so too, with a way to find it.
    const unfindable = tasks.find((t) => isShared(t) && (sharedKey(t.desired) === undefined || (t.desired.shared !== true && t.desired.id === undefined)));
    if (unfindable) throw sharedWithoutId('InternetGateway', unfindable.name, 'set desired.shared and the shared VPC\'s id as vpcId (or the gateway\'s id)');
    const keys = tasks.filter(isShared).map((t) => sharedKey(t.desired));
    const ids = [...new Set(keys.flatMap((k) => (k && 'id' in k ? [k.id] : [])))];
    const vpcIds = [...new Set(keys.flatMap((k) => (k && 'vpcId' in k ? [k.vpcId] : [])))];
    const [mine, byId, byVpc] = await Promise.all([
      tasks.some((t) => !isShared(t)) ? list(ctx, clusterFilters(ctx.clusterName)) : [],
      ids.length > 0 ? list(ctx, [{ Name: 'internet-gateway-id', Values: ids }]) : [],
      vpcIds.length > 0 ? list(ctx, [{ Name: 'attachment.vpc-id', Values: vpcIds }]) : [],
    ]);
    const byName = indexByName('InternetGateway', mine, (g) => g.InternetGatewayId ?? '', tagsOf);
    for (const t of tasks) {
      if (!isShared(t)) {
        const g = byName.get(t.name);
        if (g) found.set(t.name, toActual(g, false));
        continue;
      }
      const k = sharedKey(t.desired);
      const g = k === undefined ? undefined : 'id' in k ? byId.find((x) => x.InternetGatewayId === k.id) : byVpc.find((x) => x.Attachments?.some((a) => a.VpcId === k.vpcId));
      if (g) found.set(t.name, toActual(g, true));
    }
    return found;
  },

  view: (d, refs) => ({ vpcId: refs.resolve(d.vpcId), tags: d.tags }),

  actualView: (a) => ({ vpcId: a.vpcId, tags: a.tags }),

  async apply(ctx, req) {
    const a = req.actual;
    if (req.desired.shared || req.desired.id !== undefined || a?.shared) {
      throw a ? sharedReadOnly('InternetGateway', a.id) : sharedNotFound('InternetGateway', req.name, req.desired.id ?? (isRef(req.desired.vpcId) ? undefined : `attached to ${req.desired.vpcId}`));
    }
    const vpcId = req.refs.known(req.desired.vpcId);
    let id = a?.id;
    let tags = a?.tags ?? {};
    if (id === undefined) {
      const out = await ctx.clients.ec2.send(new CreateInternetGatewayCommand({ TagSpecifications: tagSpec('internet-gateway', req.desired.tags ?? {}) }));
      id = out.InternetGateway?.InternetGatewayId ?? '';
      tags = tagsOf(out.InternetGateway ?? {});
    }
    if (a?.vpcId !== vpcId) {
      if (a?.vpcId !== undefined) {
        await ctx.clients.ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: id, VpcId: a.vpcId }));
      }
      await ctx.clients.ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: id, VpcId: vpcId }));
    }
    tags = await ensureTags(ctx, id, tags, req.desired.tags);
    return { id, vpcId, tags, shared: false };
  },

  outputs: (a) => ({ id: a.id }),

  /** Detach, then delete (AWS refuses to delete an attached gateway). */
  async delete(ctx, a) {
    if (a.shared) throw sharedReadOnly('InternetGateway', a.id);
    if (a.vpcId !== undefined) {
      const vpcId = a.vpcId;
      await ignoreGone(
        () => ctx.clients.ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: a.id, VpcId: vpcId })),
        ['Gateway.NotAttached', 'InvalidInternetGatewayID.NotFound', 'InvalidVpcID.NotFound'],
      );
    }
    await ignoreGone(() => ctx.clients.ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: a.id })), ['InvalidInternetGatewayID.NotFound']);
  },
};
