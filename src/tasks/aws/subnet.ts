/**
 * `Subnet`: one per spec subnet (`Subnet/<subnet>.<cluster>`, e.g. `Subnet/us-east-1a.example.com`
 * or `Subnet/utility-us-east-1a.example.com`). Its VPC, CIDR and zone cannot change: a change
 * needs a new subnet. Subnets given by id (`spec.networking.subnets[].id`) are the user's.
 *
 * Tags tell Kubernetes' cloud provider and load-balancer controller where load balancers go:
 * `SubnetType` and `kubernetes.io/role/elb` (public, utility) or `kubernetes.io/role/internal-elb`
 * (private); see `subnetRoleTags`.
 */
import { CreateSubnetCommand, DeleteSubnetCommand, type Subnet } from '@aws-sdk/client-ec2';
import type { TaskKind, Val } from '../types.js';
import { tagSpec, type AwsTaskContext, type Tags } from './context.js';
import {
  clusterSubnets,
  ensureTags,
  ignoreGone,
  indexByName,
  partitionShared,
  sharedNotFound,
  sharedReadOnly,
  subnetsById,
  tagsOf,
} from './network-common.js';

export type SubnetType = 'Public' | 'Private' | 'Utility';

export interface SubnetDesired {
  /** `ref('VPC', <cluster>)`, or the shared VPC's id. */
  readonly vpcId: Val;
  /** The user's subnet (shared only). */
  readonly id?: string;
  readonly cidr?: string;
  readonly availabilityZone?: string;
  /** Complete tags, including `subnetRoleTags(type)`. */
  readonly tags?: Tags;
}

export interface SubnetActual {
  readonly id: string;
  readonly vpcId: string;
  readonly cidr: string;
  readonly availabilityZone: string;
  readonly tags: Tags;
  readonly shared: boolean;
}

export const TAG_SUBNET_TYPE = 'SubnetType';
export const TAG_ELB = 'kubernetes.io/role/elb';
export const TAG_INTERNAL_ELB = 'kubernetes.io/role/internal-elb';

/** kops's role tags of a subnet type (pkg/model/awsmodel/network.go). */
export function subnetRoleTags(type: SubnetType): Tags {
  return type === 'Private' ? { [TAG_SUBNET_TYPE]: type, [TAG_INTERNAL_ELB]: '1' } : { [TAG_SUBNET_TYPE]: type, [TAG_ELB]: '1' };
}

function toActual(s: Subnet, shared: boolean): SubnetActual {
  return {
    id: s.SubnetId ?? '',
    vpcId: s.VpcId ?? '',
    cidr: s.CidrBlock ?? '',
    availabilityZone: s.AvailabilityZone ?? '',
    tags: tagsOf(s),
    shared,
  };
}

export const subnetKind: TaskKind<SubnetDesired, SubnetActual, AwsTaskContext> = {
  kind: 'Subnet',
  fields: {
    vpcId: { mode: 'replace' },
    cidr: { mode: 'replace' },
    availabilityZone: { mode: 'replace' },
    tags: { compare: 'tags' },
  },

  async find(ctx, tasks) {
    const { owned, sharedIds } = partitionShared('Subnet', tasks);
    const [mine, theirs] = await Promise.all([owned.length > 0 ? clusterSubnets(ctx) : [], subnetsById(ctx, sharedIds)]);
    const byName = indexByName('Subnet', mine, (s) => s.SubnetId ?? '', tagsOf);
    const found = new Map<string, SubnetActual>();
    for (const t of tasks) {
      const s = t.shared ? theirs.find((x) => x.SubnetId === t.desired.id) : byName.get(t.name);
      if (s) found.set(t.name, toActual(s, t.shared === true));
    }
    return found;
  },

  view: (d, refs) => ({ vpcId: refs.resolve(d.vpcId), cidr: d.cidr, availabilityZone: d.availabilityZone, tags: d.tags }),

  actualView: (a) => ({ vpcId: a.vpcId, cidr: a.cidr, availabilityZone: a.availabilityZone, tags: a.tags }),

  async apply(ctx, req) {
    const a = req.actual;
    if (req.desired.id !== undefined || a?.shared) {
      throw a ? sharedReadOnly('Subnet', a.id) : sharedNotFound('Subnet', req.name, req.desired.id);
    }
    if (a !== undefined) return { ...a, tags: await ensureTags(ctx, a.id, a.tags, req.desired.tags) };
    const d = req.desired;
    const out = await ctx.clients.ec2.send(
      new CreateSubnetCommand({
        VpcId: req.refs.known(d.vpcId),
        CidrBlock: d.cidr,
        AvailabilityZone: d.availabilityZone,
        TagSpecifications: tagSpec('subnet', d.tags ?? {}),
      }),
    );
    const created = toActual(out.Subnet ?? {}, false);
    return { ...created, tags: { ...created.tags, ...d.tags } };
  },

  outputs: (a) => ({ id: a.id, vpcId: a.vpcId, cidr: a.cidr, availabilityZone: a.availabilityZone }),

  async delete(ctx, a) {
    if (a.shared) throw sharedReadOnly('Subnet', a.id);
    await ignoreGone(() => ctx.clients.ec2.send(new DeleteSubnetCommand({ SubnetId: a.id })), ['InvalidSubnetID.NotFound']);
  },
};
