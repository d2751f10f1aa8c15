/**
 * Reaching a cluster's Kubernetes API as kops does: the kubeconfig context named after the cluster
 * (what `export kubeconfig` writes, src/cloudup/kubeconfig.ts), from `--kubeconfig`, else every
 * file of `$KUBECONFIG` merged (first one wins, as kubectl does), else `~/.kube/config`. Whatever
 * server scheme and credentials the context holds (token, client certificate, exec plugin…) are
 * used through `@kubernetes/client-node`'s KubeConfig.
 *
 * Every request is bounded (`requestTimeoutMs`, default 30 s) and abortable. Reads, and the
 * mutations that are idempotent, are sent again when their connection is reset before any answer
 * (up to 3 attempts, src/kube/resend.ts); a request that still does not reach the server
 * (refused, reset, timed out) becomes `KubeUnreachableError`, which the roll turns into kops's
 * "Unable to reach the kubernetes API" message.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { KopsError } from '../diagnostics.js';
import { translate } from './errors.js';
import { resending } from './resend.js';

export { asUnreachable, KubeUnreachableError } from './errors.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface KubeClientOptions {
  /** The cluster's name: the context to use. */
  readonly clusterName: string;
  /** `--kubeconfig`: this file only. */
  readonly kubeconfig?: string;
  /** Environment (KUBECONFIG, HOME); defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Bound on each request (default 30 s). */
  readonly requestTimeoutMs?: number;
}

export interface KubeClient {
  readonly clusterName: string;
  /** The context used (named after the cluster). */
  readonly context: string;
  /** The API server's URL from that context. */
  readonly server: string;
  /** The kubeconfig files read. */
  readonly files: readonly string[];
  readonly core: k8s.CoreV1Api;
  readonly policy: k8s.PolicyV1Api;
  /** Per-request options: the request timeout, the caller's abort signal, extra headers. */
  options(signal?: AbortSignal, headers?: Readonly<Record<string, string>>): k8s.ConfigurationOptions;
  /** GET /version: resolves when the API answers, else throws KubeUnreachableError (an API error, e.g. 401, as a KopsError). */
  ping(signal?: AbortSignal): Promise<void>;
}

/** The kubeconfig files kubectl would read: `--kubeconfig`, else `$KUBECONFIG`'s list, else ~/.kube/config. */
export function kubeconfigFiles(explicit: string | undefined, env: Readonly<Record<string, string | undefined>>): string[] {
  if (explicit) return [explicit];
  const list = (env['KUBECONFIG'] ?? '').split(delimiter).map((p) => p.trim()).filter(Boolean);
  if (list.length > 0) return [...new Set(list)];
  return [join(env['HOME'] ?? userInfo().homedir, '.kube', 'config')];
}

/** Load the kubeconfig and pick the cluster's context; throws a KopsError saying what is missing. */
export function loadKubeConfig(opts: KubeClientOptions): { kc: k8s.KubeConfig; files: string[] } {
  const env = opts.env ?? process.env;
  const candidates = kubeconfigFiles(opts.kubeconfig, env);
  const exportHint = `run \`kops-ts export kubeconfig ${opts.clusterName} --admin\` to write a context for the cluster, or pass --kubeconfig`;
  if (opts.kubeconfig && !existsSync(opts.kubeconfig)) {
    throw new KopsError('KubeconfigNotFound', `kubeconfig ${opts.kubeconfig} (--kubeconfig) does not exist`, { hint: exportHint });
  }
  const files = candidates.filter((f) => existsSync(f));
  if (files.length === 0) {
    const where = env['KUBECONFIG'] ? `none of the files in KUBECONFIG (${candidates.join(delimiter)}) exists` : `${candidates[0] ?? '~/.kube/config'} does not exist`;
    throw new KopsError('KubeconfigNotFound', `no kubeconfig: ${where}`, { hint: exportHint });
  }
  const kc = new k8s.KubeConfig();
  // kubectl's merge: the first file to define a name wins, so later files are merged first.
  for (const f of [...files].reverse()) {
    const one = new k8s.KubeConfig();
    try {
      one.loadFromFile(f);
    } catch (e) {
      throw new KopsError('KubeconfigInvalid', `kubeconfig ${f} cannot be read: ${(e as Error).message.split('\n')[0]}`, {
        cause: e,
        hint: 'fix or remove the file (it must be a kubeconfig: apiVersion v1, kind Config), or pass --kubeconfig',
      });
    }
    mergeInto(kc, one);
  }
  const ctx = kc.getContextObject(opts.clusterName);
  if (!ctx) {
    const have = kc.getContexts().map((c) => c.name);
    throw new KopsError('KubeContextNotFound', `context ${JSON.stringify(opts.clusterName)} not found in kubeconfig ${files.join(delimiter)} (contexts: ${have.length ? have.join(', ') : 'none'})`, { hint: exportHint });
  }
  if (!kc.getCluster(ctx.cluster)) {
    throw new KopsError('KubeContextInvalid', `context ${JSON.stringify(opts.clusterName)} in kubeconfig ${files.join(delimiter)} names cluster ${JSON.stringify(ctx.cluster)}, which the kubeconfig does not define`, { hint: exportHint });
  }
  kc.setCurrentContext(opts.clusterName);
  return { kc, files };
}

function mergeInto(kc: k8s.KubeConfig, earlier: k8s.KubeConfig): void {
  const byName = <T extends { name: string }>(a: readonly T[], b: readonly T[]): T[] => {
    const m = new Map<string, T>();
    for (const x of a) m.set(x.name, x);
    for (const x of b) m.set(x.name, x);
    return [...m.values()];
  };
  kc.loadFromOptions({
    clusters: byName(kc.getClusters(), earlier.getClusters()),
    users: byName(kc.getUsers(), earlier.getUsers()),
    contexts: byName(kc.getContexts(), earlier.getContexts()),
    currentContext: earlier.getCurrentContext() || kc.getCurrentContext(),
  });
}

/** A client for the cluster's context. Does not contact the server (see `ping`). */
export function kubeClient(opts: KubeClientOptions): KubeClient {
  const { kc, files } = loadKubeConfig(opts);
  const server = kc.getCurrentCluster()?.server ?? '';
  const timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // The one place where a request reset before any answer is sent again (src/kube/resend.ts).
  const core = resending(kc.makeApiClient(k8s.CoreV1Api));
  const policy = resending(kc.makeApiClient(k8s.PolicyV1Api));
  const version = resending(kc.makeApiClient(k8s.VersionApi));
  const options = (signal?: AbortSignal, headers: Readonly<Record<string, string>> = {}): k8s.ConfigurationOptions => {
    // The object-style API runs middleware as observable middleware (client-node's own Observable).
    const middleware: k8s.ObservableMiddleware = {
      pre: (req) => {
        const bound = AbortSignal.timeout(timeoutMs);
        req.setSignal(signal ? AbortSignal.any([signal, bound]) : bound);
        for (const [k, v] of Object.entries(headers)) req.setHeaderParam(k, v);
        return new k8s.Observable(Promise.resolve(req));
      },
      post: (res) => new k8s.Observable(Promise.resolve(res)),
    };
    return { middleware: [middleware], middlewareMergeStrategy: 'append' };
  };
  const client: KubeClient = {
    clusterName: opts.clusterName,
    context: opts.clusterName,
    server,
    files,
    core,
    policy,
    options,
    async ping(signal) {
      try {
        await version.getCode({}, options(signal));
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        throw translate(client, 'reaching the Kubernetes API', e);
      }
    },
  };
  return client;
}

/** Items per page of a list (kops's pager uses 500). */
export const LIST_PAGE_SIZE = 500;

/** Every item of a paged list: `page(limit, continueToken)` until the server sends no continue token. */
export async function listAll<T>(page: (limit: number, cont: string | undefined) => Promise<{ items: T[]; metadata?: { _continue?: string } }>): Promise<T[]> {
  const out: T[] = [];
  let cont: string | undefined;
  do {
    const p = await page(LIST_PAGE_SIZE, cont);
    out.push(...p.items);
    cont = p.metadata?._continue || undefined;
  } while (cont);
  return out;
}
