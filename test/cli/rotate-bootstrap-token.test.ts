/**
 * `kops-ts rotate bootstrap-token` on a cluster created and applied (`update --yes`) on the AWS
 * emulator, with a fake Kubernetes API in which kubeadm init registered the store's token (as the
 * first control plane does from its kubeadm-init.yaml) and a person registered another one:
 *  - the preview says what would happen and changes nothing;
 *  - with the API unreachable, nothing is written to the store and the error names the API;
 *  - the rotation registers the new token as kubeadm would, the store and every join file carry
 *    it, the old Secret is gone, the person's token is kept, and a following `update --yes`
 *    rewrites no join file (the rotated files are what update would write);
 *  - SIGINT once the new token is being registered: exit 130, the store untouched, the lock
 *    released, and the command the error names finishes the rotation;
 *  - no output carries a token's secret part.
 */
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOTSTRAP_TOKEN_DESCRIPTION } from '../../src/secrets/generate.js';
import { clearSecretValues } from '../../src/secrets/redact.js';
import { readSecret } from '../../src/secrets/store.js';
import { openStateStore } from '../../src/statestore/open.js';
import { FakeKubeApiServer, ec2InstanceSource } from '../fakes/kube-apiserver.js';
import { testAws } from '../helpers/aws.js';
import { writeScratchKubeconfig } from '../helpers/kubeconfig.js';
import { operatorEnv } from '../helpers/operator-env.js';
import type { SignalSource } from '../../src/cli/io.js';
import { KEY, cli, snapshot, tempStore, type CliResult } from './harness.js';

const NAME = 'rotate-token.example.com';
const HAND = 'hand01.handmade00000000';
let env: Record<string, string>;
let store: { dir: string; url: string };
let kube: FakeKubeApiServer;
let first: string;
const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

async function storeToken(): Promise<string> {
  return new TextDecoder().decode((await readSecret(openStateStore(store.url), NAME, 'bootstrap-token'))!.data);
}

/** The join and init files of every group, by store path. */
function igconfig(): Record<string, string> {
  const all = snapshot(store.dir);
  return Object.fromEntries(Object.entries(all).filter(([p]) => p.includes('/igconfig/') && /kubeadm-(join|init)\.yaml$/.test(p)).map(([p, v]) => [p, Buffer.from(v, 'base64').toString('utf8')]));
}


/** A fresh process's redaction registry, so the checks see what a user would. */
async function run(args: string[]): Promise<CliResult> {
  clearSecretValues();
  return cli(['--state', store.url, ...args], { env });
}

function noSecretPart(r: CliResult, ...tokens: string[]): void {
  for (const t of tokens) {
    const secret = t.split('.')[1]!;
    expect(r.stdout + r.stderr, 'a token secret was printed').not.toContain(secret);
  }
}

beforeAll(async () => {
  const aws = testAws();
  env = await operatorEnv(aws);
  store = tempStore();
  const create = await cli(['--state', store.url, 'create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--node-count', '1', '--ssh-public-key', KEY], { env });
  expect(create.code, create.stderr).toBe(0);
  const update = await cli(['--state', store.url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
  expect(update.code, update.stderr).toBe(0);
  kube = await FakeKubeApiServer.start({ instances: ec2InstanceSource(aws.clients.ec2) });
  env.KUBECONFIG = writeScratchKubeconfig(kube.kubeconfig(NAME));
  first = await storeToken();
  kube.secrets.registerBootstrapToken(first, BOOTSTRAP_TOKEN_DESCRIPTION);
  kube.secrets.registerBootstrapToken(HAND, 'made by hand');
}, 240_000);

afterAll(async () => {
  await kube?.close();
});

describe('rotate bootstrap-token', () => {
  it('without --yes: says what would happen (ids only) and changes nothing', async () => {
    const before = snapshot(store.dir);
    const files = Object.keys(igconfig());
    expect(files.length).toBeGreaterThanOrEqual(2);
    const r = await run(['rotate', 'bootstrap-token', '--name', NAME]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`token id ${first.slice(0, 6)}`);
    expect(r.stdout).toContain(`deleted from the cluster: bootstrap-token-${first.slice(0, 6)}`);
    expect(r.stdout).toContain('Kept (not made by kops-ts): bootstrap-token-hand01');
    for (const f of files) expect(r.stdout).toContain(f);
    expect(r.stdout).toContain('Must specify --yes');
    noSecretPart(r, first, HAND);
    expect(snapshot(store.dir)).toEqual(before);
    expect([...kube.secrets.items.keys()].sort()).toEqual([`kube-system/bootstrap-token-${first.slice(0, 6)}`, 'kube-system/bootstrap-token-hand01'].sort());
    expect(kube.requests.some((q) => q.method !== 'GET')).toBe(false);
  });

  it('with the API unreachable: a clear error and nothing written to the store', async () => {
    const before = snapshot(store.dir);
    kube.unreachable = true;
    try {
      const r = await run(['rotate', 'bootstrap-token', '--name', NAME, '--yes']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('cannot reach the Kubernetes API');
      expect(r.stderr).toContain('nothing was changed');
      noSecretPart(r, first);
    } finally {
      kube.unreachable = false;
    }
    expect(snapshot(store.dir)).toEqual(before);
    expect(kube.secrets.items.size).toBe(2);
  });

  it('with --yes: registers the new token as kubeadm does, writes it to the store and every join file, deletes the old one, keeps the person\'s', async () => {
    const files = Object.keys(igconfig());
    const r = await run(['rotate', 'bootstrap-token', '--name', NAME, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const next = await storeToken();
    expect(next).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(next).not.toBe(first);
    const [id, secret] = next.split('.') as [string, string];
    expect([...kube.secrets.items.keys()].sort()).toEqual([`kube-system/bootstrap-token-${id}`, 'kube-system/bootstrap-token-hand01'].sort());
    const s = kube.secrets.items.get(`kube-system/bootstrap-token-${id}`)!;
    expect(s['type']).toBe('bootstrap.kubernetes.io/token');
    const data = s['data'] as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(['auth-extra-groups', 'description', 'token-id', 'token-secret', 'usage-bootstrap-authentication', 'usage-bootstrap-signing']);
    expect(unb64(data['token-id'])).toBe(id);
    expect(unb64(data['token-secret'])).toBe(secret);
    expect(unb64(data['auth-extra-groups'])).toBe('system:bootstrappers:kubeadm:default-node-token');
    expect(unb64(data['usage-bootstrap-authentication'])).toBe('true');
    expect(unb64(data['usage-bootstrap-signing'])).toBe('true');
    expect(unb64(data['description'])).toBe(BOOTSTRAP_TOKEN_DESCRIPTION);
    // Every join file carries the new token and none the old; no file anywhere in the store keeps the old.
    const after = igconfig();
    expect(Object.keys(after)).toEqual(files);
    for (const [p, text] of Object.entries(after)) {
      expect(text, p).toContain(next);
      expect(text, p).not.toContain(first);
    }
    for (const [p, v] of Object.entries(snapshot(store.dir))) expect(Buffer.from(v, 'base64').toString('utf8'), p).not.toContain(first);
    // Steps in order: registered before the store was written, deleted after.
    const mutations = kube.requests.filter((q) => q.method !== 'GET').map((q) => `${q.method} ${q.path.split('?')[0]}`);
    expect(mutations).toEqual(['POST /api/v1/namespaces/kube-system/secrets', `DELETE /api/v1/namespaces/kube-system/secrets/bootstrap-token-${first.slice(0, 6)}`]);
    expect(r.stdout).toContain(`bootstrap-token-${id} replaces`);
    noSecretPart(r, first, next, HAND);
    // The lock is released.
    expect(Object.keys(snapshot(store.dir)).some((p) => p.endsWith('.lock') || p.includes('/lock'))).toBe(false);
  });

  it('a following update --yes rewrites no join file: the rotated files are what update writes; no instance needs an update', async () => {
    const before = igconfig();
    const r = await cli(['--state', store.url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(igconfig()).toEqual(before);
    // The token is not in the control planes' cluster configuration digest (kubeadm-upload.ts): nothing rolls.
    const init = Object.entries(before).find(([p]) => p.endsWith('/kubeadm-init.yaml'))![1];
    expect(init.split('\n')[0]).toMatch(/^# kops-ts cluster configuration [0-9a-f]{16}$/);
    const got = await cli(['--state', store.url, '--name', NAME, 'get', 'instances', '-o', 'json'], { env });
    expect(got.code, got.stderr).toBe(0);
    const rows = JSON.parse(got.stdout) as { instanceGroup: string; status: string }[];
    expect(rows.some((x) => x.instanceGroup.startsWith('control-plane'))).toBe(true);
    expect(rows.filter((x) => x.status !== 'UpToDate')).toEqual([]);
  }, 240_000);

  it('SIGINT while the new token is registered: exit 130 before the store is written, the lock released; the named command finishes', async () => {
    const current = await storeToken();
    let handler: ((sig: 'SIGINT' | 'SIGTERM') => void) | undefined;
    const signals: SignalSource = { listen: (h) => ((handler = h), () => (handler = undefined)), exit: () => undefined };
    kube.onRequest = (q) => {
      if (q.method === 'POST') handler?.('SIGINT');
    };
    clearSecretValues();
    let r: CliResult;
    try {
      r = await cli(['--state', store.url, 'rotate', 'bootstrap-token', '--name', NAME, '--yes'], { env, signals });
    } finally {
      kube.onRequest = undefined;
    }
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('Stopping on SIGINT');
    expect(r.stderr).toContain('a new token was registered in the cluster; the store still names the old one');
    expect(r.stderr).toContain(`a re-run finishes it: kops-ts rotate bootstrap-token --name ${NAME} --state ${store.url} --yes`);
    noSecretPart(r, current);
    expect(await storeToken()).toBe(current);
    expect(Object.keys(snapshot(store.dir)).some((p) => p.endsWith(`${NAME}/lock`))).toBe(false);
    expect(kube.secrets.items.size).toBe(3);

    const again = await run(['rotate', 'bootstrap-token', '--name', NAME, '--yes']);
    expect(again.code, again.stderr).toBe(0);
    const last = await storeToken();
    expect([...kube.secrets.items.keys()].sort()).toEqual([`kube-system/bootstrap-token-${last.slice(0, 6)}`, 'kube-system/bootstrap-token-hand01'].sort());
    for (const [p, text] of Object.entries(igconfig())) expect(text, p).toContain(last);
  });

  it('a second SIGINT while the lock is held names the lock id and the --force-unlock line to finish with', async () => {
    let handler: ((sig: 'SIGINT' | 'SIGTERM') => void) | undefined;
    const exits: number[] = [];
    const signals: SignalSource = { listen: (h) => ((handler = h), () => (handler = undefined)), exit: (code) => void exits.push(code) };
    let lockId: string | undefined;
    kube.onRequest = (q) => {
      if (q.method !== 'POST' || lockId !== undefined) return;
      // Under the lock: the new token is being registered. Read the lock's id as the store holds it.
      lockId = (JSON.parse(readFileSync(join(store.dir, NAME, 'lock'), 'utf8')) as { id: string }).id;
      handler?.('SIGINT');
      handler?.('SIGINT');
    };
    clearSecretValues();
    let r: CliResult;
    try {
      r = await cli(['--state', store.url, 'rotate', 'bootstrap-token', '--name', NAME, '--yes'], { env, signals });
    } finally {
      kube.onRequest = undefined;
    }
    expect(exits).toEqual([130]);
    expect(lockId).toBeDefined();
    const line = r.stderr.split('\n').find((l) => l.startsWith('error: exiting at once on a second SIGINT'));
    expect(line).toContain(`the lock on cluster "${NAME}" (lock id ${lockId})`);
    expect(line).toContain(`finish with: kops-ts rotate bootstrap-token --name ${NAME} --state ${store.url} --force-unlock ${lockId} --yes`);
    // The run itself went on to its stop (the test's exit does not end the process): finish it.
    const again = await run(['rotate', 'bootstrap-token', '--name', NAME, '--yes']);
    expect(again.code, again.stderr).toBe(0);
  });

  it('a second SIGINT before the lock is taken names the same rotation: --state, then --kubeconfig', async () => {
    const current = await storeToken();
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kops-ts-rotate-')), "kube config's");
    copyFileSync(env.KUBECONFIG!, kubeconfig);
    const exits: number[] = [];
    // Both signals as the command starts listening: nothing is rotated, and the second one says how to finish.
    const signals: SignalSource = { listen: (h) => (h('SIGINT'), h('SIGINT'), () => undefined), exit: (code) => void exits.push(code) };
    clearSecretValues();
    const r = await cli(['--state', store.url, 'rotate', 'bootstrap-token', '--name', NAME, '--kubeconfig', kubeconfig, '--yes'], { env, signals });
    expect(exits).toEqual([130]);
    expect(r.stderr).toContain(`finish with: kops-ts rotate bootstrap-token --name ${NAME} --state ${store.url} --kubeconfig '${kubeconfig.replace(/'/g, `'\\''`)}' --yes\n`);
    expect(await storeToken()).toBe(current);
  });
});
