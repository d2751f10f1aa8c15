/**
 * What the GCE instances may do in the gs:// state store, through the fake GCS's evaluator
 * (test/fakes/gcs-iam.ts): the grants the model builds (src/model/gce/bucket-grants.ts) are
 * written by `StorageBucketIAM` for two clusters sharing the bucket, and then the instances' own
 * programs run with each role's token from a fake metadata server: `gcsget.py` (every role's
 * boot reads) and the etcd backups' store helper (`put`, `list` of every generation, `delete` of
 * one generation). A node reads its cluster's `igconfig/node/` and nothing else; a control plane
 * reads its cluster, keeps its backups, and writes nothing outside them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GCS_FETCH_PY, GCS_STORE_PY } from '../../src/bootstrap/gce-helpers.js';
import { closeGceClients, gceClients, type GceClients } from '../../src/cloud/gce/clients.js';
import { gceBucketGrants } from '../../src/model/gce/bucket-grants.js';
import { newMemo } from '../../src/tasks/gce/context.js';
import { storageBucketIamKind } from '../../src/tasks/gce/storage-bucket-iam.js';
import type { GceStorageBucketIamDesired } from '../../src/tasks/gce/types.js';
import type { Task } from '../../src/tasks/types.js';
import { FakeGcs } from '../fakes/gcs.js';
import { converge } from '../tasks/gce/harness.js';

const BUCKET = 'shared-state';
const STATE = { bucket: BUCKET, prefix: 'clusters' };
const [A, B] = ['a.example.com', 'b.example.com'];
const member = (role: string, cluster: string) => `serviceAccount:${role}-${cluster.replace(/\./g, '-')}@p.iam.gserviceaccount.com`;
const TOKENS: Record<string, string> = { 'node-a': member('node', A), 'cp-a': member('control-plane', A), 'cp-b': member('control-plane', B) };

const dir = mkdtempSync(join(tmpdir(), 'kops-ts-gce-bucket-access-'));
const gcsget = join(dir, 'gcsget.py');
const store = join(dir, 'store.py');
writeFileSync(gcsget, GCS_FETCH_PY);
writeFileSync(store, GCS_STORE_PY);
// No requireAuth: the grants are written as the operator (no token); every program request is checked to carry its role's token.
const gcs = new FakeGcs();
let endpoint = '';
let metadata: Server;
let metadataUrl = '';
/** The token the metadata server hands out: the instance's role. */
let as = 'node-a';
let clients: GceClients | undefined;
let saved: string | undefined;

beforeAll(async () => {
  endpoint = await gcs.start();
  gcs.createBucket(BUCKET, { versioning: true });
  for (const [token, m] of Object.entries(TOKENS)) gcs.principals.set(token, m);
  metadata = createServer((req, res) => {
    if (req.headers['metadata-flavor'] === 'Google' && req.url === '/computeMetadata/v1/instance/service-accounts/default/token') {
      return void res.end(JSON.stringify({ access_token: as, expires_in: 3599, token_type: 'Bearer' }));
    }
    res.statusCode = 403;
    res.end();
  });
  await new Promise<void>((r) => metadata.listen(0, '127.0.0.1', () => r()));
  metadataUrl = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}`;
  // The grants, written as update writes them (through the fake's IAM API, as the operator: no principal).
  saved = process.env.STORAGE_EMULATOR_HOST;
  process.env.STORAGE_EMULATOR_HOST = endpoint;
  clients = await gceClients({ project: 'p', region: 'us-central1', endpoint: 'http://127.0.0.1:9' });
  const tasks: Task<GceStorageBucketIamDesired>[] = [];
  for (const cluster of [A, B]) {
    for (const role of ['control-plane', 'node', 'bastion'] as const) {
      for (const g of gceBucketGrants(role, STATE, cluster)) tasks.push({ kind: 'StorageBucketIAM', name: `${cluster}-${g.id}`, desired: { bucket: BUCKET, role: g.role, member: member(role, cluster), condition: g.condition } });
    }
  }
  const ctx = { clients, project: 'p', region: 'us-central1', clusterName: A, safeClusterName: 'a-example-com', once: newMemo(), wait: { backoffMs: 1 } };
  await converge(ctx, storageBucketIamKind, tasks);
  for (const cluster of [A, B]) {
    for (const k of ['igconfig/node/nodes/kubeadm-join.yaml', 'igconfig/control-plane/cp/kubeadm-join.yaml', 'pki/private/ca/keyset.yaml', 'secrets/admin', 'backups/etcd/main/2026-01-01T00:00:00Z-000001/etcd.backup.gz', 'config']) {
      gcs.put(BUCKET, `clusters/${cluster}/${k}`, `${cluster} ${k}`);
    }
  }
});
afterAll(async () => {
  // Every object request came from a program, with a role's token: all of them were evaluated.
  const objectRequests = gcs.requests.filter((q) => /\/o(\/|$)/.test(q.path));
  expect(objectRequests.length).toBeGreaterThan(10);
  expect(objectRequests.every((q) => Object.keys(TOKENS).some((t) => q.headers.authorization === `Bearer ${t}`))).toBe(true);
  if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST;
  else process.env.STORAGE_EMULATOR_HOST = saved;
  if (clients) await closeGceClients(clients);
  await new Promise<void>((r) => metadata.close(() => r()));
  await gcs.stop();
  rmSync(dir, { recursive: true, force: true });
});

function run(role: string, cmd: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  as = role;
  const env = { PATH: process.env.PATH ?? '', KOPS_TS_GCS_ENDPOINT: endpoint, KOPS_TS_GCE_METADATA: metadataUrl, KOPS_TS_ATTEMPTS: '2', KOPS_TS_INTERVAL: '0' };
  return new Promise((resolve) => {
    execFile('python3', cmd, { env, timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

/** `gcsget.py` as `role`: the object's text, or the exit code when refused. */
async function read(role: string, key: string): Promise<string | number> {
  const dest = join(dir, 'out');
  rmSync(dest, { force: true });
  const r = await run(role, [gcsget, BUCKET, key, dest]);
  return r.code === 0 ? readFileSync(dest, 'utf8') : r.code;
}

const denied = (role: string, method: string) => gcs.requests.filter((q) => q.method === method && q.headers.authorization === `Bearer ${role}`).length;

describe('the GCE instances in the shared gs:// state store', () => {
  it("a node reads its cluster's igconfig/node/ and nothing else: not the PKI, secrets, backups, control-plane files, or another cluster's", async () => {
    expect(await read('node-a', `clusters/${A}/igconfig/node/nodes/kubeadm-join.yaml`)).toBe(`${A} igconfig/node/nodes/kubeadm-join.yaml`);
    for (const k of [`clusters/${A}/pki/private/ca/keyset.yaml`, `clusters/${A}/secrets/admin`, `clusters/${A}/backups/etcd/main/2026-01-01T00:00:00Z-000001/etcd.backup.gz`, `clusters/${A}/igconfig/control-plane/cp/kubeadm-join.yaml`, `clusters/${A}/config`, `clusters/${B}/igconfig/node/nodes/kubeadm-join.yaml`]) {
      expect(await read('node-a', k), k).toBe(1);
    }
    // Nor list, nor write.
    expect((await run('node-a', [store, BUCKET, 'list', `clusters/${A}/`])).stderr).toMatch(/HTTP 403 .*storage\.objects\.list/);
    writeFileSync(join(dir, 'f'), 'x');
    expect((await run('node-a', [store, BUCKET, 'put', `clusters/${A}/igconfig/node/nodes/x`, join(dir, 'f')])).stderr).toMatch(/HTTP 403 .*storage\.objects\.create/);
    expect(denied('node-a', 'GET')).toBeGreaterThan(0);
  });

  it('a control plane reads its cluster (PKI included), writes, lists and prunes its etcd backups, and writes nothing else', async () => {
    expect(await read('cp-a', `clusters/${A}/pki/private/ca/keyset.yaml`)).toBe(`${A} pki/private/ca/keyset.yaml`);
    expect(await read('cp-a', `clusters/${A}/igconfig/control-plane/cp/kubeadm-join.yaml`)).toBe(`${A} igconfig/control-plane/cp/kubeadm-join.yaml`);
    expect(await read('cp-a', `clusters/${B}/pki/private/ca/keyset.yaml`)).toBe(1);
    const backups = `clusters/${A}/backups/etcd/main`;
    writeFileSync(join(dir, 'snap'), 'snapshot');
    const put = await run('cp-a', [store, BUCKET, 'put', `${backups}/2026-12-03T14:00:00Z-000001/etcd.backup.gz`, join(dir, 'snap')]);
    expect(put).toMatchObject({ code: 0, stderr: '' });
    const list = await run('cp-a', [store, BUCKET, 'list', `${backups}/`]);
    expect(list.stderr).toBe('');
    const listed = list.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; version: string });
    expect(listed.map((v) => v.key)).toEqual([`${backups}/2026-01-01T00:00:00Z-000001/etcd.backup.gz`, `${backups}/2026-12-03T14:00:00Z-000001/etcd.backup.gz`]);
    const old = listed[0]!;
    expect(await run('cp-a', [store, BUCKET, 'delete', old.key, old.version])).toMatchObject({ code: 0, stderr: '' });
    expect(gcs.generations(BUCKET, old.key)).toEqual([]);
    // Outside its backups: no write, no delete, no list of the cluster's whole prefix; nothing of another cluster.
    for (const key of [`clusters/${A}/config`, `clusters/${A}/pki/private/ca/x`, `clusters/${B}/backups/etcd/main/x/etcd.backup.gz`]) {
      const r = await run('cp-a', [store, BUCKET, 'put', key, join(dir, 'snap')]);
      expect(r.stderr, key).toMatch(/HTTP 403 .*storage\.objects\.create/);
    }
    const other = gcs.generations(BUCKET, `clusters/${B}/backups/etcd/main/2026-01-01T00:00:00Z-000001/etcd.backup.gz`);
    expect((await run('cp-a', [store, BUCKET, 'delete', `clusters/${B}/backups/etcd/main/2026-01-01T00:00:00Z-000001/etcd.backup.gz`, other[0]!])).stderr).toMatch(/HTTP 403 .*storage\.objects\.delete/);
    expect((await run('cp-a', [store, BUCKET, 'list', `clusters/${A}/`])).stderr).toMatch(/HTTP 403 .*storage\.objects\.list/);
    expect((await run('cp-a', [store, BUCKET, 'list', `clusters/${B}/backups/etcd/main/`])).stderr).toMatch(/HTTP 403 .*storage\.objects\.list/);
    expect(gcs.object(BUCKET, `clusters/${A}/config`)?.data.toString()).toBe(`${A} config`);
    // The other cluster's control plane keeps its own backups the same way.
    expect((await run('cp-b', [store, BUCKET, 'list', `clusters/${B}/backups/etcd/main/`])).code).toBe(0);
  });
});
