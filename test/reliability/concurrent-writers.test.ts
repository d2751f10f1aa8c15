/**
 * Reliability 1, concurrent writers: many racing edits of one cluster spec on each store backend,
 * each writer with its own store handle (as separate processes open it). Nothing accepted is lost:
 *
 * - one round, every writer from the same read: exactly one is accepted, every other gets
 *   `StateConflict`, and the accepted edit is the current config;
 * - every writer retrying on conflict until accepted (read, edit, conditional write): the final
 *   config holds every writer's edit, the generation counts every accepted write, and the history
 *   holds every accepted predecessor (each accepted write's previous content is kept). A writer
 *   retries as a client does after a conflict, with exponential backoff and full jitter (AWS's
 *   recommended retry pacing): all of them still start from the same read and collide, but they
 *   do not spend the run re-sending, in lockstep, writes that are sure to lose (retried at once,
 *   50 writers make about 1,275 attempts, 5,000 requests to the store).
 *
 * Writers: 50 (KOPS_TS_RELIABILITY=full: 200).
 */
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { Clientset, listHistory, readHistory, StateErrorCode } from '../../src/statestore/index.js';
import { decodeObject } from '../../src/statestore/codec.js';
import type { Cluster } from '../../src/model/api/types.js';
import { backends } from '../statestore/backends.js';
import { sampleCluster, sampleIG } from '../statestore/fixtures.js';

const NAME = 'race.example.com';
const WRITERS = process.env.KOPS_TS_RELIABILITY === 'full' ? 200 : 50;

/** The pause before a writer's next attempt after its `conflicts`-th conflict: 0 to min(10 × 2^n, 1000) ms. */
const backoff = (conflicts: number): Promise<void> => new Promise((r) => setTimeout(r, Math.random() * Math.min(10 * 2 ** conflicts, 1000)));

type Outcome = { ok: true; version: string; generation: number } | { ok: false; code: string };

describe.each(backends)('concurrent writers: $name', (backend) => {
  it(`${WRITERS} writers from one read: one accepted, every other gets the conflict error`, async () => {
    const store = await backend.fresh();
    await new Clientset(store).createCluster(sampleCluster(NAME), [sampleIG('nodes')]);
    const handles = Array.from({ length: WRITERS }, () => new Clientset(backend.reopen(store)));
    const read = await handles[0]!.getCluster(NAME);
    const outcomes = await Promise.all(
      handles.map(async (cs, i): Promise<Outcome> => {
        const next = structuredClone(read.object);
        next.spec.cloudLabels = { ...next.spec.cloudLabels, writer: `w${i}` };
        try {
          const r = await cs.updateCluster(next, read.version);
          return { ok: true, version: r.version, generation: r.object.metadata.generation ?? 0 };
        } catch (e) {
          if (!KopsError.is(e)) throw e;
          return { ok: false, code: e.code };
        }
      }),
    );
    const accepted = outcomes.flatMap((o, i) => (o.ok ? [i] : []));
    expect(accepted).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok).map((o) => (o.ok ? '' : o.code))).toEqual(Array(WRITERS - 1).fill(StateErrorCode.Conflict));
    const final = await new Clientset(backend.reopen(store)).getCluster(NAME);
    expect(final.object.spec.cloudLabels?.writer).toBe(`w${accepted[0]}`);
    // The history holds the original only (losers may keep the same bytes again: never anything else).
    const entries = await listHistory(store, NAME, 'config');
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      expect(new TextDecoder().decode((await readHistory(store, NAME, 'config', e.stamp))!.data)).not.toContain('writer:');
    }
  }, 120_000);

  it(`${WRITERS} writers retrying on conflict: every accepted edit is in the final spec and every predecessor in the history`, async () => {
    const store = await backend.fresh();
    await new Clientset(store).createCluster(sampleCluster(NAME), [sampleIG('nodes')]);
    const base = (await new Clientset(store).getCluster(NAME)).object.metadata.generation ?? 0;
    let conflicts = 0;
    const accepted: Array<{ writer: number; generation: number }> = [];
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, i) => {
        const cs = new Clientset(backend.reopen(store));
        for (let mine = 0; ; ) {
          const cur = await cs.getCluster(NAME);
          const next = structuredClone(cur.object);
          next.spec.cloudLabels = { ...next.spec.cloudLabels, [`w${i}`]: 'x' };
          try {
            const r = await cs.updateCluster(next, cur.version);
            accepted.push({ writer: i, generation: r.object.metadata.generation ?? 0 });
            return;
          } catch (e) {
            if (!KopsError.is(e, StateErrorCode.Conflict)) throw e;
            conflicts++;
            await backoff(++mine);
          }
        }
      }),
    );
    const final = (await new Clientset(backend.reopen(store)).getCluster(NAME)).object;
    // Zero lost updates: all writers' labels survive.
    expect(Object.keys(final.spec.cloudLabels ?? {}).sort()).toEqual(Array.from({ length: WRITERS }, (_, i) => `w${i}`).sort());
    // Each accepted write bumped the generation exactly once: a linear chain, no two accepted from one version.
    expect(final.metadata.generation).toBe(base + WRITERS);
    expect(accepted.map((a) => a.generation).sort((a, b) => a - b)).toEqual(Array.from({ length: WRITERS }, (_, i) => base + i + 1));
    // The racing actually happened (otherwise this test proves nothing).
    expect(conflicts).toBeGreaterThan(0);
    // Every superseded generation (base .. base+WRITERS-1) is in the history.
    const kept = new Set<number>();
    for (const e of await listHistory(store, NAME, 'config')) {
      const obj = await readHistory(store, NAME, 'config', e.stamp);
      kept.add(decodeObject<Cluster>(store.url, e.path, obj!.data).metadata.generation ?? 0);
    }
    for (let g = base; g < base + WRITERS; g++) expect(kept.has(g), `generation ${g} kept`).toBe(true);
  }, 300_000);
});
