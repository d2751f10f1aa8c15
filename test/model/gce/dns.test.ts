/**
 * The GCE DNS model (src/model/gce/dns.ts) and what completion and validation say about it: with a
 * DNS zone the managed zone (shared) and `api.<cluster>` A to the API load balancer's address;
 * none with DNS None; a GCE cluster that publishes DNS has a load balancer for the record to name.
 */
import { describe, expect, it } from 'vitest';
import { newCluster, type NewClusterOptions } from '../../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../../src/model/completion.js';
import type { Cluster, InstanceGroup } from '../../../src/model/api/types.js';
import { buildGceTasks } from '../../../src/model/gce/index.js';
import { validateCluster } from '../../../src/model/validation.js';
import { GCE_KINDS, type GceDnsRecordSetDesired, type GceDnsZoneDesired } from '../../../src/tasks/gce/types.js';
import { ref, type Task } from '../../../src/tasks/types.js';

const BASE: NewClusterOptions = { name: 'dns.example.com', cloud: 'gce', zones: ['us-central1-a'], project: 'my-project' };

function completed(opts: NewClusterOptions, edit?: (c: Cluster) => void): { cluster: Cluster; instanceGroups: InstanceGroup[] } {
  const built = newCluster(opts);
  edit?.(built.cluster);
  return completeCluster(built.cluster, built.instanceGroups);
}

const dnsTasks = (tasks: readonly Task[]) => tasks.filter((t) => t.kind === GCE_KINDS.dnsZone || t.kind === GCE_KINDS.dnsRecordSet);

describe('GCE DNS model', () => {
  it('with --dns-zone: the zone (shared, found) and api.<cluster> A to the address of the API load balancer, TTL 60', () => {
    const c = completed({ ...BASE, dnsZone: 'example.com' });
    expect(c.cluster.spec.api?.loadBalancer).toMatchObject({ type: 'Public' });
    const tasks = buildGceTasks(c);
    const found = dnsTasks(tasks);
    expect(found.map((t) => `${t.kind}/${t.name}`)).toEqual(['DNSZone/example.com', 'DNSRecordSet/api.dns.example.com']);
    expect(found[0]).toMatchObject({ shared: true, desired: { name: 'example.com', private: false } satisfies GceDnsZoneDesired });
    const rec = found[1]!.desired as GceDnsRecordSetDesired;
    expect(rec).toEqual({
      zone: ref('DNSZone', 'example.com', 'name'),
      zoneLookup: { name: 'example.com', private: false },
      name: 'api.dns.example.com',
      type: 'A',
      ttl: 60,
      rrdatas: [ref('Address', 'api-dns-example-com', 'address')],
    });
    // The address the record names is built.
    expect(tasks.some((t) => t.kind === GCE_KINDS.address && t.name === 'api-dns-example-com')).toBe(true);
  });

  it('--dns private looks the zone up among private zones; spec.api.publicName names the record', () => {
    const c = completed({ ...BASE, dnsZone: 'example.com', dns: 'private', apiPublicName: 'k8s.example.com' });
    const [zone, rec] = dnsTasks(buildGceTasks(c));
    expect((zone!.desired as GceDnsZoneDesired).private).toBe(true);
    expect(rec!.name).toBe('k8s.example.com');
    expect((rec!.desired as GceDnsRecordSetDesired).zoneLookup.private).toBe(true);
  });

  it('builds none with DNS None (no zone), nor with --dns none and a zone', () => {
    expect(dnsTasks(buildGceTasks(completed(BASE)))).toEqual([]);
    expect(dnsTasks(buildGceTasks(completed({ ...BASE, dnsZone: 'example.com', dns: 'none' })))).toEqual([]);
  });

  it('completion gives a GCE cluster with DNS a load balancer; validation refuses api.dns without one, naming the field', () => {
    const clean = completed({ ...BASE, dnsZone: 'example.com' });
    expect(validateCluster(clean.cluster, clean.instanceGroups).filter((d) => d.severity === 'error')).toEqual([]);
    const c = completed({ ...BASE, dnsZone: 'example.com' }, (x) => {
      x.spec.api = { dns: {} };
    });
    expect(c.cluster.spec.api?.loadBalancer).toBeUndefined();
    const errors = validateCluster(c.cluster, c.instanceGroups).filter((d) => d.severity === 'error');
    expect(errors).toEqual([expect.objectContaining({ code: 'APINotReachable', path: 'spec.api.loadBalancer' })]);
    expect(errors[0]?.summary).toMatch(/publishes api\.<cluster> in Cloud DNS as an A record to the API load balancer's address/);
  });
});
