/** The reconcile sequence (src/cloudup/reconcile-cluster.ts): kops's order, and a failed step stops it, named. */
import { describe, expect, it } from 'vitest';
import { RECONCILE_STEPS, reconcileCluster, type ReconcileStepId } from '../../src/cloudup/reconcile-cluster.js';
import { KopsError } from '../../src/diagnostics.js';

const RESUME = 'kops-ts reconcile cluster --name c.example.com --yes';

function effects(ran: ReconcileStepId[], fail?: { step: ReconcileStepId; error: unknown }): Record<ReconcileStepId, () => Promise<void>> {
  const out = {} as Record<ReconcileStepId, () => Promise<void>>;
  for (const s of RECONCILE_STEPS) {
    out[s.id] = async () => {
      ran.push(s.id);
      if (fail?.step === s.id) throw fail.error;
    };
  }
  return out;
}

describe('reconcileCluster', () => {
  it("runs kops's six steps in order, announcing each", async () => {
    const ran: ReconcileStepId[] = [];
    const said: string[] = [];
    const r = await reconcileCluster({ clusterName: 'c.example.com', effects: effects(ran), resumeCommand: RESUME, onStep: (i, n, s) => said.push(`${i}/${n} ${s.id}`) });
    const order: ReconcileStepId[] = ['update-control-plane', 'wait-for-api', 'roll-control-plane', 'update-all', 'roll-all', 'prune'];
    expect(ran).toEqual(order);
    expect(said).toEqual(order.map((id, i) => `${i + 1}/6 ${id}`));
    expect(r.steps.map((s) => s.outcome)).toEqual(Array(6).fill('done'));
  });

  it('a failed step stops the sequence: the step named, what was done, its exit code kept, the resume command', async () => {
    const ran: ReconcileStepId[] = [];
    const inner = new KopsError('ApplyFailed', '1 task(s) failed; re-run to finish', { exitCode: 1, diagnostics: [{ severity: 'error', code: 'AccessDenied', summary: 'LaunchTemplate/nodes: access denied' }] });
    const e = await reconcileCluster({ clusterName: 'c.example.com', effects: effects(ran, { step: 'update-all', error: inner }), resumeCommand: RESUME }).catch((x: unknown) => x);
    expect(ran).toEqual(['update-control-plane', 'wait-for-api', 'roll-control-plane', 'update-all']);
    expect(e).toBeInstanceOf(KopsError);
    const k = e as KopsError;
    expect(k.message).toBe('reconcile cluster c.example.com stopped at step 4/6 (update all instance groups, no deletions): 1 task(s) failed; re-run to finish; steps 1-3/6 were done before it');
    expect(k.exitCode).toBe(1);
    expect(k.diagnostics.map((d) => d.summary)).toEqual(['LaunchTemplate/nodes: access denied', k.message]);
    expect(k.diagnostics.at(-1)!.hint).toContain(RESUME);
  });

  it('an interrupted first step: exit 130, code Interrupted, nothing done before', async () => {
    const inner = new KopsError('Interrupted', 'interrupted by SIGINT before applying anything', { exitCode: 130 });
    const e = (await reconcileCluster({ clusterName: 'c.example.com', effects: effects([], { step: 'update-control-plane', error: inner }), resumeCommand: RESUME }).catch((x: unknown) => x)) as KopsError;
    expect(e.code).toBe('Interrupted');
    expect(e.exitCode).toBe(130);
    expect(e.message).toMatch(/at step 1\/6 .*; no step was done before it$/);
    expect(e.diagnostics.at(-1)!.hint).toBe(`resume (the steps done plan nothing, an interrupted roll resumes from its record): ${RESUME}`);
  });

  it('a plain Error from a step is wrapped with exit 1', async () => {
    const e = (await reconcileCluster({ clusterName: 'c', effects: effects([], { step: 'roll-all', error: new Error('boom') }), resumeCommand: RESUME }).catch((x: unknown) => x)) as KopsError;
    expect(e.code).toBe('ReconcileStepFailed');
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain('step 5/6 (rolling-update cluster): boom; steps 1-4/6 were done before it');
  });
});
