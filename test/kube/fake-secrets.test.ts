/**
 * The fake API server's Secrets (test/fakes/kube-secrets.ts), driven by @kubernetes/client-node as
 * a cluster would be: stringData merged into data, the field selectors the apiserver supports for
 * Secrets, and the Status shapes of 409 AlreadyExists, 404 NotFound and a delete's Success.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { apiStatus } from '../../src/kube/errors.js';
import { rejectionOf } from '../helpers/errors.js';
import { startKube, type KubeFixture } from './kube-setup.js';

let fx: KubeFixture;
afterEach(async () => {
  await fx?.fake.close();
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('fake kube-apiserver: secrets', () => {
  it('creates a Secret with stringData merged into data, gets it, and answers 409 AlreadyExists for the same name', async () => {
    fx = await startKube();
    const created = await fx.client.core.createNamespacedSecret({
      namespace: 'kube-system',
      body: { metadata: { name: 's1' }, type: 'bootstrap.kubernetes.io/token', data: { a: b64('x') }, stringData: { b: 'y', a: 'z' } },
    });
    expect(created.data).toEqual({ a: b64('z'), b: b64('y') });
    expect(created.metadata?.namespace).toBe('kube-system');
    expect(created.metadata?.uid).toBeTruthy();
    expect((created as { stringData?: unknown }).stringData).toBeUndefined();
    const got = await fx.client.core.readNamespacedSecret({ namespace: 'kube-system', name: 's1' });
    expect(got.type).toBe('bootstrap.kubernetes.io/token');
    const again = await rejectionOf(fx.client.core.createNamespacedSecret({ namespace: 'kube-system', body: { metadata: { name: 's1' } } }));
    expect(apiStatus(again)).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'secrets "s1" already exists' });
    const plain = await fx.client.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 's1' } } });
    expect(plain.type).toBe('Opaque');
  });

  it('refuses invalid keys (422), bad base64 (400) and a body of another namespace (400)', async () => {
    fx = await startKube();
    const key = await rejectionOf(fx.client.core.createNamespacedSecret({ namespace: 'ns', body: { metadata: { name: 'k' }, stringData: { 'a/b': 'x' } } }));
    expect(apiStatus(key)).toMatchObject({ code: 422, reason: 'Invalid' });
    const raw = await fetch(`${fx.fake.url}/api/v1/namespaces/ns/secrets`, { method: 'POST', headers: { authorization: `Bearer ${fx.fake.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'b' }, data: { a: '!!' } }) });
    expect(raw.status).toBe(400);
    const other = await rejectionOf(fx.client.core.createNamespacedSecret({ namespace: 'ns', body: { metadata: { name: 'o', namespace: 'elsewhere' } } }));
    expect(apiStatus(other)).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(fx.fake.secrets.items.size).toBe(0);
  });

  it('lists by the field selectors the apiserver supports for Secrets (type, metadata.name) and by label; other fields are 400', async () => {
    fx = await startKube();
    await fx.client.core.createNamespacedSecret({ namespace: 'kube-system', body: { metadata: { name: 't1', labels: { app: 'x' } }, type: 'bootstrap.kubernetes.io/token' } });
    await fx.client.core.createNamespacedSecret({ namespace: 'kube-system', body: { metadata: { name: 'o1' } } });
    await fx.client.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 't2' }, type: 'bootstrap.kubernetes.io/token' } });
    const names = (l: { items: { metadata?: { name?: string } }[] }) => l.items.map((s) => s.metadata?.name);
    expect(names(await fx.client.core.listNamespacedSecret({ namespace: 'kube-system', fieldSelector: 'type=bootstrap.kubernetes.io/token' }))).toEqual(['t1']);
    expect(names(await fx.client.core.listNamespacedSecret({ namespace: 'kube-system', fieldSelector: 'metadata.name!=t1' }))).toEqual(['o1']);
    expect(names(await fx.client.core.listNamespacedSecret({ namespace: 'kube-system', labelSelector: 'app=x' }))).toEqual(['t1']);
    expect(names(await fx.client.core.listSecretForAllNamespaces({ fieldSelector: 'type=bootstrap.kubernetes.io/token' }))).toEqual(['t2', 't1']);
    const bad = await rejectionOf(fx.client.core.listNamespacedSecret({ namespace: 'kube-system', fieldSelector: 'data.token-id=x' }));
    expect(apiStatus(bad)).toMatchObject({ code: 400, reason: 'BadRequest', message: 'field label not supported: data.token-id' });
  });

  it('deletes with a Status Success naming the Secret, and answers 404 NotFound after', async () => {
    fx = await startKube();
    await fx.client.core.createNamespacedSecret({ namespace: 'kube-system', body: { metadata: { name: 'gone' } } });
    const st = await fx.client.core.deleteNamespacedSecret({ namespace: 'kube-system', name: 'gone' });
    expect(st).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'gone', kind: 'secrets' } });
    const again = await rejectionOf(fx.client.core.deleteNamespacedSecret({ namespace: 'kube-system', name: 'gone' }));
    expect(apiStatus(again)).toMatchObject({ code: 404, reason: 'NotFound', message: 'secrets "gone" not found' });
    const read = await rejectionOf(fx.client.core.readNamespacedSecret({ namespace: 'kube-system', name: 'gone' }));
    expect(apiStatus(read)?.code).toBe(404);
  });
});
