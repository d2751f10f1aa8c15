/**
 * Reliability, crash at every step of the bootstrap-token rotation (src/cloudup/rotate-bootstrap-token.ts):
 * the run is stopped at its k-th mutating call, to the Kubernetes API (register, delete) or to the
 * state store (the secret, each join file), either `before` (the call never happens) or `after`
 * (it happened and the run never saw the answer), as the kill proxy of crash-update.test.ts does
 * for AWS calls. In process: the stop is an exception where the call would be. Then:
 *  - at every point, before the rerun, the store names a token the cluster knows, and so does
 *    every join file (instances launched then can join); the token a person made is still there;
 *  - a rerun converges: store and every join file carry one token, registered; no other kops-ts
 *    token is left; the person's token is kept.
 * A SIGINT between the steps (the run's AbortSignal) is the same: a rerun finishes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rotateBootstrapToken, RotationStopped } from '../../src/cloudup/rotate-bootstrap-token.js';
import { bootstrapTokenApi, type BootstrapTokenApi } from '../../src/kube/bootstrap-tokens.js';
import { BOOTSTRAP_TOKEN_DESCRIPTION } from '../../src/secrets/generate.js';
import { readSecret, writeSecret } from '../../src/secrets/store.js';
import { MemoryStateStore } from '../../src/statestore/memory.js';
import type { StateStore } from '../../src/statestore/types.js';
import { rejectionOf } from '../helpers/errors.js';
import { startKube, type KubeFixture } from '../kube/kube-setup.js';

const C = 'rotate.example.com';
const OLD = 'abcdef.0123456789abcdef';
const HAND = 'zzzzzz.handmade00000000';
const JOIN = `${C}/igconfig/node/nodes-a/kubeadm-join.yaml`;
const JOIN_B = `${C}/igconfig/node/nodes-b/kubeadm-join.yaml`;
const INIT = `${C}/igconfig/control-plane/control-plane-a/kubeadm-init.yaml`;
const ENV = `${C}/igconfig/node/nodes-a/bootstrap.env`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

let fx: KubeFixture;
let store: MemoryStateStore;
let n = 0;
afterEach(async () => fx?.fake.close());

/** The cluster as kubeadm init left it: its token with kops-ts's description, and one a person made. */
async function seed(): Promise<void> {
  fx = await startKube();
  store = new MemoryStateStore(`rotate-${n++}`);
  await writeSecret(store, C, 'bootstrap-token', OLD, { ifAbsent: true });
  await store.write(JOIN, `discovery:\n  bootstrapToken:\n    token: ${OLD}\n`, { ifAbsent: true });
  await store.write(JOIN_B, `discovery:\n  bootstrapToken:\n    token: ${OLD}\n`, { ifAbsent: true });
  await store.write(INIT, `bootstrapTokens:\n  - token: ${OLD}\n    ttl: 0s\n---\ndiscovery:\n  bootstrapToken:\n    token: ${OLD}\n`, { ifAbsent: true });
  await store.write(ENV, 'CNI=cilium\n', { ifAbsent: true });
  for (const [token, description] of [[OLD, BOOTSTRAP_TOKEN_DESCRIPTION], [HAND, 'made by hand with kubeadm token create']] as const) {
    const [id, secret] = token.split('.') as [string, string];
    await fx.client.core.createNamespacedSecret({
      namespace: 'kube-system',
      body: { metadata: { name: `bootstrap-token-${id}` }, type: 'bootstrap.kubernetes.io/token', data: { 'token-id': b64(id), 'token-secret': b64(secret), description: b64(description), 'usage-bootstrap-authentication': b64('true') } },
    });
  }
}

/** Registered tokens (`id.secret`) and the kops-ts ones among them. */
function registered(): { all: string[]; kopsTs: string[] } {
  const all: string[] = [];
  const kopsTs: string[] = [];
  for (const s of fx.fake.secrets.items.values()) {
    const d = s['data'] as Record<string, string>;
    const t = `${Buffer.from(d['token-id']!, 'base64')}.${Buffer.from(d['token-secret']!, 'base64')}`;
    all.push(t);
    if (Buffer.from(d['description'] ?? '', 'base64').toString() === BOOTSTRAP_TOKEN_DESCRIPTION) kopsTs.push(t);
  }
  return { all, kopsTs };
}

async function storeToken(): Promise<string> {
  return new TextDecoder().decode((await readSecret(store, C, 'bootstrap-token'))!.data);
}

/** Every token a join file carries. */
async function fileTokens(): Promise<string[]> {
  const out: string[] = [];
  for (const p of [JOIN, JOIN_B, INIT]) out.push(...[...Buffer.from((await store.read(p))!.data).toString().matchAll(/token: (\S+)/g)].map((m) => m[1]!));
  return out;
}

/** What must hold at every moment: the store's and the files' tokens are registered; the person's token is kept. */
async function safe(): Promise<void> {
  const { all } = registered();
  expect(all, 'the store names a registered token').toContain(await storeToken());
  for (const t of await fileTokens()) expect(all, 'every join file carries a registered token').toContain(t);
  expect(all).toContain(HAND);
  expect(Buffer.from((await store.read(ENV))!.data).toString()).toBe('CNI=cilium\n');
}

/** Converged: one kops-ts token, the store's, in every join file; the person's kept. */
async function converged(): Promise<void> {
  const t = await storeToken();
  expect(t).not.toBe(OLD);
  expect(registered().kopsTs).toEqual([t]);
  expect(registered().all.sort()).toEqual([t, HAND].sort());
  expect(await fileTokens()).toEqual([t, t, t, t]);
}

type Mode = 'before' | 'after';

/** The store and the API with their mutating calls counted; the k-th one stops the run (`before` or `after` it). */
function crashing(k: number | undefined, mode: Mode, onCall?: () => Promise<void>): { store: StateStore; api: BootstrapTokenApi; calls: () => number } {
  let calls = 0;
  const step = async <T>(f: () => Promise<T>): Promise<T> => {
    calls++;
    if (calls === k && mode === 'before') throw new Error(`crash before call ${k}`);
    const r = await f();
    await onCall?.();
    if (calls === k) throw new Error(`crash after call ${k}`);
    return r;
  };
  const api = bootstrapTokenApi(fx.client);
  return {
    calls: () => calls,
    api: { list: (s) => api.list(s), create: (t) => step(() => api.create(t)), delete: (id) => step(() => api.delete(id)) },
    store: { url: store.url, read: (p) => store.read(p), list: (p) => store.list(p), listSizes: (p) => store.listSizes(p), delete: (p, o) => step(() => store.delete(p, o)), write: (p, d, o) => step(() => store.write(p, d, o)) },
  };
}

describe('rotate bootstrap-token: a stop at every mutating call, then a rerun', () => {
  beforeEach(async () => seed());

  it('a run without a stop: safe after each of its calls, then converged (register, secret, 3 join files, delete the old)', async () => {
    const w = crashing(undefined, 'after', safe);
    await rotateBootstrapToken({ store: w.store, cluster: C, api: w.api });
    expect(w.calls()).toBe(6);
    await converged();
  });

  for (const mode of ['before', 'after'] as const) {
    it(`stopped ${mode} each call k = 1..6: safe, and a rerun converges`, async () => {
      for (let k = 1; k <= 6; k++) {
        if (k > 1) await seed();
        const w = crashing(k, mode);
        expect(String(await rejectionOf(rotateBootstrapToken({ store: w.store, cluster: C, api: w.api })))).toContain(`crash ${mode} call ${k}`);
        await safe();
        await rotateBootstrapToken({ store, cluster: C, api: bootstrapTokenApi(fx.client) });
        await converged();
        await fx.fake.close();
      }
    }, 60_000);
  }

  it('after a stop between 2 and 3, reruns do not pile up tokens: each rerun deletes the tokens earlier runs registered', async () => {
    for (let i = 0; i < 3; i++) {
      const w = crashing(2, 'before');
      await rejectionOf(rotateBootstrapToken({ store: w.store, cluster: C, api: w.api }));
      expect(registered().kopsTs.length).toBe(2 + i);
    }
    await rotateBootstrapToken({ store, cluster: C, api: bootstrapTokenApi(fx.client) });
    await converged();
  });

  it('a SIGINT after the new token is registered stops before the store is written; a rerun finishes', async () => {
    const ctl = new AbortController();
    const e = await rejectionOf(
      rotateBootstrapToken({ store, cluster: C, api: bootstrapTokenApi(fx.client), signal: ctl.signal, progress: (p) => p.step === 'registered' && ctl.abort() }),
      RotationStopped,
    );
    expect(e.reached).toBe('registered');
    expect(await storeToken()).toBe(OLD);
    await safe();
    await rotateBootstrapToken({ store, cluster: C, api: bootstrapTokenApi(fx.client) });
    await converged();
  });

  it('a SIGINT after the store is written leaves the old token registered; a rerun finishes', async () => {
    const ctl = new AbortController();
    const e = await rejectionOf(
      rotateBootstrapToken({ store, cluster: C, api: bootstrapTokenApi(fx.client), signal: ctl.signal, progress: (p) => p.step === 'stored' && ctl.abort() }),
      RotationStopped,
    );
    expect(e.reached).toBe('stored');
    expect(registered().all).toContain(OLD);
    await safe();
    await rotateBootstrapToken({ store, cluster: C, api: bootstrapTokenApi(fx.client) });
    await converged();
  });
});
