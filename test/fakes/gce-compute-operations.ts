/**
 * The fake Compute API's operations (test/fakes/gce-compute.ts): every mutation returns a
 * `compute#operation` (scope global/regional/zonal, `operationType`, `targetLink`), DONE at once or
 * RUNNING for `operationPolls` reads, with `httpErrorStatusCode` and `error.errors[]` when a
 * `failOperation` hook fails it (then without effect); `GET /compute/v1/projects/<p>/{global,
 * regions/<r>,zones/<z>}/operations/<name>` and `POST .../operations/<name>/wait` return it.
 */
import type { ComputeState } from './gce-compute-store.js';
import { HttpError, notFoundUrl, takeFault, type GceCall, type Json } from './gce-compute-wire.js';

/** Runs `effect` (unless a `failOperation` hook matches) and returns its operation. */
export function mutation(s: ComputeState, call: GceCall, scopePath: string, where: string, name: string, type: string, effect: () => void): Json {
  const fault = takeFault(s.opFaults, call);
  if (!fault) effect();
  const opName = `operation-${Date.now()}-${++s.opSeq}`;
  const [, , scopeType, scopeName] = scopePath.split('/');
  const op: Json = {
    kind: 'compute#operation',
    id: String(s.nextId++),
    name: opName,
    operationType: type,
    targetLink: s.url(`${where}/${name}`),
    targetId: String(s.nextId++),
    status: 'DONE',
    progress: 100,
    insertTime: new Date().toISOString(),
    startTime: new Date().toISOString(),
    endTime: new Date().toISOString(),
    selfLink: s.url(`${scopePath}/operations/${opName}`),
    ...(scopeType === 'zones' ? { zone: s.url(`projects/${scopePath.split('/')[1]}/zones/${scopeName}`) } : {}),
    ...(scopeType === 'regions' ? { region: s.url(`projects/${scopePath.split('/')[1]}/regions/${scopeName}`) } : {}),
    ...(fault
      ? {
          httpErrorStatusCode: fault.status,
          error: { errors: [{ code: fault.reason, message: fault.message ?? `injected ${fault.reason}` }] },
        }
      : {}),
  };
  const polls = s.knobs.operationPolls;
  s.operations.set(`${scopePath}/operations/${opName}`, { ...op, pendingPolls: polls });
  if (polls === 0) return op;
  const { error: _e, httpErrorStatusCode: _h, ...running } = op;
  return { ...running, status: 'RUNNING', progress: 0 };
}

/** `operations/<name>` (GET) and `operations/<name>/wait` (POST). */
export function readOperation(s: ComputeState, call: GceCall, scopePath: string, name: string, method: string | undefined): Json {
  const op = s.operations.get(`${scopePath}/operations/${name}`);
  if (!op) throw new HttpError(404, 'notFound', `The resource '${scopePath}/operations/${name}' was not found`);
  if ((call.method === 'GET' && !method) || (call.method === 'POST' && method === 'wait')) {
    const polls = (op.pendingPolls as number | undefined) ?? 0;
    if (polls > 0) {
      op.pendingPolls = polls - 1;
      const { pendingPolls: _p, error: _e, httpErrorStatusCode: _h, ...running } = op;
      return { ...running, status: 'RUNNING', progress: 50 };
    }
    const { pendingPolls: _p, ...done } = op;
    return done;
  }
  throw notFoundUrl(call);
}
