/**
 * src/tasks/gce/permissions.ts against the code: every Compute method a kind's file, the provider's
 * files or the roll's file calls is declared for it (and so has a permission in the operator set),
 * and nothing is declared for a kind that its file does not call.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  GCE_KIND_METHODS, GCE_METHOD_PERMISSIONS, GCE_PROVIDER_METHODS, GCE_ROLL_METHODS, gceOperatorPermissions, gceReadOnlyOperatorPermissions, isGceReadMethod, isGceReadPermission, type GceMethod,
} from '../../../src/tasks/gce/permissions.js';
import { GCE_KINDS } from '../../../src/tasks/gce/types.js';

const KIND_FILES: Readonly<Record<string, string>> = {
  [GCE_KINDS.network]: 'network.ts',
  [GCE_KINDS.subnet]: 'subnet.ts',
  [GCE_KINDS.firewallRule]: 'firewall-rule.ts',
  [GCE_KINDS.disk]: 'disk.ts',
  [GCE_KINDS.address]: 'address.ts',
  [GCE_KINDS.httpHealthCheck]: 'http-health-check.ts',
  [GCE_KINDS.targetPool]: 'target-pool.ts',
  [GCE_KINDS.forwardingRule]: 'forwarding-rule.ts',
  [GCE_KINDS.instanceTemplate]: 'instance-template.ts,cluster-templates.ts',
  // The MIG reads its template's labels from cluster-templates.ts's list, else with owned-names.ts's globalTemplateLabels.
  [GCE_KINDS.instanceGroupManager]: 'instance-group-manager.ts,owned-names.ts,cluster-templates.ts',
  [GCE_KINDS.serviceAccount]: 'service-account.ts',
  [GCE_KINDS.projectIamBinding]: 'project-iam-binding.ts',
  [GCE_KINDS.storageBucketIam]: 'storage-bucket-iam.ts',
  [GCE_KINDS.dnsZone]: 'dns-zone.ts',
  // The record set finds its zone with dns-zone.ts's lookup.
  [GCE_KINDS.dnsRecordSet]: 'dns-record-set.ts,dns-zone.ts',
};

/** `clients.<client>.<method>(` calls in a file, as declared names (`listAsync` → `list`). */
function calls(path: string): Set<string> {
  const text = readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
  const out = new Set<string>();
  for (const m of text.matchAll(/clients\.([a-zA-Z]+)\.([a-zA-Z]+)\(/g)) out.add(`${m[1]}.${m[2]!.replace(/Async$/, '')}`);
  for (const m of text.matchAll(/\b(projects|regions|zones)\.get\(/g)) out.add(`${m[1]}.get`);
  return out;
}

describe('GCE operator permissions', () => {
  it.each(Object.entries(KIND_FILES))('%s declares exactly the methods its file calls', (kind, file) => {
    const called = new Set(file.split(',').flatMap((f) => [...calls(`src/tasks/gce/${f}`)]));
    expect(called.size).toBeGreaterThan(0);
    expect([...called].sort()).toEqual([...GCE_KIND_METHODS[kind as keyof typeof GCE_KIND_METHODS]].sort());
  });

  it("declares every call of the provider's files and of the rolling update", () => {
    const provider = new Set<string>([...calls('src/cloud/gce/deletion.ts'), ...calls('src/cloud/gce/preflight.ts'), ...calls('src/cloud/gce/bucket-preflight.ts'), ...calls('src/cloud/gce/operations.ts')]);
    expect([...provider].filter((m) => !GCE_PROVIDER_METHODS.includes(m as GceMethod))).toEqual([]);
    // The roll lists the cluster's templates with cluster-templates.ts and reads any other's with owned-names.ts's globalTemplateLabels.
    const roll = new Set([...calls('src/cloud/gce/instance-groups.ts'), ...calls('src/tasks/gce/owned-names.ts'), ...calls('src/tasks/gce/cluster-templates.ts')]);
    expect(roll.size).toBeGreaterThan(5);
    expect([...roll].filter((m) => !GCE_ROLL_METHODS.includes(m as GceMethod))).toEqual([]);
  });

  it('gives every declared method a permission of its API (compute.*, iam.*, resourcemanager.*), all in the operator set', () => {
    const set = new Set(gceOperatorPermissions());
    for (const [method, permission] of Object.entries(GCE_METHOD_PERMISSIONS)) {
      const api = method.startsWith('iam.') ? 'iam' : method.startsWith('resourceManager.') ? 'resourcemanager' : method.startsWith('storageIam.') ? 'storage' : method.startsWith('dns.') ? 'dns' : 'compute';
      expect(permission, method).toMatch(new RegExp(`^${api}\\.[a-zA-Z]+\\.[a-zA-Z]+$`));
      expect(set.has(permission), method).toBe(true);
    }
    expect(set.has('iam.serviceAccounts.actAs')).toBe(true);
    // Cloud DNS checks it on every record-set create, patch and delete (the fake Cloud DNS too).
    expect(set.has('dns.changes.create')).toBe(true);
  });

  it('a method reads exactly when its permission is a read (an operation\'s wait apart), so the read-only set is the read methods\' permissions', () => {
    const mismatched = Object.entries(GCE_METHOD_PERMISSIONS)
      .filter(([m, p]) => isGceReadMethod(m as GceMethod) !== isGceReadPermission(p))
      .map(([m]) => m);
    // Waiting reads an operation, but only a change makes one: not a plan job's call.
    expect(mismatched).toEqual(['globalOperations.wait', 'regionOperations.wait', 'zoneOperations.wait']);
    const ro = gceReadOnlyOperatorPermissions();
    expect(ro.filter((p) => !isGceReadPermission(p))).toEqual([]);
    expect(ro.filter((p) => !gceOperatorPermissions().includes(p))).toEqual([]);
    expect(ro).not.toContain('compute.zoneOperations.get');
    expect(gceReadOnlyOperatorPermissions({ gcsStateStore: false })).toEqual(ro.filter((p) => !p.startsWith('storage.objects.')));
  });
});
