/**
 * `DHCPOptions`: the DHCP options set kops gives a VPC it creates (`DHCPOptions/<cluster>`):
 * `domain-name` is the region's internal domain and `domain-name-servers` is AmazonProvidedDNS.
 * An options set cannot be changed after creation: a change creates a new one (replace), which
 * `VPCDHCPOptionsAssociation` then associates with the VPC.
 */
import {
  AssociateDhcpOptionsCommand,
  CreateDhcpOptionsCommand,
  DeleteDhcpOptionsCommand,
  paginateDescribeDhcpOptions,
  paginateDescribeVpcs,
  type DhcpOptions,
} from '@aws-sdk/client-ec2';
import type { TaskKind } from '../types.js';
import { clusterFilters, tagSpec, type AwsTaskContext, type Tags } from './context.js';
import { ensureTags, ignoreGone, indexByName, tagsOf } from './network-common.js';

export interface DhcpOptionsDesired {
  /** `ec2.internal` in us-east-1, else `<region>.compute.internal` (see `dhcpDomainName`). */
  readonly domainName: string;
  /** kops: `['AmazonProvidedDNS']`. Order matters to resolvers, so it is compared as a list. */
  readonly domainNameServers: readonly string[];
  readonly tags: Tags;
}

export interface DhcpOptionsActual {
  readonly id: string;
  readonly domainName: string | undefined;
  readonly domainNameServers: readonly string[];
  readonly tags: Tags;
}

/** kops's domain name for the instances of a region (pkg/model/awsmodel/network.go). */
export function dhcpDomainName(region: string): string {
  return region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`;
}

function configValues(o: DhcpOptions, key: string): string[] {
  const c = (o.DhcpConfigurations ?? []).find((x) => x.Key === key);
  return (c?.Values ?? []).flatMap((v) => (v.Value === undefined ? [] : [v.Value]));
}

function toActual(o: DhcpOptions): DhcpOptionsActual {
  return {
    id: o.DhcpOptionsId ?? '',
    domainName: configValues(o, 'domain-name')[0],
    domainNameServers: configValues(o, 'domain-name-servers'),
    tags: tagsOf(o),
  };
}

/**
 * A set still associated with a VPC cannot be deleted (DependencyViolation). The cluster's own
 * VPCs are moved to the `default` set first (their association task re-associates them when the
 * set is being replaced); anyone else's VPC keeps the error, which names the dependency.
 */
async function disassociateClusterVpcs(ctx: AwsTaskContext, id: string): Promise<void> {
  const filters = [...clusterFilters(ctx.clusterName), { Name: 'dhcp-options-id', Values: [id] }];
  for await (const page of paginateDescribeVpcs({ client: ctx.clients.ec2 }, { Filters: filters })) {
    for (const vpc of page.Vpcs ?? []) {
      await ctx.clients.ec2.send(new AssociateDhcpOptionsCommand({ VpcId: vpc.VpcId, DhcpOptionsId: 'default' }));
    }
  }
}

export const dhcpOptionsKind: TaskKind<DhcpOptionsDesired, DhcpOptionsActual, AwsTaskContext> = {
  kind: 'DHCPOptions',
  fields: {
    domainName: { mode: 'replace' },
    domainNameServers: { mode: 'replace' },
    tags: { compare: 'tags' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, DhcpOptionsActual>();
    if (tasks.length === 0) return found;
    const all: DhcpOptions[] = [];
    for await (const page of paginateDescribeDhcpOptions({ client: ctx.clients.ec2 }, { Filters: clusterFilters(ctx.clusterName) })) {
      all.push(...(page.DhcpOptions ?? []));
    }
    const byName = indexByName('DHCPOptions', all, (o) => o.DhcpOptionsId ?? '', tagsOf);
    for (const t of tasks) {
      const o = byName.get(t.name);
      if (o) found.set(t.name, toActual(o));
    }
    return found;
  },

  view: (d) => ({ domainName: d.domainName, domainNameServers: [...d.domainNameServers], tags: d.tags }),

  actualView: (a) => ({ domainName: a.domainName, domainNameServers: [...a.domainNameServers], tags: a.tags }),

  async apply(ctx, req) {
    const a = req.actual;
    if (a !== undefined) {
      // Only tags can change in place (anything else is a replace: delete, then create).
      return { ...a, tags: await ensureTags(ctx, a.id, a.tags, req.desired.tags) };
    }
    const d = req.desired;
    const out = await ctx.clients.ec2.send(
      new CreateDhcpOptionsCommand({
        DhcpConfigurations: [
          { Key: 'domain-name', Values: [d.domainName] },
          { Key: 'domain-name-servers', Values: [...d.domainNameServers] },
        ],
        TagSpecifications: tagSpec('dhcp-options', d.tags),
      }),
    );
    const created = toActual(out.DhcpOptions ?? {});
    // moto (5.x) ignores TagSpecifications on CreateDhcpOptions; AWS applies them atomically and
    // returns them, in which case this adds nothing and makes no call.
    return { ...created, tags: await ensureTags(ctx, created.id, created.tags, d.tags) };
  },

  outputs: (a) => ({ id: a.id }),

  async delete(ctx, a) {
    await disassociateClusterVpcs(ctx, a.id);
    await ignoreGone(() => ctx.clients.ec2.send(new DeleteDhcpOptionsCommand({ DhcpOptionsId: a.id })), ['InvalidDhcpOptionID.NotFound', 'InvalidDhcpOptionsID.NotFound']);
  },
};
