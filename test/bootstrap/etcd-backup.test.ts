/**
 * `etcd-backup.py` (src/bootstrap/etcd-backup.ts) against a real three-member etcd 3.4 cluster
 * with TLS (test/helpers/etcd-cluster.ts), with kubeadm's client certificate layout
 * (`apiserver-etcd-client.{crt,key}`, `etcd/ca.crt`), and each cloud's store helper:
 * - AWS (`S3_STORE_PY`, importing the real s3get.py) against the emulator's S3 on a versioned
 *   bucket, with a fake IMDSv2 for the role's credentials, and a fault proxy for a refused upload;
 * - GCE (`GCS_STORE_PY`) against a versioned bucket of the GCS fake (test/fakes/gcs.ts) with a
 *   fake metadata server;
 * - a TLS stand-in for etcd where a snapshot must fail (an error in the stream, a bad sha256, a cut).
 *
 * What must hold: only the leader uploads, in kops's layout (`<time>-<seq>/etcd.backup.gz`, then
 * `_etcd_backup.meta`); the gunzipped backup restores with `etcdctl snapshot restore` into an etcd
 * that serves the key written before the backup; pruning deletes exactly what etcd-manager's rule
 * drops, every version of every object of a dropped backup, and nothing else; a refused upload
 * exits 1 with one stderr line naming the object and the status and no credential; so do a failed
 * snapshot (nothing uploaded) and a failed pruning (the backup said to be taken); the temporary
 * files are removed; the S3 helper's requests sign as the AWS SDK's; the units pass systemd's check.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import type { HttpRequest } from '@smithy/types';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ETCD_BACKUP_PATH, ETCD_BACKUP_PY, etcdBackupDir } from '../../src/bootstrap/etcd-backup.js';
import { renderNodeFiles } from '../../src/bootstrap/node-scripts.js';
import { gceCloudBootstrap } from '../../src/bootstrap/gce-bootstrap.js';
import { GCS_STORE_PY } from '../../src/bootstrap/gce-helpers.js';
import { S3_FETCH_PY } from '../../src/bootstrap/s3-fetch.js';
import { S3_STORE_PY } from '../../src/bootstrap/s3-store.js';
import { awsCloudBootstrap, nodeWriteFiles } from '../../src/bootstrap/user-data.js';
import { issueCertificate } from '../../src/pki/certs.js';
import { apiServerEtcdClientRequest, etcdMemberRequest } from '../../src/pki/cluster.js';
import { FakeGcs } from '../fakes/gcs.js';
import { startFakeImds, type FakeImds } from '../fakes/imds.js';
import { startFaultProxy } from '../fakes/aws-fault-proxy.js';
import { awsEndpoint, uniqueBucket } from '../helpers/aws.js';
import { etcdTestbed, type EtcdTestbed } from '../helpers/etcd-cluster.js';

const dir = mkdtempSync(join(tmpdir(), 'kops-ts-etcd-backup-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const backupPy = join(dir, 'etcd-backup.py');
const s3Store = join(dir, 'etcd-backup-store-s3.py');
const gcsStore = join(dir, 'etcd-backup-store-gcs.py');
writeFileSync(backupPy, ETCD_BACKUP_PY);
writeFileSync(s3Store, S3_STORE_PY);
writeFileSync(gcsStore, GCS_STORE_PY);
// The S3 helper imports s3get.py from its own directory (on instances: /opt/kops-ts).
writeFileSync(join(dir, 's3get.py'), S3_FETCH_PY);
/** The programs' TMPDIR: empty again after every run. */
const scratch = join(dir, 'scratch');
mkdirSync(scratch);
/** kubeadm's layout under /etc/kubernetes/pki. */
const kubePki = join(dir, 'kube-pki');

const MEMBERS = [{ name: 'a', ip: '127.0.0.12' }, { name: 'b', ip: '127.0.0.13' }, { name: 'c', ip: '127.0.0.14' }] as const;
const ROLE_CREDS = { AccessKeyId: 'ASIAEXAMPLEBACKUPKEY', SecretAccessKey: 'backup-role-secret-never-printed', Token: 'backup-session-token-never-printed' };
const GCE_TOKEN = 'ya29.backup-token-never-printed';
/** 2026-12-03T14:00:00Z: the programs' "now". */
const NOW = Date.UTC(2026, 11, 3, 14, 0, 0) / 1000;
const NEW_BACKUP = '2026-12-03T14:00:00Z-000001';

let tb: EtcdTestbed;
let imds: FakeImds;
let metadata: Server;
let metadataUrl = '';

beforeAll(async () => {
  tb = await etcdTestbed(dir, MEMBERS);
  // kubeadm's apiserver-etcd-client: a client certificate of the etcd CA.
  const c = await issueCertificate(tb.ca, apiServerEtcdClientRequest());
  mkdirSync(join(kubePki, 'etcd'), { recursive: true });
  writeFileSync(join(kubePki, 'etcd/ca.crt'), tb.ca.certificate);
  writeFileSync(join(kubePki, 'apiserver-etcd-client.crt'), c.certificate);
  writeFileSync(join(kubePki, 'apiserver-etcd-client.key'), c.privateKey, { mode: 0o600 });
  imds = await startFakeImds({ role: 'masters.c1.example.com', credentials: ROLE_CREDS });
  // GCE's metadata server: the service account's token, only with Metadata-Flavor: Google.
  metadata = createHttpServer((req, res) => {
    if (req.headers['metadata-flavor'] === 'Google' && req.url === '/computeMetadata/v1/instance/service-accounts/default/token') {
      return void res.end(JSON.stringify({ access_token: GCE_TOKEN, expires_in: 3599, token_type: 'Bearer' }));
    }
    res.statusCode = 403;
    res.end();
  });
  await new Promise<void>((r) => metadata.listen(0, '127.0.0.1', () => r()));
  metadataUrl = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}`;
  await tb.start(MEMBERS);
});
afterAll(async () => {
  await tb.killAll();
  await imds.close();
  await new Promise<void>((r) => metadata.close(() => r()));
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The leader's and a follower's client URLs, from each member's own status. */
async function roles(): Promise<{ leader: string; follower: string }> {
  for (;;) {
    const found: { url: string; leads: boolean }[] = [];
    for (const m of MEMBERS) {
      const s = await tb.etcd(`${tb.clientUrl(m.ip)}/v3/maintenance/status`, {});
      const header = s?.header as { member_id?: string } | undefined;
      if (s && header?.member_id && s.leader) found.push({ url: tb.clientUrl(m.ip), leads: header.member_id === s.leader });
    }
    const leader = found.find((f) => f.leads);
    const follower = found.find((f) => !f.leads);
    if (leader && follower && found.length === MEMBERS.length) return { leader: leader.url, follower: follower.url };
  }
}

interface Run { code: number; stdout: string; stderr: string }

function backup(endpoint: string, storeCmd: readonly string[], backupDir: string, env: Record<string, string> = {}): Promise<Run> {
  const e = {
    PATH: process.env.PATH ?? '', TMPDIR: scratch, KOPS_TS_ETCD_ENDPOINT: endpoint, KOPS_TS_KUBE_PKI: kubePki, KOPS_TS_NOW: String(NOW),
    KOPS_TS_IMDS_ENDPOINT: imds.url, KOPS_TS_S3_ENDPOINT: awsEndpoint(), KOPS_TS_FETCH_ATTEMPTS: '1',
    KOPS_TS_GCE_METADATA: metadataUrl, KOPS_TS_ATTEMPTS: '2', KOPS_TS_INTERVAL: '0', ...env,
  };
  return new Promise((resolve) => {
    execFile('python3', [backupPy, backupDir, ...storeCmd], { env: e, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

// moto keeps S3 per account: the helper sends no account header, so this uses moto's default one.
const s3 = new S3Client({ region: 'us-east-1', endpoint: awsEndpoint(), forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

async function versionsUnder(bucket: string, prefix: string): Promise<{ key: string; version: string; marker: boolean }[]> {
  const out: { key: string; version: string; marker: boolean }[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  for (;;) {
    const r = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionMarker }));
    for (const v of r.Versions ?? []) out.push({ key: v.Key!, version: v.VersionId!, marker: false });
    for (const d of r.DeleteMarkers ?? []) out.push({ key: d.Key!, version: d.VersionId!, marker: true });
    if (!r.IsTruncated) return out.sort((x, y) => `${x.key} ${x.version}`.localeCompare(`${y.key} ${y.version}`));
    keyMarker = r.NextKeyMarker;
    versionMarker = r.NextVersionIdMarker;
  }
}

async function body(bucket: string, key: string): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

/** A port free on 127.0.0.1 (the restored member's, or one nothing listens on). */
async function freeLocalPort(): Promise<number> {
  const s = createHttpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const restored: ReturnType<typeof spawn>[] = [];
afterEach(async () => {
  for (const p of restored.splice(0)) {
    if (p.exitCode === null && p.signalCode === null) {
      const exited = once(p, 'exit');
      p.kill('SIGKILL');
      await exited;
    }
  }
});

function run(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { PATH: process.env.PATH ?? '', ETCDCTL_API: '3' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('etcd-backup.py on AWS (S3 on the emulator, versioned bucket)', () => {
  const bucket = uniqueBucket('kops-ts-etcd-backup');
  const store = (b = bucket) => ['python3', s3Store, b, 'us-east-1'];
  const base = etcdBackupDir('kops', 'c1.example.com');

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  });

  it('the leader uploads a gzipped snapshot in kops\'s layout that etcdctl restores into an etcd serving the data', async () => {
    const { leader } = await roles();
    expect(await tb.etcd(`${leader}/v3/kv/put`, { key: b64('/registry/kops-ts/backup-test'), value: b64('written before the backup') })).toBeDefined();
    const r = await backup(leader, store(), base);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`kops-ts: backed up etcd to ${base}/${NEW_BACKUP}; 0 old backup(s) deleted, 1 kept\n`);
    expect((await versionsUnder(bucket, '')).map((v) => v.key)).toEqual([`${base}/${NEW_BACKUP}/_etcd_backup.meta`, `${base}/${NEW_BACKUP}/etcd.backup.gz`]);
    const meta = JSON.parse((await body(bucket, `${base}/${NEW_BACKUP}/_etcd_backup.meta`)).toString('utf8')) as unknown;
    expect(meta).toEqual({ etcdVersion: '3.4.23', timestamp: String(NOW), clusterSpec: { memberCount: 3, etcdVersion: '3.4.23' } });
    expect(readdirSync(scratch)).toEqual([]);

    // The manual restore of docs/bootstrap.md: gunzip, etcdctl snapshot restore, etcd on the new data dir.
    const snap = gunzipSync(await body(bucket, `${base}/${NEW_BACKUP}/etcd.backup.gz`));
    const work = mkdtempSync(join(dir, 'restore-'));
    writeFileSync(join(work, 'snapshot.db'), snap);
    const [client, peer] = [await freeLocalPort(), await freeLocalPort()];
    const peerUrl = `http://127.0.0.1:${peer}`;
    const restore = await run('etcdctl', ['snapshot', 'restore', join(work, 'snapshot.db'), '--data-dir', join(work, 'data'),
      '--name', 'restored', '--initial-cluster', `restored=${peerUrl}`, '--initial-advertise-peer-urls', peerUrl]);
    expect(restore.code, restore.stderr).toBe(0);
    const etcd = spawn('etcd', ['--name', 'restored', '--data-dir', join(work, 'data'), '--listen-client-urls', `http://127.0.0.1:${client}`,
      '--advertise-client-urls', `http://127.0.0.1:${client}`, '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `restored=${peerUrl}`, '--logger', 'zap', '--log-level', 'error'], { stdio: 'ignore' });
    restored.push(etcd);
    const deadline = Date.now() + 30_000;
    let value: string | undefined;
    while (value === undefined) {
      if (Date.now() > deadline) throw new Error('the restored etcd never served the key');
      try {
        const res = await fetch(`http://127.0.0.1:${client}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64('/registry/kops-ts/backup-test') }) });
        const kvs = ((await res.json()) as { kvs?: { value: string }[] }).kvs;
        if (kvs) value = Buffer.from(kvs[0]!.value, 'base64').toString('utf8');
      } catch {
        // not listening yet
      }
    }
    expect(value).toBe('written before the backup');
  });

  it('a follower uploads nothing and says so', async () => {
    const { follower } = await roles();
    const before = await versionsUnder(bucket, '');
    const r = await backup(follower, store(), etcdBackupDir('kops', 'follower.example.com'));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^kops-ts: this etcd member \(\d+\) is not the leader \(\d+\); the leader takes the backup\n$/);
    expect(await versionsUnder(bucket, '')).toEqual(before);
  });

  it('prunes by etcd-manager\'s rule, every version of each dropped backup, and touches nothing else', async () => {
    const { leader } = await roles();
    const rbase = etcdBackupDir('kops', 'r.example.com');
    // Relative to NOW (14:00): under an hour all kept; under 7 days the oldest of each hour; under
    // the retention (30 days here) the oldest of each UTC day; older ones dropped.
    const kept = [
      '2026-12-03T13:30:00Z-000001', '2026-12-03T13:10:00Z-000001', // under an hour
      '2026-12-03T12:20:00Z-000001', // hour 12: the oldest
      '2026-12-01T09:05:00Z-000003', // 2 days: hour 09's oldest
      '2026-12-01T10:40:00Z-000001', // its own hour
      '2026-11-23T01:00:00Z-000001', // 10 days: that day's oldest
    ];
    const dropped = [
      '2026-12-03T12:50:00Z-000001', '2026-12-01T09:45:00Z-000004', '2026-11-23T23:00:00Z-000002',
      '2026-10-24T12:00:00Z-000001', // 40 days: past the retention
    ];
    for (const name of [...kept, ...dropped]) {
      // Two versions of each object: a delete without a version would only hide them.
      for (const v of ['1', '2']) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${rbase}/${name}/etcd.backup.gz`, Body: `data ${v}` }));
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${rbase}/${name}/_etcd_backup.meta`, Body: `{"v": ${v}}` }));
      }
    }
    // No meta: uploads that never finished. Older than a day: deleted, every version; younger: left
    // (it may still be under way).
    const unfinished = ['2026-10-01T00:00:00Z-000001', '2026-12-02T13:00:00Z-000001'];
    for (const name of unfinished) {
      for (const v of ['1', '2']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${rbase}/${name}/etcd.backup.gz`, Body: `data ${v}` }));
    }
    const untouched = [
      `${rbase}/control/etcd-cluster-spec`, // etcd-manager's control file: not a backup
      `${rbase}/2026-12-03T13:45:00Z-000001/etcd.backup.gz`, // no meta, 15 minutes old: may be under way
      `${rbase}-old/2026-10-01T00:00:00Z-000001/_etcd_backup.meta`,
      'kops/r.example.com/backups/etcd/events/2026-10-01T00:00:00Z-000001/_etcd_backup.meta',
      'kops/other.example.com/backups/etcd/main/2026-10-01T00:00:00Z-000001/_etcd_backup.meta',
      'kops/r.example.com/pki/private/kubernetes-ca/keyset.yaml',
    ];
    for (const key of untouched) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'other' }));
    const before = await versionsUnder(bucket, '');

    // Pages of 5 versions: the listing follows NextKeyMarker/NextVersionIdMarker through all of them.
    const r = await backup(leader, store(), rbase, { ETCD_BACKUP_RETENTION_DAYS: '30', KOPS_TS_S3_PAGE_SIZE: '5' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`kops-ts: backed up etcd to ${rbase}/${NEW_BACKUP}; 4 old backup(s) deleted, 7 kept, 2 unfinished upload(s) older than a day deleted\n`);
    const after = await versionsUnder(bucket, '');
    const inDropped = (k: string) => [...dropped, ...unfinished].some((d) => k.startsWith(`${rbase}/${d}/`));
    expect(after.filter((v) => inDropped(v.key))).toEqual([]);
    expect(after.filter((v) => v.marker)).toEqual([]);
    // Everything else as it was (both versions of each kept backup), plus the new backup.
    expect(after.filter((v) => !v.key.startsWith(`${rbase}/${NEW_BACKUP}/`))).toEqual(before.filter((v) => !inDropped(v.key)));
    expect(before.filter((v) => inDropped(v.key))).toHaveLength(dropped.length * 4 + unfinished.length * 2);
    expect(after.filter((v) => v.key.startsWith(`${rbase}/${NEW_BACKUP}/`)).map((v) => v.key)).toEqual([`${rbase}/${NEW_BACKUP}/_etcd_backup.meta`, `${rbase}/${NEW_BACKUP}/etcd.backup.gz`]);
  });

  it('an upload S3 refuses exits 1 with one stderr line naming the object and status, no credential, nothing pruned; a refused listing after the upload says the backup was taken', async () => {
    const { leader } = await roles();
    const proxy = await startFaultProxy(awsEndpoint());
    proxy.inject({ service: 's3', operation: 'PutObject', code: 'AccessDenied', status: 403 });
    const fbase = etcdBackupDir('kops', 'refused.example.com');
    const r = await backup(leader, store(), fbase, { KOPS_TS_S3_ENDPOINT: proxy.endpoint });
    expect(r).toEqual({
      code: 1, stdout: '',
      stderr: `kops-ts: etcd backup failed: S3 refused PutObject of s3://${bucket}/${fbase}/${NEW_BACKUP}/etcd.backup.gz: HTTP 403 AccessDenied\n`,
    });
    expect(proxy.count({ operation: 'ListObjectVersions' })).toBe(0);
    for (const secret of [ROLE_CREDS.SecretAccessKey, ROLE_CREDS.Token, 'PRIVATE KEY']) expect(r.stderr + r.stdout).not.toContain(secret);
    expect(readdirSync(scratch)).toEqual([]);

    // The backup taken, the listing refused: one line says both.
    proxy.clear();
    proxy.inject({ service: 's3', operation: 'ListObjectVersions', code: 'AccessDenied', status: 403 });
    const listed = await backup(leader, store(), fbase, { KOPS_TS_S3_ENDPOINT: proxy.endpoint });
    expect(listed).toEqual({
      code: 1, stdout: '',
      stderr: `kops-ts: backed up etcd to ${fbase}/${NEW_BACKUP}, but the old backups were not pruned: S3 refused ListObjectVersions of s3://${bucket}/${fbase}/: HTTP 403 AccessDenied\n`,
    });
    expect((await versionsUnder(bucket, `${fbase}/`)).map((v) => v.key)).toEqual([`${fbase}/${NEW_BACKUP}/_etcd_backup.meta`, `${fbase}/${NEW_BACKUP}/etcd.backup.gz`]);
  });

  it('an etcd it cannot reach, or a client certificate it cannot load, exits 1 with one stderr line', async () => {
    const closed = await freeLocalPort();
    const r = await backup(`https://127.0.0.1:${closed}`, store(), base);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^kops-ts: etcd backup failed: cannot ask etcd at https://127\\.0\\.0\\.1:${closed} for /v3/maintenance/status \\(.+\\)\\n$`));
    const missing = await backup((await roles()).leader, store(), base, { KOPS_TS_KUBE_PKI: join(dir, 'missing') });
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe(`kops-ts: etcd backup failed: cannot load the etcd client certificate ${join(dir, 'missing')}/apiserver-etcd-client.crt (FileNotFoundError)\n`);
  });
});

describe('etcd-backup.py on GCE (the GCS fake, versioned bucket)', () => {
  const gcs = new FakeGcs({ requireAuth: true, forbid: (req) => req.path.includes('/upload/') && req.query.name?.includes('forbidden.example.com') === true });
  const bucket = 'kops-ts-state';
  let endpoint = '';
  beforeAll(async () => {
    endpoint = await gcs.start();
    gcs.createBucket(bucket, { versioning: true });
  });
  afterAll(() => gcs.stop());
  const store = ['python3', gcsStore, bucket];

  it('the leader uploads the backup with the service account\'s token and prunes by the rule, every generation; other objects stay', async () => {
    const { leader } = await roles();
    const gbase = etcdBackupDir('team', 'g.example.com');
    const kept = ['2026-12-03T13:30:00Z-000001', '2026-12-02T08:00:00Z-000001'];
    const dropped = ['2026-12-02T08:30:00Z-000001', '2025-01-01T00:00:00Z-000001'];
    // Two generations of each object: the older one noncurrent.
    for (const name of [...kept, ...dropped]) for (const f of ['etcd.backup.gz', '_etcd_backup.meta']) for (const v of ['1', '2']) gcs.put(bucket, `${gbase}/${name}/${f}`, v);
    const others = [`${gbase}/control/etcd-cluster-spec`, 'team/g.example.com/pki/issued/ca/keyset.yaml', 'team/other.example.com/backups/etcd/main/2025-01-01T00:00:00Z-000001/_etcd_backup.meta'];
    for (const k of others) gcs.put(bucket, k, 'other');
    const r = await backup(leader, store, gbase, { KOPS_TS_GCS_ENDPOINT: endpoint });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`kops-ts: backed up etcd to ${gbase}/${NEW_BACKUP}; 2 old backup(s) deleted, 3 kept\n`);
    expect(gcs.namesWithGenerations(bucket)).toEqual([
      ...[NEW_BACKUP, ...kept].sort().flatMap((n) => [`${gbase}/${n}/_etcd_backup.meta`, `${gbase}/${n}/etcd.backup.gz`]),
      `${gbase}/control/etcd-cluster-spec`,
      ...others.slice(1).sort(),
    ].sort());
    // A whole etcd snapshot: etcd's sha256 of the database is its last 32 bytes.
    const snap = gunzipSync(gcs.object(bucket, `${gbase}/${NEW_BACKUP}/etcd.backup.gz`)!.data);
    expect(createHash('sha256').update(snap.subarray(0, snap.length - 32)).digest().equals(snap.subarray(snap.length - 32))).toBe(true);
    // Every generation listed, each delete of one generation, the token on every call.
    expect(gcs.requests.filter((q) => q.method === 'GET' && q.path.endsWith('/o')).every((q) => q.query.versions === 'true')).toBe(true);
    expect(gcs.requests.filter((q) => q.method === 'DELETE')).toHaveLength(8);
    for (const n of kept) expect(gcs.generations(bucket, `${gbase}/${n}/etcd.backup.gz`)).toHaveLength(2);
    expect(gcs.requests.filter((q) => q.method === 'DELETE').every((q) => /^\d+$/.test(q.query.generation ?? ''))).toBe(true);
    expect(gcs.requests.every((q) => q.headers.authorization === `Bearer ${GCE_TOKEN}`)).toBe(true);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('an upload GCS refuses (403) exits 1 with one stderr line naming the object and status, and no token', async () => {
    const { leader } = await roles();
    const fbase = etcdBackupDir('team', 'forbidden.example.com');
    const r = await backup(leader, store, fbase, { KOPS_TS_GCS_ENDPOINT: endpoint });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`kops-ts: etcd backup failed: GCS refused the upload of gs://${bucket}/${fbase}/${NEW_BACKUP}/etcd.backup.gz: HTTP 403 caller@example.com does not have storage.objects.create access to the Google Cloud Storage object. Permission 'storage.objects.create' denied on resource (or it may not exist).\n`);
    expect(r.stderr).not.toContain(GCE_TOKEN);
    expect(gcs.names(bucket).filter((n) => n.startsWith(fbase))).toEqual([]);
  });
});

describe('a snapshot etcd does not deliver whole', () => {
  /** An etcd stand-in (TLS, a server certificate of the etcd CA) that leads and streams `snapshot`. */
  async function fakeLeader(snapshot: string): Promise<{ url: string; close: () => Promise<void> }> {
    const cert = await issueCertificate(tb.ca, etcdMemberRequest('server', { name: 'fake', ipAddresses: ['127.0.0.1'] }));
    const server = createHttpsServer({ cert: cert.certificate, key: cert.privateKey }, (req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/v3/maintenance/status') return void res.end(JSON.stringify({ header: { member_id: '7' }, version: '3.4.23', leader: '7' }));
        if (req.url === '/v3/cluster/member/list') return void res.end(JSON.stringify({ members: [{ ID: '7' }] }));
        res.end(snapshot);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
  }
  const calls = join(dir, 'store-calls');
  const recorder = ['sh', '-c', 'echo "$*" >>"$0"', calls];

  it('an error in the stream, or a snapshot whose sha256 does not match, exits 1 with one line and uploads nothing', async () => {
    const db = Buffer.from('not really a bolt database, but bytes');
    const good = Buffer.concat([db, createHash('sha256').update(db).digest()]);
    const cases: [string, string, string][] = [
      ['error', `{"result":{"blob":"${b64('partial')}"}}\n{"error":{"grpc_code":14,"message":"etcdserver: leader changed"}}\n`, 'failed the snapshot: etcdserver: leader changed'],
      ['truncated', `{"result":{"blob":"${good.subarray(0, good.length - 5).toString('base64')}"}}\n`, `is incomplete (${good.length - 5} bytes, its sha256 does not match)`],
      ['cut inside a message', `{"result":{"blob":"${good.toString('base64')}"}}\n{"result":{"bl`, 'ended inside a message'],
    ];
    for (const [what, stream, why] of cases) {
      const etcd = await fakeLeader(stream);
      const r = await backup(etcd.url, recorder, 'kops/fake.example.com/backups/etcd/main').finally(() => etcd.close());
      expect(r, what).toMatchObject({ code: 1, stdout: '' });
      expect(r.stderr.split('\n'), what).toEqual([expect.stringContaining(`kops-ts: etcd backup failed: `), '']);
      expect(r.stderr, what).toContain(why);
      expect(readdirSync(scratch), what).toEqual([]);
    }
    expect(readdirSync(dir)).not.toContain('store-calls');
    // The same stand-in with a whole snapshot uploads it: the cases above fail for their reason alone.
    const etcd = await fakeLeader(`{"result":{"blob":"${good.subarray(0, 10).toString('base64')}"}}\n{"result":{"blob":"${good.subarray(10).toString('base64')}"}}\n`);
    const ok = await backup(etcd.url, recorder, 'kops/fake.example.com/backups/etcd/main').finally(() => etcd.close());
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const fbase = 'kops/fake.example.com/backups/etcd/main';
    expect(readFileSync(calls, 'utf8').split('\n').map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      `put ${fbase}/${NEW_BACKUP}/etcd.backup.gz`, `put ${fbase}/${NEW_BACKUP}/_etcd_backup.meta`, `list ${fbase}/`, '',
    ]);
    // A helper whose listing is not JSON lines: one line, the backup said to be taken.
    const garbled = await fakeLeader(`{"result":{"blob":"${good.toString('base64')}"}}\n`);
    const g = await backup(garbled.url, ['sh', '-c', '[ "$0" != list ] || echo "<ListVersionsResult>"'], fbase).finally(() => garbled.close());
    expect(g).toEqual({ code: 1, stdout: '', stderr: `kops-ts: backed up etcd to ${fbase}/${NEW_BACKUP}, but the old backups were not pruned: the store helper listed something that is not a version of an object\n` });
  });
});

describe("AWS's store helper signs as the AWS SDK does", () => {
  it('ListObjectVersions (a prefix and markers needing encoding) and DeleteObject of a version', async () => {
    const captured: HttpRequest[] = [];
    const sdk = new S3Client({
      region: 'eu-west-3',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'tok/en+=' },
      requestHandler: {
        handle: async (req: HttpRequest) => {
          captured.push(req);
          throw new Error('captured');
        },
      },
    });
    const prefix = 'kops/c 1+x.example.com/backups/etcd/main/';
    await expect(sdk.send(new ListObjectVersionsCommand({ Bucket: 'state-bucket', Prefix: prefix, KeyMarker: `${prefix}2026-12-03T14:00:00Z-000001/a=b`, VersionIdMarker: 'v/1+2' }))).rejects.toThrow('captured');
    await expect(sdk.send(new DeleteObjectCommand({ Bucket: 'state-bucket', Key: `${prefix}2026-12-03T14:00:00Z-000001/etcd.backup.gz`, VersionId: 'Ab+c/d=' }))).rejects.toThrow('captured');
    for (const req of captured) {
      const auth = req.headers['authorization']!;
      const signed = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
      const headers = Object.fromEntries(signed.map((h) => [h, Object.entries(req.headers).find(([k]) => k.toLowerCase() === h)![1]]));
      const query = Object.fromEntries(Object.entries(req.query ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]));
      const py = [
        'import importlib.util, json, sys', `sys.path.insert(0, ${JSON.stringify(dir)})`,
        `spec = importlib.util.spec_from_file_location("store", ${JSON.stringify(s3Store)})`, 'store = importlib.util.module_from_spec(spec)', 'spec.loader.exec_module(store)',
        'a = json.loads(sys.stdin.read())',
        'scheme, host, path = store.s3.object_url("state-bucket", a["key"], "eu-west-3")',
        'print(scheme + "://" + host + path)',
        'print(store.s3.authorization(a["method"], path, store.canonical_query(a["query"]), a["headers"], a["headers"]["x-amz-content-sha256"], a["headers"]["x-amz-date"], "eu-west-3", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"))',
      ].join('\n');
      const key = decodeURIComponent(req.path.replace(/^\//, ''));
      const out = await new Promise<string>((resolve, reject) => {
        const child = execFile('python3', ['-c', py], { env: { PATH: process.env.PATH ?? '' } }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout.trim())));
        child.stdin!.end(JSON.stringify({ method: req.method, key, query, headers }));
      });
      expect(out.split('\n')).toEqual([`https://${req.hostname}${req.path}`, auth]);
    }
    expect(captured.map((r) => r.method)).toEqual(['GET', 'DELETE']);
  });
});

describe('how the timer runs it', () => {
  it('the service and timer pass systemd-analyze verify, and run etcd-backup.py with the backups\' directory and the cloud\'s store helper', async () => {
    const input = { cluster: 'c1.example.com', instanceGroup: 'cp-a', role: 'control-plane' as const, initCandidate: false, kubernetesVersion: '1.36.3', stateStore: { bucket: 'state-bucket', prefix: 'kops' } };
    const clouds = [
      ['aws', nodeWriteFiles({ ...input, region: 'eu-west-3' }), ['/etc/kops-ts/igconfig/etcd-backup-store.py', 'state-bucket', 'eu-west-3']],
      ['gce', renderNodeFiles(input, gceCloudBootstrap('c1-example-com')), ['/etc/kops-ts/igconfig/etcd-backup-store.py', 'state-bucket']],
    ] as const;
    for (const [cloud, files, store] of clouds) {
      const units = mkdtempSync(join(dir, `units-${cloud}-`));
      const service = files.find((f) => f.path === '/etc/systemd/system/kops-ts-etcd-backup.service')!;
      const timer = files.find((f) => f.path === '/etc/systemd/system/kops-ts-etcd-backup.timer')!;
      writeFileSync(join(units, 'kops-ts-etcd-backup.service'), service.content);
      writeFileSync(join(units, 'kops-ts-etcd-backup.timer'), timer.content);
      const v = await run('systemd-analyze', ['verify', join(units, 'kops-ts-etcd-backup.timer'), join(units, 'kops-ts-etcd-backup.service')]);
      expect(v, cloud).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(service.content.match(/^ExecStart=(.*)$/m)![1]!.split(' '), cloud).toEqual(['/usr/bin/python3', ETCD_BACKUP_PATH, 'kops/c1.example.com/backups/etcd/main', '/usr/bin/python3', ...store]);
      expect(service.content, cloud).toContain('\nEnvironmentFile=-/etc/kops-ts/igconfig/bootstrap.env\n');
      expect(timer.content, cloud).toMatch(/\nOnCalendar=\*:0\/15\nRandomizedDelaySec=60\nPersistent=true\n/);
    }
    // Workers take no backup.
    expect(nodeWriteFiles({ ...input, role: 'node', region: 'eu-west-3' }).filter((f) => f.path.includes('etcd-backup'))).toEqual([]);
  });

  it('each cloud\'s store helper comes from the igconfig, with the bucket (and AWS\'s region)', () => {
    expect(awsCloudBootstrap('eu-west-3').etcdBackupStore('state-bucket')).toEqual(['/usr/bin/python3', '/etc/kops-ts/igconfig/etcd-backup-store.py', 'state-bucket', 'eu-west-3']);
    expect(gceCloudBootstrap('g-example-com').etcdBackupStore('kops-ts-state')).toEqual(['/usr/bin/python3', '/etc/kops-ts/igconfig/etcd-backup-store.py', 'kops-ts-state']);
    expect(etcdBackupDir('', 'c1.example.com')).toBe('c1.example.com/backups/etcd/main');
  });
});
