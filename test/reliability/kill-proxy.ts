/**
 * The fault proxy (`test/fakes/aws-fault-proxy.ts`) with hooks that SIGKILL a child process at its
 * k-th mutating AWS call, counted at the HTTP layer:
 *
 * - `before`: the k-th mutating request arrives and the child is killed; the request never
 *   reaches AWS (a crash just before the call);
 * - `after`: the k-th mutating request is forwarded, AWS answers, and the child is killed before
 *   the answer reaches it (the call happened; the caller never learned its result: the worst case
 *   for idempotence).
 *
 * Mutating: any call of a query-protocol service (EC2, AutoScaling, ELBv2, IAM, STS) whose action
 * is not `Describe*`/`List*`/`Get*`, and any non-GET/HEAD request to Route53 or S3. Requests that
 * arrive after the kill are dropped (the connection is destroyed), as a dead process sends nothing.
 */
import { startFaultProxy, type AwsService, type ProxiedRequest } from '../fakes/aws-fault-proxy.js';

export type KillMode = 'before' | 'after';

export interface MutatingCall {
  readonly service: AwsService;
  readonly operation: string;
  /** The request's body (e.g. `InstanceId=i-…` of a query call). */
  readonly body: string;
}

export interface KillTarget {
  /** 1-based: kill at this mutating call. */
  readonly k: number;
  readonly mode: KillMode;
  readonly kill: () => void;
}

export interface KillProxy {
  readonly endpoint: string;
  /** The mutating calls seen since the last `arm`/`disarm`, in arrival order. */
  readonly mutating: readonly MutatingCall[];
  /** Whether the armed target fired. */
  readonly killed: boolean;
  arm(target: KillTarget): void;
  /** Forward everything, count only. */
  disarm(): void;
  close(): Promise<void>;
}

const QUERY_SERVICES: ReadonlySet<AwsService> = new Set(['ec2', 'autoscaling', 'elbv2', 'iam', 'sts']);

/** The mutating call this request is, or undefined for a read. */
export function mutatingCall(r: ProxiedRequest): MutatingCall | undefined {
  if (QUERY_SERVICES.has(r.service)) return /^(Describe|List|Get)/.test(r.operation) ? undefined : { service: r.service, operation: r.operation, body: r.body };
  if (r.method === 'GET' || r.method === 'HEAD') return undefined;
  return { service: r.service, operation: `${r.method} ${r.path}`, body: r.body };
}

export async function startKillProxy(target: string): Promise<KillProxy> {
  let armed: KillTarget | undefined;
  let mutating: MutatingCall[] = [];
  let killed = false;
  /** The request to kill after, in `after` mode. */
  let killAfter: ProxiedRequest | undefined;
  const kill = (): 'drop' => {
    killed = true;
    armed?.kill();
    return 'drop';
  };

  const proxy = await startFaultProxy(target, {}, {
    beforeForward(r) {
      if (killed) return 'drop';
      const call = mutatingCall(r);
      if (!call) return undefined;
      mutating.push(call);
      if (armed && mutating.length === armed.k) {
        if (armed.mode === 'before') return kill();
        killAfter = r;
      }
      return undefined;
    },
    afterResponse(r) {
      if (r === killAfter && armed) return kill();
      return killed ? 'drop' : undefined;
    },
  });
  const reset = (t: KillTarget | undefined): void => {
    armed = t;
    mutating = [];
    killed = false;
    killAfter = undefined;
    proxy.clear();
  };
  return {
    endpoint: proxy.endpoint,
    get mutating() {
      return mutating;
    },
    get killed() {
      return killed;
    },
    arm: (t) => reset(t),
    disarm: () => reset(undefined),
    close: () => proxy.close(),
  };
}
