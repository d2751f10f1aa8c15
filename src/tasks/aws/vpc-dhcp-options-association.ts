/**
 * `VPCDHCPOptionsAssociation`: which DHCP options set a VPC uses (kops's
 * `VPCDHCPOptionsAssociation/<cluster>`). It is not a resource of its own and has no tags: its
 * state is the VPC's `DhcpOptionsId`, read from the cluster's VPC listing (shared with `VPC`).
 * A VPC that uses another set (e.g. AWS's default) is an in-place update: associate ours.
 */
import { AssociateDhcpOptionsCommand, type Vpc } from '@aws-sdk/client-ec2';
import type { TaskKind, Val } from '../types.js';
import type { AwsTaskContext } from './context.js';
import { clusterVpcs, ignoreGone, indexByName, lookupOf, tagsOf, vpcsById } from './network-common.js';

export interface VpcDhcpOptionsAssociationDesired {
  /** `ref('VPC', <cluster>)`, or the VPC's id. */
  readonly vpcId: Val;
  /** `ref('DHCPOptions', <cluster>)`, or an options set's id. */
  readonly dhcpOptionsId: Val;
}

export interface VpcDhcpOptionsAssociationActual {
  readonly vpcId: string;
  readonly dhcpOptionsId: string;
}

export const vpcDhcpOptionsAssociationKind: TaskKind<VpcDhcpOptionsAssociationDesired, VpcDhcpOptionsAssociationActual, AwsTaskContext> = {
  kind: 'VPCDHCPOptionsAssociation',
  fields: {
    // Associating another VPC is a new association (the old VPC goes back to `default`).
    vpcId: { mode: 'replace' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, VpcDhcpOptionsAssociationActual>();
    if (tasks.length === 0) return found;
    const lookups = tasks.map((t) => ({ task: t, vpc: lookupOf(t.desired.vpcId) }));
    const ids = [...new Set(lookups.flatMap((l) => (l.vpc.id !== undefined ? [l.vpc.id] : [])))];
    const byNameNeeded = lookups.some((l) => l.vpc.name !== undefined);
    const [mine, byId] = await Promise.all([byNameNeeded ? clusterVpcs(ctx) : [], vpcsById(ctx, ids)]);
    const byName = indexByName('VPC', mine, (v) => v.VpcId ?? '', tagsOf);
    for (const { task, vpc } of lookups) {
      const hit: Vpc | undefined = vpc.id !== undefined ? byId.find((v) => v.VpcId === vpc.id) : byName.get(vpc.name);
      if (hit?.VpcId) found.set(task.name, { vpcId: hit.VpcId, dhcpOptionsId: hit.DhcpOptionsId ?? '' });
    }
    return found;
  },

  view: (d, refs) => ({ vpcId: refs.resolve(d.vpcId), dhcpOptionsId: refs.resolve(d.dhcpOptionsId) }),

  actualView: (a) => ({ vpcId: a.vpcId, dhcpOptionsId: a.dhcpOptionsId }),

  async apply(ctx, req) {
    const vpcId = req.refs.known(req.desired.vpcId);
    const dhcpOptionsId = req.refs.known(req.desired.dhcpOptionsId);
    await ctx.clients.ec2.send(new AssociateDhcpOptionsCommand({ VpcId: vpcId, DhcpOptionsId: dhcpOptionsId }));
    return { vpcId, dhcpOptionsId };
  },

  outputs: (a) => ({ id: `${a.vpcId}/${a.dhcpOptionsId}`, vpcId: a.vpcId, dhcpOptionsId: a.dhcpOptionsId }),

  /** Gives the VPC back AWS's `default` options (a VPC always has some set). */
  async delete(ctx, a) {
    await ignoreGone(() => ctx.clients.ec2.send(new AssociateDhcpOptionsCommand({ VpcId: a.vpcId, DhcpOptionsId: 'default' })), ['InvalidVpcID.NotFound']);
  },
};
