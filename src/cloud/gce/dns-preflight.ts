/**
 * `update cluster`'s pre-flight for a GCE cluster that publishes DNS (before anything changes):
 * the managed zone `spec.dnsZone` names exists (`ManagedZoneNotFound`, naming the field and the
 * project), and the API's record name lies inside it (`RecordOutsideZone`, naming
 * `spec.api.publicName`: Cloud DNS refuses a record of another domain).
 */
import { KopsError } from '../../diagnostics.js';
import type { Task } from '../../tasks/types.js';
import type { GceTaskContext } from '../../tasks/gce/context.js';
import { findManagedZone, managedZoneNotFound } from '../../tasks/gce/dns-zone.js';
import { GCE_KINDS, type GceDnsRecordSetDesired, type GceDnsZoneDesired } from '../../tasks/gce/types.js';
import { fqdn } from './dns-api.js';

export async function gceDnsPreflight(ctx: GceTaskContext, tasks: readonly Task[]): Promise<void> {
  for (const t of tasks) {
    if (t.kind !== GCE_KINDS.dnsRecordSet) continue;
    const d = t.desired as GceDnsRecordSetDesired;
    const zone = await findManagedZone(ctx, d.zoneLookup);
    if (!zone) throw managedZoneNotFound(ctx.project, d.zoneLookup);
    const name = fqdn(d.name);
    if (name !== zone.dnsName && !name.endsWith(`.${zone.dnsName}`)) {
      throw new KopsError('RecordOutsideZone', `spec.api.publicName: the API's name ${name.replace(/\.$/, '')} is not inside the Cloud DNS managed zone ${zone.name} (${zone.dnsName.replace(/\.$/, '')}) that spec.dnsZone names`, {
        hint: `set spec.api.publicName to a name under ${zone.dnsName.replace(/\.$/, '')}, or spec.dnsZone to the zone of ${name.replace(/\.$/, '')} (kops-ts edit cluster ${ctx.clusterName})`,
      });
    }
  }
  for (const t of tasks) {
    if (t.kind !== GCE_KINDS.dnsZone) continue;
    const d = t.desired as GceDnsZoneDesired;
    if (!(await findManagedZone(ctx, d))) throw managedZoneNotFound(ctx.project, d);
  }
}
