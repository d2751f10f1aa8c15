/**
 * `update cluster` says on every plan which of the spec's fields kops-ts keeps but does not act on
 * (kops's own fields), in one warning naming each: a field that changes nothing in the cloud must
 * not look as if it did. Against the emulator, plan only.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { notActedOnWarning } from '../../src/model/api/parse.js';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { testAws } from '../helpers/aws.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();

async function plan(edit: (c: Cluster, igs: InstanceGroup[]) => void) {
  const aws = testAws();
  const cs = new Clientset(openStateStore(`memory://unread-${aws.account}`));
  const built = newCluster({ name: 'unread.example.com', zones: ['us-east-1a'] });
  const cluster = structuredClone(built.cluster);
  const igs = structuredClone(built.instanceGroups);
  edit(cluster, igs);
  await cs.createCluster(cluster, igs, { sshPublicKeys: [KEY] });
  const { region: _region, ...awsOpts } = aws.options;
  const r = await updateCluster({ clientset: cs, clusterName: cluster.metadata.name, aws: awsOpts });
  return r.warnings.filter((w) => w.code === 'FieldsNotActedOn');
}

describe('fields kops-ts does not act on', () => {
  it('are named in one warning of the plan, each with its object and path', async () => {
    const warnings = await plan((c, igs) => {
      (c.spec as Record<string, unknown>).kubeAPIServer = { watchCache: false };
      (igs.find((g) => g.spec.role === 'Node')!.spec as unknown as Record<string, unknown>).rootVolumeDeleteOnTermination = false;
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.summary).toBe(
      'the spec has 2 field(s) that kops-ts does not act on, kept as they are (docs/spec.md lists the fields it acts on): spec.kubeAPIServer.watchCache, InstanceGroup/nodes-us-east-1a spec.rootVolumeDeleteOnTermination',
    );
  });

  it('give no warning when there are none', async () => {
    expect(await plan(() => undefined)).toEqual([]);
  });

  it('are read without changing the objects', () => {
    const built = newCluster({ name: 'unread.example.com', zones: ['us-east-1a'] });
    const legacy = { ...structuredClone(built.cluster), apiVersion: 'kops/v1alpha2' } as unknown as Cluster;
    const before = structuredClone(legacy);
    expect(notActedOnWarning([legacy])).toBeUndefined();
    expect(legacy).toEqual(before);
  });
});
