/**
 * A corrupt stored spec is read as found (`inspectCluster`, `inspectInstanceGroups`) and can be
 * replaced whole, conditional on exactly the corrupt version: a change made to it meanwhile is
 * still a conflict, never overwritten.
 */
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { Clientset, listHistory } from '../../src/statestore/index.js';
import { backends, text } from './backends.js';
import { sampleCluster, sampleIG } from './fixtures.js';

const NAME = 'corrupt.example.com';

describe.each(backends)('corrupt specs: $name', (backend) => {
  it('inspect gives the version and the problem; an update on that version replaces it and keeps it in the history', async () => {
    const store = await backend.fresh();
    const cs = new Clientset(store);
    await cs.createCluster(sampleCluster(NAME), [sampleIG('nodes'), sampleIG('other')]);
    await store.write(`${NAME}/config`, 'spec: [\n');
    await store.write(`${NAME}/instancegroup/nodes`, '- a list\n');

    await expect(cs.getCluster(NAME)).rejects.toSatisfy((e) => KopsError.is(e, 'InvalidStateObject'));
    const found = await cs.inspectCluster(NAME);
    expect(found?.object).toBeUndefined();
    expect(found?.problem?.code).toBe('InvalidStateObject');
    expect(found?.problem?.diagnostics[0]?.hint).toContain(`kops-ts get cluster ${NAME} --history`);
    const igs = await cs.inspectInstanceGroups(NAME);
    expect(igs.map((g) => [g.name, g.object !== undefined, g.problem?.code])).toEqual([
      ['nodes', false, 'InvalidStateObject'],
      ['other', true, undefined],
    ]);
    expect(igs[0]!.problem!.message).toContain('it is not a YAML mapping');

    const fixed = sampleCluster(NAME, '1.31.0');
    fixed.metadata.generation = 4;
    const written = await cs.updateCluster(fixed, found!.version);
    // The corrupt generation is unknown: the replacement counts as a change of its own.
    expect(written.object.metadata.generation).toBe(5);
    expect((await cs.getCluster(NAME)).object.spec.kubernetesVersion).toBe('1.31.0');
    const kept = await listHistory(store, NAME, 'config');
    expect(text((await store.read(kept[0]!.path))?.data)).toBe('spec: [\n');

    const ig = await cs.updateInstanceGroup(NAME, sampleIG('nodes'), igs[0]!.version);
    expect(ig.object.metadata.labels?.['kops.k8s.io/cluster']).toBe(NAME);
  });

  it('a corrupt object changed since it was inspected is a conflict, not overwritten', async () => {
    const store = await backend.fresh();
    const cs = new Clientset(store);
    await cs.createCluster(sampleCluster(NAME), [sampleIG('nodes')]);
    await store.write(`${NAME}/config`, 'spec: [\n');
    const found = await cs.inspectCluster(NAME);
    await store.write(`${NAME}/config`, 'spec: [still broken\n');
    await expect(cs.updateCluster(sampleCluster(NAME), found!.version)).rejects.toSatisfy((e) => KopsError.is(e, 'StateConflict'));
    expect(text((await store.read(`${NAME}/config`))?.data)).toBe('spec: [still broken\n');
  });
});
