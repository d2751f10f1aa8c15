/**
 * Benchmark 7: what `migrate state` reads from an S3 source, counted on the wire by the proxy:
 * an HA cluster's state plus 8 etcd backups of 16 MiB under `backups/`, previewed and then copied
 * (`--yes`) to a file:// store. The preview sizes the objects from the listing (`listSizes`), so
 * its GETs do not grow with the objects; the copy reads each object once.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { migrateState, planMigration } from '../src/cloudup/migrate-state.js';
import { withClusterLock } from '../src/statestore/lock.js';
import { openStateStore } from '../src/statestore/open.js';
import { haCluster } from './aws-env.js';
import { fmt, table } from './harness.js';

const BACKUPS = 8;
const BACKUP_BYTES = 16 * 1024 * 1024;

export async function benchMigrateReads(): Promise<string> {
  const c = await haCluster(3);
  const dir = await mkdtemp(join(tmpdir(), 'kops-ts-bench-migrate-'));
  try {
    const backup = randomBytes(BACKUP_BYTES);
    for (let i = 1; i <= BACKUPS; i++) await c.cs.store.write(`${c.name}/backups/etcd/main/2026-12-0${i}T00:00:00Z/etcd.backup.gz`, backup);
    const source = c.cs.store;
    const input = { source, destination: openStateStore(`file://${dir}`), cluster: c.name };
    const rows: string[][] = [];
    const run = async (what: string, f: () => Promise<{ objects: number; bytes: number }>) => {
      c.proxy.clear();
      const t0 = performance.now();
      const r = await f();
      const ms = performance.now() - t0;
      const n = (operation: string) => String(c.proxy.count({ service: 's3', operation }));
      rows.push([what, String(r.objects), (r.bytes / 1024 / 1024).toFixed(1), n('ListObjectsV2'), n('GetObject'), fmt(ms)]);
    };
    await run('preview', () => planMigration(input));
    await run('--yes (plan, lock, copy, marker)', () => withClusterLock(source, c.name, 'migrate state', () => migrateState(input)));
    return [
      `### 7. What \`migrate state\` reads from an S3 source (\`bench/migrate-reads.ts\`)`,
      '',
      `An HA cluster's state and ${BACKUPS} etcd backups of ${BACKUP_BYTES / 1024 / 1024} MiB, to a local file:// store; S3 requests on the wire.`,
      '',
      table(['run', 'objects', 'MiB', 'ListObjectsV2', 'GetObject', 'ms'], rows),
    ].join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
    await c.close();
  }
}
