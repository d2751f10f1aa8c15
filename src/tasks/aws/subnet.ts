/**
 * `Subnet`: one per spec subnet (`Subnet/<subnet>.<cluster>`, e.g. `Subnet/us-east-1a.example.com`
 * or `Subnet/utility-us-east-1a.example.com`). Its VPC, CIDR and zone cannot change: a change
 * needs a new subnet. Subnets given by id (`spec.networking.subnets[].id`) are the user's.
 *
 * Tags tell Kubernetes' cloud provider and load-balancer controller where load balancers go:
 * `SubnetType` and `kubernetes.io/role/elb` (public, utility) or `kubernetes.io/role/internal-elb`
 * (private); see `subnetRoleTags`. A shared subnet gets kops's tags too
 * (`kubernetes.io/cluster/<cluster>: shared` and the role tags): adding tags is the only change
 * kops-ts ever makes to a subnet of the user's (`updateShared`: the engine diffs only that field of a shared task).
 *
 * An IPv6 range (`subnets[].ipv6CIDR`) is a literal /64 or kops's `/64#N`, the N-th /64 of the
 * VPC's IPv6 block (`vpcIpv6Cidr`, the `VPCAmazonIPv6CIDRBlock`'s output); a subnet with one
 * assigns IPv6 addresses on launch. An existing subnet gains its range in place
 * (AssociateSubnetCidrBlock).
 */
import {
  AssociateSubnetCidrBlockCommand,
  CreateSubnetCommand,
  DeleteSubnetCommand,
  DisassociateSubnetCidrBlockCommand,
  ModifySubnetAttributeCommand,
  type Subnet,
} from '@aws-sdk/client-ec2';
import { KopsError } from '../../diagnostics.js';
import { makeCidr, parseCidr } from '../../model/cidr.js';
import { isUnknown, type RefResolver, type TaskKind, type Unknown, type Val } from '../types.js';
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
  /** A literal IPv6 /64, or `/64#N` (the N-th /64 of `vpcIpv6Cidr`). */
  readonly ipv6Cidr?: string;
  /** The VPC's IPv6 block, `ref('VPCAmazonIPv6CIDRBlock', 'AmazonIPv6', 'cidr')`, for `/64#N`. */
  readonly vpcIpv6Cidr?: Val;
  readonly availabilityZone?: string;
  /** Complete tags, including `subnetRoleTags(type)`; for a shared subnet, the tags kops adds. */
  readonly tags?: Tags;
}

export interface SubnetActual {
  readonly id: string;
  readonly vpcId: string;
  readonly cidr: string;
  readonly availabilityZone: string;
  /** The associated IPv6 range and its association, if any. */
  readonly ipv6Cidr: string | undefined;
  readonly ipv6AssociationId: string | undefined;
  readonly assignIpv6AddressOnCreation: boolean;
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

/**
 * An association state. moto writes a subnet's IPv6 state as the text of a Python dict
 * (`{'State': 'associated'}`); AWS writes `associated` (docs/aws-errors.md).
 */
function associationState(state: string | undefined): string {
  return /^\{'State': '([a-z-]+)'\}$/.exec(state ?? '')?.[1] ?? state ?? '';
}

function toActual(s: Subnet, shared: boolean): SubnetActual {
  const v6 = (s.Ipv6CidrBlockAssociationSet ?? []).find((a) => ['associated', 'associating'].includes(associationState(a.Ipv6CidrBlockState?.State)));
  return {
    id: s.SubnetId ?? '',
    vpcId: s.VpcId ?? '',
    cidr: s.CidrBlock ?? '',
    availabilityZone: s.AvailabilityZone ?? '',
    ipv6Cidr: v6?.Ipv6CidrBlock,
    ipv6AssociationId: v6?.AssociationId,
    assignIpv6AddressOnCreation: s.AssignIpv6AddressOnCreation ?? false,
    tags: tagsOf(s),
    shared,
  };
}

/**
 * kops's `/64#N` notation (calculateSubnetCIDR): the N-th subnet of the given size inside the
 * VPC's IPv6 block. A literal range is returned as is; undefined when it cannot be computed.
 */
export function subnetIpv6Cidr(spec: string, vpcBlock: string | undefined): string | undefined {
  const m = /^\/(\d{1,3})#(\d+)$/.exec(spec);
  if (!m) return spec;
  const parent = parseCidr(vpcBlock);
  const bits = Number(m[1]);
  const index = BigInt(m[2] ?? '0');
  if (parent === undefined || parent.kind !== 'ipv6' || bits < parent.bits || bits > 128) return undefined;
  const size = 1n << BigInt(128 - bits);
  if ((index + 1n) * size > parent.size) return undefined;
  return makeCidr('ipv6', parent.start + index * size, bits).text;
}

/** The subnet's IPv6 range as far as it is known now (UNKNOWN while the VPC block is to be made). */
function ipv6View(d: SubnetDesired, refs: RefResolver): string | Unknown | undefined {
  if (d.ipv6Cidr === undefined) return undefined;
  if (!d.ipv6Cidr.startsWith('/')) return d.ipv6Cidr;
  const block = d.vpcIpv6Cidr === undefined ? undefined : refs.resolve(d.vpcIpv6Cidr);
  if (isUnknown(block)) return block;
  const cidr = subnetIpv6Cidr(d.ipv6Cidr, block);
  if (cidr === undefined) {
    throw new KopsError('InvalidSubnetIPv6CIDR', `subnet ipv6CIDR ${d.ipv6Cidr} does not fit in the VPC's IPv6 block ${block ?? '(none)'}`, {
      hint: 'use /64#N with N below the number of /64s in the VPC block (256 in an Amazon /56), or a literal /64 inside it',
    });
  }
  return cidr;
}

async function setAssignIpv6(ctx: AwsTaskContext, id: string, value: boolean): Promise<void> {
  await ctx.clients.ec2.send(new ModifySubnetAttributeCommand({ SubnetId: id, AssignIpv6AddressOnCreation: { Value: value } }));
}

export const subnetKind: TaskKind<SubnetDesired, SubnetActual, AwsTaskContext> = {
  kind: 'Subnet',
  fields: {
    vpcId: { mode: 'replace' },
    cidr: { mode: 'replace' },
    availabilityZone: { mode: 'replace' },
    ipv6Cidr: {},
    assignIpv6AddressOnCreation: {},
    // kops tags the user's subnets too (`kubernetes.io/cluster/<c>: shared`, role tags).
    tags: { compare: 'tags', updateShared: true },
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

  view: (d, refs) => ({
    vpcId: refs.resolve(d.vpcId),
    cidr: d.cidr,
    ipv6Cidr: ipv6View(d, refs),
    assignIpv6AddressOnCreation: d.ipv6Cidr === undefined ? undefined : true,
    availabilityZone: d.availabilityZone,
    tags: d.tags,
  }),

  actualView: (a) => ({
    vpcId: a.vpcId,
    cidr: a.cidr,
    ipv6Cidr: a.ipv6Cidr,
    assignIpv6AddressOnCreation: a.assignIpv6AddressOnCreation,
    availabilityZone: a.availabilityZone,
    tags: a.tags,
  }),

  async apply(ctx, req) {
    const a = req.actual;
    const d = req.desired;
    if (a?.shared && a.id === d.id) {
      // The user's subnet: kops's tags are added, nothing else is ever changed.
      return { ...a, tags: await ensureTags(ctx, a.id, a.tags, d.tags) };
    }
    if (d.id !== undefined || a?.shared) {
      throw a ? sharedReadOnly('Subnet', a.id) : sharedNotFound('Subnet', req.name, d.id);
    }
    const ipv6 = ipv6View(d, req.refs);
    const ipv6Cidr = typeof ipv6 === 'string' ? ipv6 : undefined;
    if (a !== undefined) {
      let next: SubnetActual = a;
      if (ipv6Cidr !== undefined && ipv6Cidr !== a.ipv6Cidr) {
        if (a.ipv6AssociationId !== undefined) {
          await ctx.clients.ec2.send(new DisassociateSubnetCidrBlockCommand({ AssociationId: a.ipv6AssociationId }));
        }
        const out = await ctx.clients.ec2.send(new AssociateSubnetCidrBlockCommand({ SubnetId: a.id, Ipv6CidrBlock: ipv6Cidr }));
        next = { ...next, ipv6Cidr, ipv6AssociationId: out.Ipv6CidrBlockAssociation?.AssociationId };
      }
      if (ipv6Cidr !== undefined && !a.assignIpv6AddressOnCreation) {
        await setAssignIpv6(ctx, a.id, true);
        next = { ...next, assignIpv6AddressOnCreation: true };
      }
      return { ...next, tags: await ensureTags(ctx, a.id, a.tags, d.tags) };
    }
    const out = await ctx.clients.ec2.send(
      new CreateSubnetCommand({
        VpcId: req.refs.known(d.vpcId),
        CidrBlock: d.cidr,
        ...(ipv6Cidr === undefined ? {} : { Ipv6CidrBlock: ipv6Cidr }),
        AvailabilityZone: d.availabilityZone,
        TagSpecifications: tagSpec('subnet', d.tags ?? {}),
      }),
    );
    const created = toActual(out.Subnet ?? {}, false);
    if (ipv6Cidr !== undefined) await setAssignIpv6(ctx, created.id, true);
    return { ...created, ...(ipv6Cidr === undefined ? {} : { ipv6Cidr, assignIpv6AddressOnCreation: true }), tags: { ...created.tags, ...d.tags } };
  },

  outputs: (a) => ({ id: a.id, vpcId: a.vpcId, cidr: a.cidr, availabilityZone: a.availabilityZone }),

  async delete(ctx, a) {
    if (a.shared) throw sharedReadOnly('Subnet', a.id);
    await ignoreGone(() => ctx.clients.ec2.send(new DeleteSubnetCommand({ SubnetId: a.id })), ['InvalidSubnetID.NotFound']);
  },
};
