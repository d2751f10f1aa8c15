/**
 * Drives one GCE task kind against the fake Compute API through the real client: find → diff →
 * apply, and the idempotency check (apply, plan again in a new run, expect no change).
 */
import { afterAll, beforeAll } from 'vitest';
import { closeGceClients, gceClients, type GceClients } from '../../../src/cloud/gce/clients.js';
import { diffTask } from '../../../src/tasks/diff.js';
import { newMemo, safeClusterName, type GceTaskContext } from '../../../src/tasks/gce/context.js';
import type { Change, Outputs, RefResolver, Task, TaskKind } from '../../../src/tasks/types.js';
import { FakeGceCompute } from '../../fakes/gce-compute.js';
import { staticRefs } from '../aws/harness.js';

export { staticRefs };

export const PROJECT = 'kops-test';
export const REGION = 'us-central1';
export const ZONE = 'us-central1-a';
export const CLUSTER = 'minimal.example.com';
export const SAFE = safeClusterName(CLUSTER);

export interface GceTest {
  readonly fake: FakeGceCompute;
  /** A fresh context (new memo): what the next run sees. */
  ctx(): GceTaskContext;
}

/** Starts a fake for the file (beforeAll) and stops it after. */
export function useFakeGce(): GceTest {
  const fake = new FakeGceCompute();
  let clients: GceClients | undefined;
  beforeAll(async () => {
    clients = await gceClients({ project: PROJECT, region: REGION, endpoint: await fake.start() });
  });
  afterAll(async () => {
    if (clients) await closeGceClients(clients);
    await fake.stop();
  });
  return {
    fake,
    ctx(): GceTaskContext {
      if (!clients) throw new Error('fake not started');
      return { clients, project: PROJECT, region: REGION, clusterName: CLUSTER, safeClusterName: SAFE, once: newMemo(), wait: { backoffMs: 1 } };
    },
  };
}

export async function planKind<D, A>(ctx: GceTaskContext, kind: TaskKind<D, A, GceTaskContext>, tasks: readonly Task<D>[], refs: RefResolver = staticRefs({})): Promise<Change<D, A>[]> {
  const found = await kind.find(ctx, tasks);
  return tasks.map((t) => diffTask(kind, t, found.get(t.name), refs));
}

/** Plan and apply one kind's tasks; returns every task's outputs by task key. */
export async function converge<D, A>(ctx: GceTaskContext, kind: TaskKind<D, A, GceTaskContext>, tasks: readonly Task<D>[], refs: RefResolver = staticRefs({})): Promise<Record<string, Outputs>> {
  const found = await kind.find(ctx, tasks);
  const outputs: Record<string, Outputs> = {};
  for (const t of tasks) {
    const actual = found.get(t.name);
    const change = diffTask(kind, t, actual, refs);
    let after = actual;
    if (change.action === 'replace' && actual !== undefined && kind.delete) await kind.delete(ctx, actual);
    if (change.action !== 'noop' && change.action !== 'delete') {
      const req = { action: change.action, name: t.name, desired: t.desired, fields: change.fields, refs };
      after = await kind.apply(ctx, actual === undefined || change.action === 'replace' ? req : { ...req, actual });
    }
    if (after === undefined) throw new Error(`${change.key}: nothing found or created`);
    outputs[change.key] = kind.outputs(after);
  }
  return outputs;
}

export async function expectIdempotent<D, A>(
  t: GceTest,
  kind: TaskKind<D, A, GceTaskContext>,
  tasks: readonly Task<D>[],
  refs: RefResolver = staticRefs({}),
): Promise<{ outputs: Record<string, Outputs>; replan: Change<D, A>[] }> {
  const outputs = await converge(t.ctx(), kind, tasks, refs);
  const replan = await planKind(t.ctx(), kind, tasks, refs);
  const pending = replan.filter((c) => c.action !== 'noop');
  if (pending.length > 0) {
    const detail = pending.map((c) => `${c.key}: ${c.action} ${c.fields.map((f) => `${f.field}: ${JSON.stringify(f.before)} -> ${JSON.stringify(f.after)}`).join('; ')}`);
    throw new Error(`not idempotent:\n${detail.join('\n')}`);
  }
  return { outputs, replan };
}

export const NET_LINK = `https://www.googleapis.com/compute/v1/projects/${PROJECT}/global/networks/${SAFE}`;
