/**
 * Reliability, `kops-ts rotate bootstrap-token --yes` killed with SIGKILL at each of its mutating
 * calls: the real binary in a child process, on a cluster created and applied on the AWS emulator
 * with an s3:// state store, and a fake Kubernetes API where kubeadm init registered the store's
 * token and a person another one. The kill points are the rotation's own calls, in one count:
 * the new token's Secret (POST, seen by the fake API's `onRequest` hook), the store's secret and
 * each join/init file (S3 PUTs, seen by a fault proxy in front of the emulator), the old token's
 * Secret (DELETE). `before`: the call never happens (the fake API drops it unanswered, the proxy
 * never forwards it); `after`: it happened, the process never learned its result. The lock's own
 * writes are not kill points (crash-update.test.ts and the lock's tests cover them).
 *
 * A SIGKILLed run leaves the cluster lock in the store (no handler runs). Then, as a user meets it:
 *  - the store and every join file still name a registered token; the person's token is there;
 *  - the next `rotate bootstrap-token --yes` and `update cluster --yes` refuse with ClusterLocked,
 *    naming the lock's holder and the exact `--force-unlock <id>` of the lock in the store;
 *  - `rotate bootstrap-token --force-unlock <id> --yes` converges: the store and every join file
 *    carry one token, registered; no other kops-ts token is left; the person's is kept; the lock
 *    is free; after the kill at the first join file (the store's secret new, the files mixed), a
 *    following `update cluster --yes` rewrites no join file.
 * Only the killed run is a child process; the refused runs and the `--force-unlock` run are the
 * same CLI entry point in this process (faster on a loaded machine; nothing of theirs is killed).
 */
import { CopyObjectCommand, CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOTSTRAP_TOKEN_DESCRIPTION } from '../../src/secrets/generate.js';
import { clearSecretValues } from '../../src/secrets/redact.js';
import { readSecret } from '../../src/secrets/store.js';
import { readClusterLock } from '../../src/statestore/lock.js';
import { openStateStore } from '../../src/statestore/open.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../fakes/aws-fault-proxy.js';
import { FakeKubeApiServer, ec2InstanceSource, type RecordedRequest } from '../fakes/kube-apiserver.js';
import { testAws, type TestAws } from '../helpers/aws.js';
import { writeScratchKubeconfig } from '../helpers/kubeconfig.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { KEY, cli, type CliResult } from '../cli/harness.js';
import { spawnBin } from './child.js';

const NAME = 'kill-rotate.example.com';
const HAND = 'hand01.handmade00000000';
const TOKEN = /[a-z0-9]{6}\.[a-z0-9]{16}/g;
type Mode = 'before' | 'after';

let aws: TestAws;
let kube: FakeKubeApiServer;
let proxy: FaultProxy;
/** The environment of the in-process CLI (the emulator directly) and of the child (through the proxy). */
let env: Record<string, string>;
let childEnv: Record<string, string>;
let base: string;
let first: string;
let cases = 0;

// ---------------------------------------------------------------------------------------------
// The kill points: one count over the fake API's and the proxy's view of the child's calls.

interface Armed {
  readonly k: number;
  readonly mode: Mode;
  child?: ChildProcess;
}
let armed: Armed | undefined;
let calls: string[] = [];
let killed = false;
let killAfter: ProxiedRequest | undefined;
let killAfterKube: RecordedRequest | undefined;

function kill(): void {
  killed = true;
  armed?.child?.kill('SIGKILL');
}

function arm(a: Armed | undefined): void {
  armed = a;
  calls = [];
  killed = false;
  killAfter = undefined;
  killAfterKube = undefined;
  kube.unreachable = false;
}

/** Counts a rotation call; true when it is the armed one. */
function counted(call: string): boolean {
  calls.push(call);
  return armed !== undefined && calls.length === armed.k;
}

function onKubeRequest(q: RecordedRequest): void {
  if (killed || q.method === 'GET' || !q.path.startsWith('/api/v1/namespaces/kube-system/secrets')) return;
  const path = q.path.split('?')[0]!;
  if (!counted(`${q.method} ${path}`)) return;
  // `before`: the request is dropped unanswered with no effect; `after`: the fake handles it and
  // the caller is killed once the effect is made (onKubeHandled), so it never reads the answer and
  // the test's checks, which start when the child is dead, see the effect.
  if (armed!.mode === 'before') {
    kill();
    kube.unreachable = true;
  } else {
    killAfterKube = q;
  }
}

function onKubeHandled(q: RecordedRequest): void {
  if (q === killAfterKube) kill();
}

function beforeForward(r: ProxiedRequest): 'drop' | undefined {
  if (killed) return 'drop';
  if (r.service !== 's3' || r.method === 'GET' || r.method === 'HEAD' || r.path.endsWith(`/${NAME}/lock`)) return undefined;
  if (!counted(`${r.method} ${r.path.replace(/^\/[^/]+\//, '')}`)) return undefined;
  if (armed!.mode === 'before') {
    kill();
    return 'drop';
  }
  killAfter = r;
  return undefined;
}

function afterResponse(r: ProxiedRequest): 'drop' | undefined {
  if (r === killAfter) kill();
  return killed ? 'drop' : undefined;
}

// ---------------------------------------------------------------------------------------------
// The cluster: its store, its registered tokens.


/** Registered tokens (`id.secret`), and the kops-ts ones among them. */
function registered(): { all: string[]; kopsTs: string[] } {
  const all: string[] = [];
  const kopsTs: string[] = [];
  for (const s of kube.secrets.items.values()) {
    const d = s['data'] as Record<string, string>;
    const t = `${Buffer.from(d['token-id']!, 'base64')}.${Buffer.from(d['token-secret']!, 'base64')}`;
    all.push(t);
    if (Buffer.from(d['description'] ?? '', 'base64').toString() === BOOTSTRAP_TOKEN_DESCRIPTION) kopsTs.push(t);
  }
  return { all: all.sort(), kopsTs };
}

type LockInfo = NonNullable<Awaited<ReturnType<typeof readClusterLock>>>;

const url = (bucket: string) => `s3://${bucket}`;

async function storeToken(bucket: string): Promise<string> {
  return new TextDecoder().decode((await readSecret(openStateStore(url(bucket)), NAME, 'bootstrap-token'))!.data);
}

/** The join and init files of every group, by store path. */
async function joinFiles(bucket: string): Promise<Record<string, string>> {
  const store = openStateStore(url(bucket));
  const out: Record<string, string> = {};
  for (const p of (await store.list(`${NAME}/igconfig/`)).filter((x) => /kubeadm-(join|init)\.yaml$/.test(x)).sort()) {
    out[p] = Buffer.from((await store.read(p))!.data).toString('utf8');
  }
  return out;
}

/** A fresh bucket holding the applied cluster's store, and the API as kubeadm init and a person left it. */
async function freshCase(): Promise<string> {
  const bucket = `kill-rotate-${aws.account}-${++cases}`;
  await aws.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  let token: string | undefined;
  do {
    const page = await aws.clients.s3.send(new ListObjectsV2Command({ Bucket: base, ContinuationToken: token }));
    for (const o of page.Contents ?? []) await aws.clients.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: o.Key!, CopySource: `${base}/${o.Key!}` }));
    token = page.NextContinuationToken;
  } while (token);
  kube.secrets.items.clear();
  kube.secrets.registerBootstrapToken(first, BOOTSTRAP_TOKEN_DESCRIPTION);
  kube.secrets.registerBootstrapToken(HAND, 'made by hand');
  return bucket;
}

const rotate = (bucket: string, extra: string[] = []) => spawnBin(['--state', url(bucket), 'rotate', 'bootstrap-token', '--name', NAME, '--yes', ...extra], childEnv);

/** The CLI in this process (its store and AWS calls go to the emulator directly, not through the counters). */
async function inProcess(bucket: string, args: string[]): Promise<CliResult> {
  clearSecretValues();
  return cli(['--state', url(bucket), ...args, '--name', NAME], { env });
}

/** The line a refusal prints for a held lock: the holder, the operation, the object, and the exact `--force-unlock <id>`. */
function lockedLine(bucket: string, lock: LockInfo): string {
  return (
    `error: cluster "${NAME}" is locked by ${lock.holder} for "${lock.operation}" since ${lock.acquired} until ${lock.expires} (lock id ${lock.id}) (${url(bucket)}/${NAME}/lock): ` +
    `wait for that run to finish; if it is gone, the lock expires at ${lock.expires}, or re-run with --force-unlock ${lock.id}`
  );
}

function noSecretPart(r: { stdout: string; stderr: string }, tokens: readonly string[]): void {
  for (const t of tokens) expect(r.stdout + r.stderr, 'a token secret was printed').not.toContain(t.split('.')[1]!);
}

/** The store and every join file name a registered token; the person's token is kept. */
async function safe(bucket: string): Promise<void> {
  const { all } = registered();
  expect(all, 'the store names a registered token').toContain(await storeToken(bucket));
  for (const [p, text] of Object.entries(await joinFiles(bucket))) for (const t of text.match(TOKEN) ?? []) expect(all, `${p} carries a registered token`).toContain(t);
  expect(all).toContain(HAND);
}

/** One kops-ts token, the store's, registered and in every join file (and no other token there); the person's kept; no lock. */
async function converged(bucket: string): Promise<string> {
  const t = await storeToken(bucket);
  expect(t).not.toBe(first);
  expect(registered().kopsTs).toEqual([t]);
  expect(registered().all).toEqual([t, HAND].sort());
  const files = await joinFiles(bucket);
  expect(Object.keys(files).length).toBeGreaterThanOrEqual(2);
  for (const [p, text] of Object.entries(files)) expect([...new Set(text.match(TOKEN))], p).toEqual([t]);
  expect(await readClusterLock(openStateStore(url(bucket)), NAME)).toBeUndefined();
  return t;
}

beforeAll(async () => {
  aws = testAws();
  env = await operatorEnv(aws);
  proxy = await startFaultProxy(aws.endpoint, {}, { beforeForward, afterResponse });
  base = `kill-rotate-${aws.account}-base`;
  await aws.clients.s3.send(new CreateBucketCommand({ Bucket: base }));
  const create = await cli(['--state', url(base), 'create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--node-count', '1', '--ssh-public-key', KEY], { env });
  expect(create.code, create.stderr).toBe(0);
  const update = await cli(['--state', url(base), 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
  expect(update.code, update.stderr).toBe(0);
  kube = await FakeKubeApiServer.start({ instances: ec2InstanceSource(aws.clients.ec2) });
  kube.onRequest = onKubeRequest;
  kube.onHandled = onKubeHandled;
  env.KUBECONFIG = writeScratchKubeconfig(kube.kubeconfig(NAME));
  childEnv = { ...env, AWS_ENDPOINT_URL: proxy.endpoint };
  first = await storeToken(base);
}, 240_000);

afterAll(async () => {
  await kube?.close();
  await proxy?.close();
});

describe('rotate bootstrap-token killed with SIGKILL at each mutating call, then --force-unlock', () => {
  /** The rotation's calls in a clean run: register, the secret, each join file, delete the old token. */
  let clean: string[] = [];

  it('a clean run through the same counters: its mutating calls, in order, are the kill points', async () => {
    const bucket = await freshCase();
    arm(undefined);
    const r = await rotate(bucket).done;
    expect(r.code, r.stderr).toBe(0);
    clean = calls;
    const files = Object.keys(await joinFiles(bucket));
    expect(clean).toEqual([
      'POST /api/v1/namespaces/kube-system/secrets',
      `PUT ${NAME}/secrets/bootstrap-token`,
      ...files.map((f) => `PUT ${f}`),
      `DELETE /api/v1/namespaces/kube-system/secrets/bootstrap-token-${first.slice(0, 6)}`,
    ]);
    await converged(bucket);
  });

  for (const mode of ['before', 'after'] as const) {
    it(`killed ${mode} each call: the lock refuses with its holder and id; --force-unlock <id> converges`, async () => {
      expect(clean.length).toBeGreaterThanOrEqual(5);
      const firstFile = clean.findIndex((c) => c.includes('/igconfig/')) + 1;
      for (let k = 1; k <= clean.length; k++) {
        const at = `k=${k} ${mode} ${clean[k - 1]}`;
        const bucket = await freshCase();
        const a: Armed = { k, mode };
        arm(a);
        const run = rotate(bucket);
        a.child = run.child;
        const dead = await run.done;
        expect(dead.signal, `${at}: ${dead.stderr}`).toBe('SIGKILL');
        expect(calls.slice(0, k), at).toEqual(clean.slice(0, k));
        arm(undefined);
        // `before` kept the k-th call from happening, `after` let it happen.
        const done = (i: number) => k > i || (k === i && mode === 'after');
        expect(registered().kopsTs.length, at).toBe(1 + Number(done(1)) - Number(done(clean.length)));
        expect((await storeToken(bucket)) !== first, `${at}: the store's secret written`).toBe(done(2));
        await safe(bucket);

        const lock = await readClusterLock(openStateStore(url(bucket)), NAME);
        expect(lock, `${at}: a killed run leaves its lock`).toBeDefined();
        expect(lock!.operation).toBe('rotate bootstrap-token');
        const tokensBefore = registered().all;
        const storeBefore = await storeToken(bucket);
        const refused = await inProcess(bucket, ['rotate', 'bootstrap-token', '--yes']);
        expect(refused.code, at).toBe(1);
        expect(lock!.holder, at).toMatch(/ pid \d+$/);
        expect(refused.stderr.split('\n'), at).toContain(lockedLine(bucket, lock!));
        const update = await inProcess(bucket, ['update', 'cluster', '--yes', '--create-kube-config=false']);
        expect(update.code, at).toBe(1);
        expect(update.stderr.split('\n'), at).toContain(lockedLine(bucket, lock!));
        expect(await readClusterLock(openStateStore(url(bucket)), NAME), `${at}: the refused runs left the lock as it was`).toEqual(lock);
        expect(await storeToken(bucket)).toBe(storeBefore);
        expect(registered().all).toEqual(tokensBefore);
        expect(calls, `${at}: the refused runs made no Kubernetes call that mutates`).toEqual([]);
        noSecretPart(refused, registered().all);

        const id = /--force-unlock (\S+)/.exec(refused.stderr)![1]!;
        const again = await inProcess(bucket, ['rotate', 'bootstrap-token', '--force-unlock', id, '--yes']);
        expect(again.code, `${at}: ${again.stderr}`).toBe(0);
        noSecretPart(again, registered().all);
        await converged(bucket);
        if (k === firstFile) {
          // What update writes: the rotated join files are already it.
          const files = await joinFiles(bucket);
          const u = await inProcess(bucket, ['update', 'cluster', '--yes', '--create-kube-config=false']);
          expect(u.code, `${at}: ${u.stderr}`).toBe(0);
          expect(await joinFiles(bucket), `${at}: update rewrote a join file`).toEqual(files);
        }
      }
      console.info(`kill-rotate-token: ${clean.length} mutating calls; killed ${mode} each, refused, force-unlocked, converged`);
    }, 300_000);
  }
});
