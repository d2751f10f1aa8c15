/**
 * AWS: what `update cluster` added to resources the user owns, and what `delete cluster` does
 * about each (`CloudDeletion.addedToShared`).
 *
 * - A private hosted zone (`topology.dns: Private`): `update` associates the cluster's VPC with the
 *   user's zone (the `DNSZone` kind, AssociateVPCWithHostedZone). AWS does not count that
 *   association among what keeps a VPC from being deleted, so DeleteVpc succeeds and the zone goes
 *   on naming a VPC that no longer exists. kops leaves it so (its delete never calls
 *   DisassociateVPCFromHostedZone); kops-ts removes it, before the VPC it created is deleted.
 *   Never for a shared VPC (the user's, given by id): its association is reported and left. Never
 *   the zone's last VPC: AWS refuses that (`LastVPCAssociation`), and the zone is the user's, so
 *   it is left and reported with what the user can do.
 * - Shared subnets: the `kubernetes.io/cluster/<cluster>: shared` tag `update` added is left, as
 *   kops leaves it (its delete lists shared subnets and skips them, kubernetes/kops#10769); each
 *   is reported with the command that removes it. The role tags (`kubernetes.io/role/elb`, ...)
 *   name no cluster and may serve others: they are not mentioned.
 */
import { DisassociateVPCFromHostedZoneCommand, type VPCRegion } from '@aws-sdk/client-route-53';
import type { FoundResource, OwnedResource, Remaining } from '../provider.js';
import { ownershipTagKey, type AwsTaskContext } from '../../tasks/aws/context.js';
import type { DnsZoneActual } from '../../tasks/aws/dns-zone.js';
import { awsErrorCode } from './errors.js';
import { ownedByTags } from './delete-tagged.js';

/** The kind that stands for a private zone's association with the cluster's VPC (not a registry kind). */
export const ZONE_ASSOCIATION_KIND = 'HostedZoneVPCAssociation';

interface FoundVpc {
  readonly id: string;
  readonly shared: boolean;
  readonly owned: boolean;
}

function vpcsOf(found: readonly FoundResource[], cluster: string): FoundVpc[] {
  return found
    .filter((f) => f.kind === 'VPC')
    .flatMap((f) => {
      const a = f.actual as { id?: unknown; tags?: unknown } | null;
      if (typeof a?.id !== 'string') return [];
      const tags = (a.tags ?? {}) as Record<string, string>;
      return [{ id: a.id, shared: f.shared, owned: ownedByTags(tags, cluster) }];
    });
}

/** Whether a failed disassociation means it is gone already (the zone, or the association). */
function alreadyGone(e: unknown): boolean {
  const code = awsErrorCode(e);
  return code === 'NoSuchHostedZone' || code === 'VPCAssociationNotFound';
}

/** The private zones' associations with the cluster's VPC: removed when the VPC is the cluster's, else reported. */
export function zoneAssociations(ctx: AwsTaskContext, found: readonly FoundResource[]): { resources: OwnedResource[]; kept: Remaining[] } {
  const resources: OwnedResource[] = [];
  const kept: Remaining[] = [];
  const vpcs = vpcsOf(found, ctx.clusterName);
  for (const f of found) {
    if (f.kind !== 'DNSZone') continue;
    const zone = f.actual as DnsZoneActual;
    if (!zone.private || zone.vpcs === undefined) continue;
    for (const vpc of vpcs) {
      if (!zone.vpcs.includes(`${ctx.region}/${vpc.id}`)) continue;
      const what = `the association of Route53 hosted zone ${zone.name} (${zone.id}) with VPC ${vpc.id}`;
      if (vpc.shared) {
        kept.push({ what, why: "the VPC is the user's (shared, given by id in the spec): the zone keeps answering in it" });
        continue;
      }
      if (!vpc.owned) continue; // not the cluster's VPC: reported as such with the VPC
      if (zone.vpcs.length <= 1) {
        kept.push({
          what,
          why:
            "it is the zone's only VPC, which AWS never removes (LastVPCAssociation); the zone is the user's, so it is left, and names the VPC after it is deleted: " +
            'associate another VPC with the zone and disassociate this one, or delete the zone if nothing else uses it',
        });
        continue;
      }
      const zoneId = zone.id;
      const vpcId = vpc.id;
      resources.push({
        kind: ZONE_ASSOCIATION_KIND,
        type: 'hosted-zone-association',
        name: zone.name,
        id: `${zoneId}/${vpcId}`,
        remove: async () => {
          try {
            await ctx.clients.route53.send(new DisassociateVPCFromHostedZoneCommand({ HostedZoneId: zoneId, VPC: { VPCId: vpcId, VPCRegion: ctx.region as VPCRegion } }));
          } catch (e) {
            if (!alreadyGone(e)) throw e;
          }
        },
      });
    }
  }
  return { resources, kept };
}

/** The cluster's `shared` tag on the user's subnets: left, as kops leaves it, and reported. */
export function sharedSubnetTags(found: readonly FoundResource[], cluster: string): Remaining[] {
  const key = ownershipTagKey(cluster);
  return found
    .filter((f) => f.kind === 'Subnet' && f.shared)
    .flatMap((f) => {
      const a = f.actual as { id?: unknown; tags?: Record<string, string> } | null;
      if (typeof a?.id !== 'string' || a.tags?.[key] !== 'shared') return [];
      return [
        {
          what: `the tag ${key}=shared on subnet ${a.id}`,
          why: `update cluster added it; left, as kops leaves it (aws ec2 delete-tags --resources ${a.id} --tags Key=${key} removes it)`,
        },
      ];
    })
    .sort((x, y) => x.what.localeCompare(y.what));
}

/** `CloudDeletion.addedToShared` for AWS. */
export function addedToShared(ctx: AwsTaskContext, found: readonly FoundResource[]): { resources: OwnedResource[]; kept: Remaining[] } {
  const zones = zoneAssociations(ctx, found);
  return { resources: zones.resources, kept: [...zones.kept, ...sharedSubnetTags(found, ctx.clusterName)] };
}

/** Adds the association to the kind order: after the instances that resolve names through it, before the VPC. */
export function orderZoneAssociations(closure: Map<string, Set<string>>, instanceKind: string): void {
  closure.set(ZONE_ASSOCIATION_KIND, new Set(['VPC']));
  const instances = closure.get(instanceKind);
  if (instances) instances.add(ZONE_ASSOCIATION_KIND);
}
