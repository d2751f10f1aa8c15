/**
 * The GCE roles' grants on the gs:// state store (src/model/gce/bucket-grants.ts): exactly what
 * each role's programs use, as conditions on the cluster's object prefixes (under the store's
 * prefix, if any); what they do is tested through the fake GCS's evaluator in
 * test/bootstrap/gce-bucket-access.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { clusterDir, gceBucketGrants, KOPS_CONDITION_TITLE_PREFIX, LEGACY_BUCKET_ROLES } from '../../../src/model/gce/bucket-grants.js';

const view = (role: 'control-plane' | 'node' | 'bastion', prefix: string) =>
  gceBucketGrants(role, { bucket: 'b', prefix }, 'c.example.com').map((g) => [g.id, g.role, g.condition.expression]);

describe('GCE state store grants', () => {
  it('nodes: read <cluster>/igconfig/node/ only', () => {
    expect(view('node', 'team')).toEqual([['igconfig', 'roles/storage.objectViewer', 'resource.name.startsWith("projects/_/buckets/b/objects/team/c.example.com/igconfig/node/")']]);
    expect(view('node', '')).toEqual([['igconfig', 'roles/storage.objectViewer', 'resource.name.startsWith("projects/_/buckets/b/objects/c.example.com/igconfig/node/")']]);
  });

  it('control plane: read <cluster>/, and objectAdmin on <cluster>/backups/etcd/ with lists by their prefix', () => {
    expect(view('control-plane', 'team')).toEqual([
      ['clusterstate', 'roles/storage.objectViewer', 'resource.name.startsWith("projects/_/buckets/b/objects/team/c.example.com/")'],
      [
        'etcdbackups',
        'roles/storage.objectAdmin',
        'resource.name.startsWith("projects/_/buckets/b/objects/team/c.example.com/backups/etcd/") || api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("team/c.example.com/backups/etcd/")',
      ],
    ]);
  });

  it('bastions: nothing; every title is recognisably kops-ts\'s; the whole-bucket roles it supersedes', () => {
    expect(view('bastion', 'team')).toEqual([]);
    for (const role of ['control-plane', 'node'] as const) {
      for (const g of gceBucketGrants(role, { bucket: 'b', prefix: '' }, 'c.example.com')) {
        expect(g.condition.title.startsWith(KOPS_CONDITION_TITLE_PREFIX)).toBe(true);
        expect(g.condition.title.length).toBeLessThanOrEqual(100);
        expect(g.condition.description).toContain('c.example.com');
      }
    }
    expect(LEGACY_BUCKET_ROLES).toEqual({ 'control-plane': 'roles/storage.objectAdmin', node: 'roles/storage.objectViewer', bastion: undefined });
    // The cluster's directory ends in a slash: c.example.com/ never matches c.example.com.evil/.
    expect(clusterDir({ bucket: 'b', prefix: '' }, 'c.example.com')).toBe('c.example.com/');
  });
});
