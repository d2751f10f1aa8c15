/**
 * Kubernetes API failures as kops-ts errors: the apiserver's `Status` body read from
 * client-node's ApiException, and `translate` to a KopsError (or KubeUnreachableError when the
 * server never answered).
 */
import * as k8s from '@kubernetes/client-node';
import { KopsError } from '../diagnostics.js';
import type { KubeClient } from './client.js';

/**
 * The Kubernetes API could not be reached (connection refused or reset, DNS, timeout). Not an
 * API error: the server never answered.
 */
export class KubeUnreachableError extends KopsError {
  readonly server: string;
  constructor(server: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    super('KubeUnreachable', `cannot reach the Kubernetes API at ${server}: ${why}`, {
      cause,
      hint: 'check that the cluster is up and the kubeconfig context points at it; `kops-ts export kubeconfig <cluster> --admin` refreshes the context',
    });
    this.server = server;
  }
}

/** The error as KubeUnreachableError when the server never answered, else undefined. */
export function asUnreachable(server: string, e: unknown): KubeUnreachableError | undefined {
  if (e instanceof KubeUnreachableError) return e;
  if (e instanceof k8s.ApiException) return undefined;
  if (KopsError.is(e)) return undefined;
  if (e instanceof Error) {
    const code = (e as Error & { code?: string }).code ?? (e.cause as { code?: string } | undefined)?.code;
    // node-fetch's FetchError of type `system` is a failed connection (refused, reset, DNS, TLS).
    const type = (e as Error & { type?: string }).type;
    const fetchFailed = e.name === 'FetchError' && (type === 'system' || type === 'request-timeout');
    if (e.name === 'AbortError' || e.name === 'TimeoutError' || fetchFailed || (code && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|UND_ERR)/.test(code))) {
      return new KubeUnreachableError(server, e);
    }
  }
  return undefined;
}

/** The `Status` body of an ApiException (client-node 1.x gives it as a JSON string). */
export function apiStatus(e: unknown): { code: number; reason?: string; message?: string; causes: { reason?: string; message?: string }[] } | undefined {
  if (!(e instanceof k8s.ApiException)) return undefined;
  const raw: unknown = e.body;
  let body: Record<string, unknown> = {};
  if (typeof raw === 'string') {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
    } catch {
      /* not JSON */
    }
  } else if (raw && typeof raw === 'object') body = raw as Record<string, unknown>;
  const details = (body['details'] ?? {}) as { causes?: { reason?: string; message?: string }[] };
  return {
    code: e.code,
    ...(typeof body['reason'] === 'string' ? { reason: body['reason'] } : {}),
    ...(typeof body['message'] === 'string' ? { message: body['message'] } : {}),
    causes: details.causes ?? [],
  };
}

/** An API failure as a KopsError: unreachable, or the server's own status message. */
export function translate(client: KubeClient, what: string, e: unknown): Error {
  if (KopsError.is(e)) return e;
  const unreachable = asUnreachable(client.server, e);
  if (unreachable) return unreachable;
  const st = apiStatus(e);
  if (st) {
    const hint =
      st.code === 401 ? `the credentials of kubeconfig context ${client.context} were refused; \`kops-ts export kubeconfig ${client.clusterName} --admin\` issues new ones` : st.code === 403 ? `the user of kubeconfig context ${client.context} lacks the permission; use an admin credential (\`kops-ts export kubeconfig ${client.clusterName} --admin\`)` : 'see the Kubernetes API server\'s message';
    return new KopsError('KubeApiError', `${what}: the Kubernetes API answered ${st.code}${st.reason ? ` ${st.reason}` : ''}${st.message ? `: ${st.message}` : ''}`, { cause: e, hint });
  }
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * The words of the API server's refusal to evict a pod that more than one PodDisruptionBudget
 * selects: HTTP 500, `This pod has more than one PodDisruptionBudget, which the eviction
 * subresource does not support.` (pkg/registry/core/pod/storage/eviction.go), whatever the budgets
 * allow.
 */
export const SEVERAL_BUDGETS_REFUSAL = 'more than one PodDisruptionBudget';

/** Whether an API failure is that refusal. */
export function isSeveralBudgetsRefusal(e: unknown): boolean {
  const st = apiStatus(e);
  return st?.code === 500 && (st.message ?? '').includes(SEVERAL_BUDGETS_REFUSAL);
}

/**
 * A pod the drain cannot evict because several PodDisruptionBudgets select it; names them when
 * they could be read at the refusal (`budgets` empty when not).
 */
export class SeveralBudgetsError extends KopsError {
  readonly node: string;
  /** `<namespace>/<name>` */
  readonly pod: string;
  /** `<namespace>/<name>` of the budgets that select the pod, sorted; empty when they could not be read. */
  readonly budgets: readonly string[];
  constructor(node: string, pod: string, budgets: readonly string[], cause: unknown) {
    const who = budgets.length >= 2 ? `PodDisruptionBudgets ${budgets.join(', ')} all select pod ${pod}` : `more than one PodDisruptionBudget selects pod ${pod}`;
    super('PodUnderSeveralBudgets', `cannot evict pod ${pod} from node ${node}: ${who}, and the eviction API refuses to evict a pod that more than one budget selects (it answered 500)`, {
      cause,
      hint: 'merge the budgets or narrow their selectors so that one budget selects the pod, or pass --fail-on-drain-error=false to go on without draining',
    });
    this.node = node;
    this.pod = pod;
    this.budgets = budgets;
  }
}
