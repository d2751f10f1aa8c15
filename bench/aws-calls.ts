/**
 * Benchmark 1: the requests of a no-op `update cluster` (plan only, everything applied before) for
 * an HA cluster with 3, 20 and 100 node instance groups, counted on the wire by the proxy: AWS
 * per service, and the S3 state store separately. Each request is also attributed (by the SDK
 * call scope) to pre-flight, a task kind's find, or the state store.
 */
import { AwsCallRecorder } from '../src/cloud/aws/call-scope.js';
import { countsByOperation, haCluster } from './aws-env.js';
import { table } from './harness.js';

const SERVICES = ['ec2', 'autoscaling', 'elbv2', 'iam', 'route53', 'sts'] as const;

/** kops's no-op update, read from its code (issue #12): 130 AWS calls for one node group, +9 per further group; 81 S3 reads. */
export function kopsAwsCalls(nodeGroups: number): number {
  return 130 + 9 * (nodeGroups - 1);
}
const KOPS_S3_READS = 81;

export interface NoopCalls {
  readonly nodeGroups: number;
  readonly byService: ReadonlyMap<string, number>;
  readonly aws: number;
  readonly s3: number;
  /** AWS requests made inside a task kind's find (the plan proper). */
  readonly find: number;
  readonly preflight: number;
  readonly kinds: number;
  readonly changes: number;
  readonly byOperation: ReadonlyMap<string, number>;
  /** AWS requests that fetched a further page of a listing (their input carries a page token). */
  readonly pages: number;
}

/** A request for a further page: AWS's page tokens by API family. */
function isContinuation(input: unknown): boolean {
  if (typeof input !== 'object' || input === null) return false;
  const i = input as Record<string, unknown>;
  return ['NextToken', 'Marker', 'ContinuationToken', 'StartRecordName'].some((k) => i[k] !== undefined && i[k] !== '');
}

export async function measureNoop(nodeGroups: number): Promise<NoopCalls> {
  const c = await haCluster(nodeGroups);
  try {
    const applied = await c.update(true);
    if (!applied.applied?.ok) throw new Error(`bench: the first apply of ${c.name} failed: ${applied.applied?.failed.map((f) => `${f.key}: ${f.message}`).join('; ')}`);
    c.proxy.clear();
    const recorder = new AwsCallRecorder();
    let pages = 0;
    const noop = await c.update(false, {
      hooks: [recorder.hook, (req) => {
        if (req.service !== 's3' && isContinuation(req.input)) pages++;
      }],
    });
    const byService = new Map<string, number>();
    for (const r of c.proxy.requests) byService.set(r.service, (byService.get(r.service) ?? 0) + 1);
    const aws = c.proxy.requests.filter((r) => r.service !== 's3').length;
    const find = recorder.calls.filter((x) => x.scope?.phase === 'find' && x.service !== 's3').length;
    const s3InFind = recorder.calls.filter((x) => x.scope && x.service === 's3').length;
    if (s3InFind > 0) throw new Error(`bench: ${s3InFind} S3 calls inside a task kind's find: the count below would mix them with the state store's`);
    const kinds = new Set(noop.plan.unchanged.map((k) => k.slice(0, k.indexOf('/'))));
    return {
      nodeGroups, byService, aws, s3: byService.get('s3') ?? 0, find, preflight: aws - find, kinds: kinds.size,
      changes: noop.plan.changes.length, byOperation: countsByOperation(c.proxy), pages,
    };
  } finally {
    await c.close();
  }
}

export async function benchAwsCalls(groups: readonly number[] = [3, 20, 100]): Promise<string> {
  const results: NoopCalls[] = [];
  for (const n of groups) results.push(await measureNoop(n));
  const rows = results.map((r) => [
    String(r.nodeGroups),
    String(r.changes),
    ...SERVICES.map((s) => String(r.byService.get(s) ?? 0)),
    String(r.aws),
    String(r.pages),
    String(r.preflight),
    String(r.find),
    String(r.kinds),
    (r.find / r.kinds).toFixed(2),
    String(r.s3),
    String(kopsAwsCalls(r.nodeGroups)),
    `${KOPS_S3_READS}`,
  ]);
  const out: string[] = ['### Requests of a no-op `update cluster` (HA, 3 control planes), on the wire\n'];
  out.push(table(['node groups', 'changes', ...SERVICES, 'AWS total', 'further pages', 'pre-flight', 'in finds', 'task kinds', 'finds per kind', 'S3 (state store)', 'kops AWS', 'kops S3 (1 group)'], rows));
  const first = results[0]!;
  const same = results.every((r) => r.aws - r.pages === first.aws - first.pages);
  const worst = Math.max(...results.map((r) => (r.find - r.pages) / r.kinds));
  out.push(`\nTarget, paging aside: the same AWS count for every size (${same ? 'held' : 'NOT held'}: ${results.map((r) => `${r.aws} - ${r.pages}`).join(' / ')}), `
    + `finds at most 1.2 calls per task kind (${worst <= 1.2 ? 'held' : 'NOT held'}: worst ${worst.toFixed(2)}).`);
  // What grows with the groups, operation by operation.
  const last = results[results.length - 1]!;
  const grows = [...last.byOperation].filter(([op, n]) => n !== (first.byOperation.get(op) ?? 0)).map(([op, n]) => `${op} ${first.byOperation.get(op) ?? 0} -> ${n}`);
  out.push(grows.length > 0 ? `Requests that grow from ${first.nodeGroups} to ${last.nodeGroups} groups: ${grows.join(', ')}.` : 'No operation grows with the groups.');
  return out.join('\n');
}
