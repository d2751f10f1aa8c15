/**
 * Rotating the cluster's bootstrap token (`kops-ts rotate bootstrap-token`, docs/bootstrap.md "The
 * bootstrap token"), in the one order that never leaves the store naming a token the cluster does
 * not know:
 *
 *  1. a new token in kubeadm's format (src/secrets/generate.ts);
 *  2. registered in the running cluster (a `bootstrap-token-<id>` Secret, src/kube/bootstrap-tokens.ts);
 *  3. written to the store: `secrets/bootstrap-token` conditional on the version read, then every
 *     join or init configuration under `igconfig/` that carries an old kops-ts token, each
 *     conditional on its version;
 *  4. the old tokens' Secrets deleted: the one the store named, and every other token kops-ts
 *     registered (its description) except the new one. Tokens a person made are never touched.
 *
 * Re-running after a stop anywhere converges: a token registered by a run that stopped before 3 is
 * one of "every other kops-ts token" and goes at the next run's step 4; a join file a run did not
 * reach still carries a token that is registered (none is deleted before every file is written),
 * and the next run recognises it by its value, read from the cluster. The caller holds the
 * cluster lock. The library prints nothing: `progress` says each step (token ids only, which are
 * public).
 */
import { KopsError, ExitCode } from '../diagnostics.js';
import { KUBEADM_INIT_FILE, KUBEADM_JOIN_FILE } from '../bootstrap/cloud-bootstrap.js';
import type { BootstrapTokenApi, RegisteredToken } from '../kube/bootstrap-tokens.js';
import { BOOTSTRAP_TOKEN_FORMAT, BOOTSTRAP_TOKEN_SECRET, generateBootstrapToken } from '../secrets/generate.js';
import { readSecret, secretPath, writeSecret } from '../secrets/store.js';
import type { StateStore } from '../statestore/types.js';

export type RotationProgress =
  | { readonly step: 'registered'; readonly id: string }
  | { readonly step: 'stored'; readonly id: string; readonly files: readonly string[] }
  | { readonly step: 'deleted'; readonly id: string; readonly absent: boolean };

export interface RotationOptions {
  readonly store: StateStore;
  readonly cluster: string;
  readonly api: BootstrapTokenApi;
  /** Stops before the next step starts (a step under way finishes). */
  readonly signal?: AbortSignal;
  readonly progress?: (p: RotationProgress) => void;
  /** The new token (default: kubeadm's format from the CSPRNG); tests pass their own. */
  readonly generate?: () => string;
}

/** What a rotation would do now, read without changing anything. */
export interface RotationPlan {
  readonly cluster: string;
  /** The id of the token the store names. */
  readonly currentId: string;
  /** Whether the cluster knows the store's token. */
  readonly currentRegistered: boolean;
  /** The join files that carry an old kops-ts token (store paths). */
  readonly files: readonly string[];
  /** Ids of the tokens step 4 deletes (the store's and every other kops-ts one). */
  readonly toDelete: readonly string[];
  /** Ids of registered tokens kops-ts did not make: kept. */
  readonly kept: readonly string[];
}

export interface RotationResult extends RotationPlan {
  readonly newId: string;
  /** Ids whose Secret was deleted (or already gone). */
  readonly deleted: readonly string[];
}

/** Where the stop came: `registered` (step 2 done), `stored` (step 3 done). */
export class RotationStopped extends KopsError {
  constructor(
    readonly cluster: string,
    readonly reached: 'nothing' | 'registered' | 'stored',
  ) {
    const done = {
      nothing: 'nothing was changed',
      registered: 'a new token was registered in the cluster; the store still names the old one, which still works',
      stored: 'the new token is registered and in the store and join files; the old token is still registered',
    }[reached];
    super('Interrupted', `rotate bootstrap-token stopped: ${done}`, { hint: 'a re-run finishes the rotation', exitCode: ExitCode.INTERRUPTED });
    this.name = 'RotationStopped';
  }
}

interface Read {
  readonly plan: RotationPlan;
  readonly version: string;
  readonly registered: readonly RegisteredToken[];
  /** The values of the old kops-ts tokens (the store's and registered ones): the join files' candidates. */
  readonly oldTokens: readonly string[];
}

async function readState(store: StateStore, cluster: string, api: BootstrapTokenApi, signal?: AbortSignal): Promise<Read> {
  const stored = await readSecret(store, cluster, BOOTSTRAP_TOKEN_SECRET);
  const where = secretPath(cluster, BOOTSTRAP_TOKEN_SECRET);
  if (!stored) {
    throw new KopsError('NoBootstrapToken', `${where} does not exist: the cluster has no bootstrap token to rotate`, {
      hint: `kops-ts update cluster --name ${cluster} --yes creates it with the cluster's join files`,
    });
  }
  const current = new TextDecoder().decode(stored.data);
  if (!BOOTSTRAP_TOKEN_FORMAT.test(current)) {
    // A secret: say what is wrong, never what is there.
    throw new KopsError('InvalidSecret', `${where} is not a kubeadm bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})`, {
      hint: `delete it from the state store so that kops-ts update cluster --name ${cluster} --yes creates a new one`,
    });
  }
  const currentId = current.slice(0, 6);
  // The first request to the cluster: when it cannot be reached, nothing has been written.
  let registered: RegisteredToken[];
  try {
    registered = await api.list(signal);
  } catch (e) {
    if (!KopsError.is(e)) throw e;
    // Said here because it is true only here: nothing has been written yet.
    const hint = e.diagnostics[0]?.hint;
    throw new KopsError(e.code, `${e.message}; nothing was changed (the cluster must know a new token before the store names it)`, { cause: e, ...(hint ? { hint } : {}) });
  }
  const oldTokens = [...new Set([current, ...registered.filter((t) => t.kopsTs && t.token).map((t) => t.token!)])];
  const files = await filesCarrying(store, cluster, oldTokens);
  const toDelete = registered.filter((t) => t.id === currentId || t.kopsTs).map((t) => t.id);
  const kept = registered.filter((t) => !toDelete.includes(t.id)).map((t) => t.id);
  return {
    plan: { cluster, currentId, currentRegistered: registered.some((t) => t.id === currentId), files: files.map((f) => f.path), toDelete: [...new Set(toDelete)].sort(), kept: kept.sort() },
    version: stored.version,
    registered,
    oldTokens,
  };
}

interface CarryingFile {
  readonly path: string;
  readonly content: string;
  readonly version: string;
}

/** The files that carry the token (src/bootstrap/kubeadm.ts): every group's join configuration, the first control plane's init one. */
const TOKEN_FILES = new Set([KUBEADM_JOIN_FILE, KUBEADM_INIT_FILE]);

/**
 * The join and init configurations under the cluster's `igconfig/` that hold one of `tokens`
 * (only those are read: a control plane's folder also holds the CAs' keys).
 */
async function filesCarrying(store: StateStore, cluster: string, tokens: readonly string[]): Promise<CarryingFile[]> {
  const out: CarryingFile[] = [];
  const paths = (await store.list(`${cluster}/igconfig/`)).filter((p) => TOKEN_FILES.has(p.slice(p.lastIndexOf('/') + 1)));
  for (const path of paths.sort()) {
    const obj = await store.read(path);
    if (!obj) continue;
    const content = Buffer.from(obj.data).toString('utf8');
    if (tokens.some((t) => content.includes(t))) out.push({ path, content, version: obj.version });
  }
  return out;
}

/** What `rotateBootstrapToken` would do, changing nothing. */
export async function planRotation(o: Pick<RotationOptions, 'store' | 'cluster' | 'api' | 'signal'>): Promise<RotationPlan> {
  return (await readState(o.store, o.cluster, o.api, o.signal)).plan;
}

/** The rotation, steps 1 to 4 (see the file's comment). The caller holds the cluster lock. */
export async function rotateBootstrapToken(o: RotationOptions): Promise<RotationResult> {
  const { store, cluster, api, signal } = o;
  const stop = (reached: RotationStopped['reached']) => {
    if (signal?.aborted) throw new RotationStopped(cluster, reached);
  };
  const read = await readState(store, cluster, api, signal);
  stop('nothing');
  // 1 and 2: a token whose id no registered token has (36^6 ids: a clash is rare, but kubeadm's own ids are random too).
  const taken = new Set(read.registered.map((t) => t.id));
  let token: string | undefined;
  for (let attempt = 0; attempt < 3 && !token; attempt++) {
    const candidate = (o.generate ?? generateBootstrapToken)();
    if (!BOOTSTRAP_TOKEN_FORMAT.test(candidate)) throw new Error('rotateBootstrapToken: the generated token is not in kubeadm\'s format');
    if (taken.has(candidate.slice(0, 6))) continue;
    if ((await api.create(candidate)) === 'created') token = candidate;
    else taken.add(candidate.slice(0, 6));
  }
  if (!token) throw new KopsError('BootstrapTokenClash', 'three new bootstrap token ids in a row were already registered in the cluster', { hint: 're-run the command' });
  const newId = token.slice(0, 6);
  o.progress?.({ step: 'registered', id: newId });
  stop('registered');

  // 3: the store names the new token, then every join file carries it. No file depends on another.
  await writeSecret(store, cluster, BOOTSTRAP_TOKEN_SECRET, token, { ifVersion: read.version });
  const files = await filesCarrying(store, cluster, read.oldTokens);
  for (const f of files) {
    let content = f.content;
    for (const old of read.oldTokens) content = content.split(old).join(token);
    await store.write(f.path, content, { ifVersion: f.version });
  }
  o.progress?.({ step: 'stored', id: newId, files: files.map((f) => f.path) });
  stop('stored');

  // 4: only now may the old tokens go; never the new one, which the store names.
  const deleted: string[] = [];
  for (const id of read.plan.toDelete) {
    if (id === newId) continue;
    const r = await api.delete(id);
    deleted.push(id);
    o.progress?.({ step: 'deleted', id, absent: r === 'absent' });
  }
  return { ...read.plan, files: files.map((f) => f.path), newId, deleted };
}
