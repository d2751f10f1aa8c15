/**
 * A small driver for one task kind against the emulator: find → diff → apply, and the
 * idempotency check every kind must pass (apply, plan again, expect no change). The full engine
 * (graph, executor) is not involved, so a kind can be tested on its own; refs to tasks of other
 * kinds are resolved from the outputs the test passes in.
 */
import { diffTask } from '../../../src/tasks/diff.js';
import { newMemo, type AwsTaskContext } from '../../../src/tasks/aws/context.js';
import { UNKNOWN, isRef, refKey, type Change, type Outputs, type RefResolver, type Task, type TaskKind, type Val } from '../../../src/tasks/types.js';
import { testAws, type TestAws } from '../../helpers/aws.js';

/** A context in a fresh emulator account. */
export function awsTestContext(clusterName = 'test.example.com', region = 'us-east-1'): AwsTaskContext & { aws: TestAws } {
  const aws = testAws({ region });
  return { clients: aws.clients, clusterName, region, once: newMemo(), aws };
}

/** Same account, new memo: what the next `update` run would see. */
export function nextRun<T extends AwsTaskContext>(ctx: T): T {
  return { ...ctx, once: newMemo() };
}

/** Resolves refs from a table of outputs keyed `Kind/name`; missing targets are UNKNOWN. */
export function staticRefs(outputs: Readonly<Record<string, Outputs>>): RefResolver {
  const resolve = (v: Val<string>) => {
    if (!isRef(v)) return v;
    const out = outputs[refKey(v)]?.[v.output];
    return out === undefined ? UNKNOWN : out;
  };
  return {
    resolve,
    known(v) {
      const r = resolve(v);
      if (typeof r !== 'string') throw new Error(`ref ${isRef(v) ? refKey(v) : String(v)} is not known`);
      return r;
    },
  };
}

/** The plan of one kind's tasks (find + diff). */
export async function planKind<D, A>(
  ctx: AwsTaskContext,
  kind: TaskKind<D, A, AwsTaskContext>,
  tasks: readonly Task<D>[],
  refs: RefResolver = staticRefs({}),
): Promise<Change<D, A>[]> {
  const found = await kind.find(ctx, tasks);
  return tasks.map((t) => diffTask(kind, t, found.get(t.name), refs));
}

/** Plan and apply one kind's tasks (sequentially); returns every task's outputs by task key. */
export async function converge<D, A>(
  ctx: AwsTaskContext,
  kind: TaskKind<D, A, AwsTaskContext>,
  tasks: readonly Task<D>[],
  refs: RefResolver = staticRefs({}),
): Promise<Record<string, Outputs>> {
  const found = await kind.find(ctx, tasks);
  const outputs: Record<string, Outputs> = {};
  for (const t of tasks) {
    const actual = found.get(t.name);
    const change = diffTask(kind, t, actual, refs);
    let after = actual;
    if (change.action === 'replace' && actual !== undefined && kind.delete) {
      await kind.delete(ctx, actual);
    }
    if (change.action !== 'noop' && change.action !== 'delete') {
      const req = { action: change.action, name: t.name, desired: t.desired, fields: change.fields, refs };
      after = await kind.apply(ctx, actual === undefined || change.action === 'replace' ? req : { ...req, actual });
    }
    if (after === undefined) throw new Error(`${change.key}: nothing found or created`);
    outputs[change.key] = kind.outputs(after);
  }
  return outputs;
}

/** Apply, then plan again in a new run: every change must be a no-op. Returns the second plan. */
export async function expectIdempotent<D, A>(
  ctx: AwsTaskContext,
  kind: TaskKind<D, A, AwsTaskContext>,
  tasks: readonly Task<D>[],
  refs: RefResolver = staticRefs({}),
): Promise<{ outputs: Record<string, Outputs>; replan: Change<D, A>[] }> {
  const outputs = await converge(ctx, kind, tasks, refs);
  const replan = await planKind(nextRun(ctx), kind, tasks, refs);
  const pending = replan.filter((c) => c.action !== 'noop');
  if (pending.length > 0) {
    const detail = pending.map((c) => `${c.key}: ${c.action} ${c.fields.map((f) => `${f.field}: ${JSON.stringify(f.before)} -> ${JSON.stringify(f.after)}`).join('; ')}`);
    throw new Error(`not idempotent:\n${detail.join('\n')}`);
  }
  return { outputs, replan };
}
