/**
 * Sending a Kubernetes API request again when its connection is reset before any answer.
 *
 * An HTTP client that reuses a kept-alive connection the server (or the load balancer in front of
 * it: an AWS NLB closes idle flows after 350 s, a Google Cloud load balancer after 600 s) has just
 * closed as idle gets exactly that, `read ECONNRESET` / `socket hang up`, more often on a loaded
 * machine. client-node (node-fetch) neither retries it nor tells the caller whether the request was
 * applied, so one reset failed a whole drain or roll. Go's net/http, which kubectl and kops use,
 * re-sends such requests on a new connection when they are idempotent; the AWS SDK retries a
 * reset; kops-ts's GCE clients re-send a reset read (src/cloud/gce/endpoint.ts `watched`).
 *
 * `resending` wraps a client-node API object (CoreV1Api, PolicyV1Api, VersionApi) so that the
 * methods of `RESENDABLE` are sent again, up to `KUBE_RESET_ATTEMPTS` in all, when the attempt
 * failed with a reset and no HTTP answer. Every other method (pod create/patch/delete, any create)
 * is never re-sent: it may have been applied.
 */

/** Attempts in all of a request whose connection is reset before any answer. */
export const KUBE_RESET_ATTEMPTS = 3;

/** Reads: their method names start so (client-node's `read*`, `list*`, and VersionApi's `getCode`). */
const READ = /^(read|list|get)/;

/**
 * Mutations safe to send again, each because a second copy has the effect of one, even when the
 * first was applied and only its answer was lost:
 * - `patchNode`: kops-ts's node patches are cordon (sets `spec.unschedulable: true` and the
 *   exclude-from-load-balancers label: the same values again) and the update taint (carries the
 *   Node's resourceVersion: a copy after an applied first answers 409 Conflict, on which
 *   `taintForUpdate` reads the Node again, finds its taint and stops). A new patchNode caller
 *   must be idempotent too.
 * - `deleteNode`: a second DELETE of a gone Node answers 404, which `deleteNode` counts as done.
 * - `createNamespacedPodEviction`: a second eviction of an evicted pod answers 404 once it is gone
 *   (the drain counts that as evicted) or, while it terminates, evicts it again without a
 *   PodDisruptionBudget check (the apiserver's eviction REST skips the check for a pod with a
 *   deletionTimestamp: `canIgnorePDB`, pkg/registry/core/pod/storage/eviction.go), so it neither
 *   takes a second disruption nor gets a 429.
 */
const IDEMPOTENT_MUTATIONS: ReadonlySet<string> = new Set(['patchNode', 'deleteNode', 'createNamespacedPodEviction']);

/** Whether a request made by method `name` may be sent again after a reset before any answer. */
export function resendable(name: string): boolean {
  return READ.test(name) || IDEMPOTENT_MUTATIONS.has(name);
}

/**
 * Whether `e` is a connection reset before any HTTP answer: node-fetch's FetchError of type
 * `system` for a failed request (`request to … failed, reason: …`), code ECONNRESET (a reset, or
 * the server closing without an answer: `socket hang up`) or EPIPE (written to a closed socket).
 * A reset while the body of an answer was read (`Invalid response body …`) does not count.
 */
export function resetBeforeAnswer(e: unknown): boolean {
  if (!(e instanceof Error) || e.name !== 'FetchError') return false;
  const f = e as Error & { type?: string; code?: string };
  return f.type === 'system' && (f.code === 'ECONNRESET' || f.code === 'EPIPE') && f.message.startsWith('request to ');
}

/** `api` with its `resendable` methods sent again after a reset before any answer (see the file's comment). */
export function resending<T extends object>(api: T): T {
  return new Proxy(api, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || typeof prop !== 'string' || !resendable(prop)) return v;
      const method = v as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]): Promise<unknown> => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await method.apply(target, args);
          } catch (e) {
            if (attempt >= KUBE_RESET_ATTEMPTS || !resetBeforeAnswer(e)) throw e;
          }
        }
      };
    },
  });
}
