/** The fake GCS JSON API answers as GCS does: error shapes, hashes, preconditions, paging. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32c, FakeGcs } from './gcs.js';

let fake: FakeGcs;
let base: string;

beforeAll(async () => {
  fake = new FakeGcs();
  base = await fake.start();
  fake.createBucket('b');
});
afterAll(() => fake.stop());

async function json(res: Response): Promise<{ status: number; body: Record<string, unknown> }> {
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('fake GCS', () => {
  it('computes CRC-32C as GCS does (the Castagnoli check value)', () => {
    expect(crc32c(new TextEncoder().encode('123456789')).toString(16)).toBe('e3069283');
  });

  it('answers 404 for a missing object and a missing bucket in GCS JSON error shape', async () => {
    const obj = await json(await fetch(`${base}/storage/v1/b/b/o/${encodeURIComponent('x/y')}`));
    expect(obj).toEqual({
      status: 404,
      body: { error: { code: 404, message: 'No such object: b/x/y', errors: [{ message: 'No such object: b/x/y', domain: 'global', reason: 'notFound' }] } },
    });
    const bucket = await json(await fetch(`${base}/storage/v1/b/nope/o`));
    expect(bucket.status).toBe(404);
    expect((bucket.body.error as { message: string }).message).toBe('The specified bucket does not exist.');
  });

  it('uploads with uploadType=media, returns hashes and honours ifGenerationMatch with a 412', async () => {
    const put = (q: string, body: string) => fetch(`${base}/upload/storage/v1/b/b/o?uploadType=media&name=k${q}`, { method: 'POST', body });
    const first = await json(await put('&ifGenerationMatch=0', 'hello'));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ kind: 'storage#object', name: 'k', bucket: 'b', size: '5', metageneration: '1', md5Hash: createHash('md5').update('hello').digest('base64') });
    const again = await json(await put('&ifGenerationMatch=0', 'other'));
    expect(again.status).toBe(412);
    expect((again.body.error as { errors: { reason: string }[] }).errors[0]!.reason).toBe('conditionNotMet');
    const media = await fetch(`${base}/storage/v1/b/b/o/k?alt=media`);
    expect(await media.text()).toBe('hello');
    expect(media.headers.get('x-goog-generation')).toBe(first.body.generation);
    expect(media.headers.get('x-goog-hash')).toBe(`crc32c=${first.body.crc32c as string},md5=${first.body.md5Hash as string}`);
    const stale = await fetch(`${base}/storage/v1/b/b/o/k?alt=media&generation=1`);
    expect(stale.status).toBe(404);
  });

  it('pages a delimited listing: every object or prefix once, in order', async () => {
    fake.createBucket('l');
    for (const n of ['a/1', 'a/2', 'b', 'c/1', 'c/2/x', 'd', 'e/1']) fake.put('l', `p/${n}`, n);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const q = new URLSearchParams({ prefix: 'p/', delimiter: '/', maxResults: '2', ...(token ? { pageToken: token } : {}) });
      const { body } = await json(await fetch(`${base}/storage/v1/b/l/o?${q.toString()}`));
      seen.push(...((body.prefixes as string[] | undefined) ?? []), ...((body.items as { name: string }[] | undefined) ?? []).map((i) => i.name));
      token = body.nextPageToken as string | undefined;
      pages++;
    } while (token);
    expect(seen.sort()).toEqual(['p/a/', 'p/b', 'p/c/', 'p/d', 'p/e/']);
    expect(pages).toBe(3);
  });

  it('lists each object with its size as a decimal string (an int64 in the JSON API), as the object resource has it', async () => {
    fake.createBucket('s');
    fake.put('s', 'p/empty', '');
    fake.put('s', 'p/big', 'x'.repeat(70_000));
    const { body } = await json(await fetch(`${base}/storage/v1/b/s/o?prefix=p/`));
    expect((body.items as { name: string; size: unknown }[]).map((i) => [i.name, i.size])).toEqual([
      ['p/big', '70000'],
      ['p/empty', '0'],
    ]);
    const one = await json(await fetch(`${base}/storage/v1/b/s/o/${encodeURIComponent('p/big')}`));
    expect(one.body.size).toBe('70000');
  });

  it('keeps noncurrent generations in a versioned bucket: listed with versions=true (timeDeleted), reachable and deleted by generation', async () => {
    fake.createBucket('v', { versioning: true });
    expect((await json(await fetch(`${base}/storage/v1/b/v`))).body.versioning).toEqual({ enabled: true });
    expect((await json(await fetch(`${base}/storage/v1/b/b`))).body.versioning).toBeUndefined();
    const put = async (name: string, body: string) => (await json(await fetch(`${base}/upload/storage/v1/b/v/o?uploadType=media&name=${name}`, { method: 'POST', body }))).body.generation as string;
    const g1 = await put('k', 'one');
    const g2 = await put('k', 'two');
    await put('other', 'x');
    // The plain listing sees the live object only; versions=true every generation, oldest first.
    expect(((await json(await fetch(`${base}/storage/v1/b/v/o?prefix=k`))).body.items as { generation: string }[]).map((i) => i.generation)).toEqual([g2]);
    const versions = async (q = '') => ((await json(await fetch(`${base}/storage/v1/b/v/o?prefix=k&versions=true${q}`))).body.items as { generation: string; timeDeleted?: string }[] | undefined) ?? [];
    expect((await versions()).map((i) => [i.generation, i.timeDeleted !== undefined])).toEqual([[g1, true], [g2, false]]);
    expect(await (await fetch(`${base}/storage/v1/b/v/o/k?alt=media&generation=${g1}`)).text()).toBe('one');
    // A delete without a generation keeps it as noncurrent; with one, that generation is gone for good.
    expect((await fetch(`${base}/storage/v1/b/v/o/k`, { method: 'DELETE' })).status).toBe(204);
    expect(fake.names('v')).toEqual(['other']);
    expect(fake.generations('v', 'k')).toEqual([g1, g2]);
    expect((await versions()).every((i) => i.timeDeleted !== undefined)).toBe(true);
    expect((await fetch(`${base}/storage/v1/b/v/o/k?generation=${g1}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${base}/storage/v1/b/v/o/k?generation=${g1}`, { method: 'DELETE' })).status).toBe(404);
    expect(fake.generations('v', 'k')).toEqual([g2]);
    expect((await fetch(`${base}/storage/v1/b/v/o/k?generation=${g2}`, { method: 'DELETE' })).status).toBe(204);
    expect(fake.namesWithGenerations('v')).toEqual(['other']);
    // Pages of one generation each, in order.
    for (const body of ['a', 'b', 'c']) await put('p', body);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const { body } = await json(await fetch(`${base}/storage/v1/b/v/o?prefix=p&versions=true&maxResults=1${token ? `&pageToken=${token}` : ''}`));
      seen.push(...(body.items as { generation: string }[]).map((i) => i.generation));
      token = body.nextPageToken as string | undefined;
    } while (token);
    expect(seen).toEqual(fake.generations('v', 'p'));
    expect(seen).toHaveLength(3);
    // An unversioned bucket keeps nothing of an overwritten object.
    fake.put('b', 'once', '1');
    fake.put('b', 'once', '2');
    expect(fake.generations('b', 'once')).toHaveLength(1);
  });
});
