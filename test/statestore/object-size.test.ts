/**
 * An object too large to be one kops-ts wrote is refused by the backend before its body is read
 * (memory stays bounded whatever is in the store), and a YAML object past the stored-object limit
 * is refused before it is parsed, so one hostile object cannot stall every command.
 */
import { mkdtempSync, truncateSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { MAX_STORE_READ_BYTES } from '../../src/model/api/limits.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { FileStateStore } from '../../src/statestore/file.js';
import { S3StateStore } from '../../src/statestore/s3.js';
import { testAws, uniqueBucket } from '../helpers/aws.js';
import { rejectionOf } from '../helpers/errors.js';

describe('objects too large for the state store', () => {
  it('file: refused by its size before it is read, with the object named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kops-ts-size-'));
    mkdirSync(join(dir, 'c.example.com'));
    // A sparse file: its size is past the default limit without writing 64 MiB.
    truncateSync(writeAndReturn(join(dir, 'c.example.com', 'config')), MAX_STORE_READ_BYTES + 1);
    const e = await rejectionOf(new FileStateStore(dir).read('c.example.com/config'), KopsError);
    expect(e.code).toBe('StateObjectTooLarge');
    expect(e.diagnostics[0]).toMatchObject({
      summary: `it is ${MAX_STORE_READ_BYTES + 1} bytes, more than the ${MAX_STORE_READ_BYTES} bytes kops-ts reads of one state-store object`,
      file: `file://${dir}/c.example.com/config`,
    });
    // Just under a (small) limit still reads.
    writeFileSync(join(dir, 'c.example.com', 'small'), 'x'.repeat(1024));
    expect((await new FileStateStore(dir, { maxObjectBytes: 1024 }).read('c.example.com/small'))?.data.byteLength).toBe(1024);
  });

  it('s3: refused by its Content-Length before the body is read', async () => {
    const t = testAws();
    const bucket = uniqueBucket('kops-ts-size');
    await t.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const store = new S3StateStore({ bucket, prefix: 'p', client: t.clients.s3, serverSideEncryption: 'none', maxObjectBytes: 1024 });
    await store.write('c.example.com/config', 'x'.repeat(2048));
    await store.write('c.example.com/small', 'x'.repeat(1024));
    const e = await rejectionOf(store.read('c.example.com/config'), KopsError);
    expect(e.code).toBe('StateObjectTooLarge');
    expect(e.diagnostics[0]).toMatchObject({ summary: 'it is 2 KiB, more than the 1 KiB kops-ts reads of one state-store object', file: `s3://${bucket}/p/c.example.com/config` });
    expect((await store.read('c.example.com/small'))?.data.byteLength).toBe(1024);
  });

  it('a cluster config past the stored-object limit is refused before it is parsed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kops-ts-size-'));
    mkdirSync(join(dir, 'c.example.com'));
    writeFileSync(join(dir, 'c.example.com', 'config'), `metadata: {name: c.example.com}\nspec:\n  cloudLabels:\n${'    k: v\n'.repeat(200_000)}`);
    const e = await rejectionOf(new Clientset(new FileStateStore(dir)).getCluster('c.example.com'), KopsError);
    expect(e.code).toBe('InvalidStateObject');
    expect(e.message).toMatch(/^file:\/\/\S+\/c\.example\.com\/config: it is 1\.\d+ MiB, more than the 1 MiB kops-ts reads of one object$/);
  });
});

function writeAndReturn(path: string): string {
  writeFileSync(path, 'metadata: {}\n');
  return path;
}
