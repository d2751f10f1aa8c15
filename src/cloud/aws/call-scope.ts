/**
 * Which task kind (and which of its steps) makes an AWS call. The AWS task registry runs every
 * kind's find/apply/delete inside `inAwsCallScope`, so a request hook can attribute each SDK call
 * to the kind that made it (AsyncLocalStorage follows the call through promises, paginators and
 * the SDK's retries). `AwsCallRecorder` is such a hook: the operator-policy tests compare what
 * each kind really calls with what it declares (src/tasks/aws/iam-actions.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AwsRequestHook, AwsRequestInfo } from './clients.js';

/** `find` covers `findOrphans` too: both run at plan time. */
export type AwsCallPhase = 'find' | 'apply' | 'delete';

export interface AwsCallScope {
  readonly kind: string;
  readonly phase: AwsCallPhase;
  /** The task's name, in its apply step (the benchmarks weigh each task by its calls). */
  readonly task?: string;
}

const storage = new AsyncLocalStorage<AwsCallScope>();

export function inAwsCallScope<T>(scope: AwsCallScope, fn: () => Promise<T>): Promise<T> {
  return storage.run(scope, fn);
}

export function currentAwsCallScope(): AwsCallScope | undefined {
  return storage.getStore();
}

/** The IAM action prefix of each of our clients (AwsClients' names). */
const IAM_PREFIX: Readonly<Record<string, string>> = {
  ec2: 'ec2',
  autoscaling: 'autoscaling',
  elb: 'elasticloadbalancing',
  elbv2: 'elasticloadbalancing',
  iam: 'iam',
  route53: 'route53',
  s3: 's3',
  sts: 'sts',
};

/** S3's IAM actions are not its operation names. */
const S3_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  GetObject: ['s3:GetObject'],
  HeadObject: ['s3:GetObject'],
  PutObject: ['s3:PutObject'],
  CopyObject: ['s3:GetObject', 's3:PutObject'],
  DeleteObject: ['s3:DeleteObject'],
  DeleteObjects: ['s3:DeleteObject'],
  ListObjectsV2: ['s3:ListBucket'],
  ListObjects: ['s3:ListBucket'],
  HeadBucket: ['s3:ListBucket'],
  ListObjectVersions: ['s3:ListBucketVersions'],
  GetBucketLocation: ['s3:GetBucketLocation'],
  GetBucketEncryption: ['s3:GetEncryptionConfiguration'],
};

/**
 * The IAM actions AWS authorises for one SDK operation (`DescribeVpcsCommand` of `ec2` →
 * `ec2:DescribeVpcs`). Tag-on-create and role passing are authorised as further actions that no
 * operation names; kinds declare those as `implied`.
 */
export function iamActionsOf(service: string, operation: string, input?: unknown): string[] {
  const op = operation.replace(/Command$/, '');
  if (service === 's3') {
    const versioned = typeof input === 'object' && input !== null && (input as { VersionId?: unknown }).VersionId !== undefined;
    if (versioned && op === 'GetObject') return ['s3:GetObjectVersion'];
    if (versioned && op === 'DeleteObject') return ['s3:DeleteObjectVersion'];
    return [...(S3_ACTIONS[op] ?? [`s3:${op}`])];
  }
  return [`${IAM_PREFIX[service] ?? service}:${op}`];
}

export interface RecordedAwsCall {
  /** Absent for calls outside any task kind: pre-flight and the state store. */
  readonly scope?: AwsCallScope;
  readonly service: string;
  readonly operation: string;
  readonly actions: readonly string[];
  /** The bucket and key of S3 calls (for evaluating resource-scoped statements). */
  readonly bucket?: string;
  readonly key?: string;
  /**
   * When the call started (`performance.now()` ms, before signing) and ended (after the SDK's
   * retries; absent while under way). `AwsCallRecorder` sets both.
   */
  readonly startMs?: number;
  readonly endMs?: number;
}

/** Records every request with the kind that made it; a hook for tests. */
export class AwsCallRecorder {
  readonly calls: RecordedAwsCall[] = [];
  readonly hook: AwsRequestHook = (req: AwsRequestInfo) => {
    const scope = currentAwsCallScope();
    const input = (req.input ?? {}) as { Bucket?: unknown; Key?: unknown; Prefix?: unknown };
    const bucket = typeof input.Bucket === 'string' ? input.Bucket : undefined;
    const key = typeof input.Key === 'string' ? input.Key : typeof input.Prefix === 'string' ? input.Prefix : undefined;
    const call: { -readonly [K in keyof RecordedAwsCall]: RecordedAwsCall[K] } = {
      ...(scope ? { scope } : {}),
      service: req.service,
      operation: req.operation.replace(/Command$/, ''),
      actions: iamActionsOf(req.service, req.operation, req.input),
      ...(bucket !== undefined ? { bucket } : {}),
      ...(key !== undefined ? { key } : {}),
      startMs: performance.now(),
    };
    this.calls.push(call);
    return () => {
      call.endMs = performance.now();
    };
  };
}

/** A call's span in time (ms). */
export interface CallSpan {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * The sequential depth of a set of calls: the longest chain of them in which each starts at or
 * after the previous one ended. Calls made concurrently count once, so with a fixed delay per
 * call, `depth × delay` is a lower bound of the time the calls took (from the first start to
 * the last end), where `count × delay` is not. 0 for no calls.
 */
export function sequentialDepth(spans: readonly CallSpan[]): number {
  for (const s of spans) {
    if (!Number.isFinite(s.startMs) || !Number.isFinite(s.endMs) || s.endMs < s.startMs) {
      throw new Error(`sequential depth: a call must end at or after it starts, got ${s.startMs}..${s.endMs}`);
    }
  }
  // In order of start (then end), each call's depth is one more than the deepest earlier call
  // that had ended by its start. Quadratic, and a task makes a handful of calls.
  const sorted = [...spans].sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
  const depth: number[] = [];
  let best = 0;
  for (let i = 0; i < sorted.length; i++) {
    let before = 0;
    for (let j = 0; j < i; j++) if (sorted[j]!.endMs <= sorted[i]!.startMs) before = Math.max(before, depth[j]!);
    depth.push(before + 1);
    best = Math.max(best, before + 1);
  }
  return best;
}
