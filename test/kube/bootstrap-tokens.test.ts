/**
 * The bootstrap-token Secrets through the API (src/kube/bootstrap-tokens.ts), against the fake:
 * kubeadm's keys, the list by type (other Secrets never travel), 409 as `exists` and 404 as
 * `absent` (what a rerun meets), kops-ts's tokens told from a person's by the description.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapTokenApi, bootstrapTokenSecret } from '../../src/kube/bootstrap-tokens.js';
import { BOOTSTRAP_TOKEN_DESCRIPTION } from '../../src/secrets/generate.js';
import { startKube, type KubeFixture } from './kube-setup.js';

let fx: KubeFixture;
afterEach(async () => {
  await fx?.fake.close();
});

describe('bootstrap token Secrets', () => {
  it('registers a token with kubeadm\'s keys and no expiration; a second register of the id is `exists`', async () => {
    fx = await startKube();
    const api = bootstrapTokenApi(fx.client);
    expect(await api.create('abc123.0123456789abcdef')).toBe('created');
    const s = fx.fake.secrets.items.get('kube-system/bootstrap-token-abc123')!;
    expect(s['type']).toBe('bootstrap.kubernetes.io/token');
    const data = Object.fromEntries(Object.entries(s['data'] as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    expect(data).toEqual({
      'token-id': 'abc123',
      'token-secret': '0123456789abcdef',
      'usage-bootstrap-authentication': 'true',
      'usage-bootstrap-signing': 'true',
      'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
      description: BOOTSTRAP_TOKEN_DESCRIPTION,
    });
    expect(await api.create('abc123.ffffffffffffffff')).toBe('exists');
    expect(() => bootstrapTokenSecret('not-a-token')).toThrow(/not a kubeadm token/);
  });

  it('lists only bootstrap-token Secrets, with the secret part and whether kops-ts made each; deletes, then `absent`', async () => {
    fx = await startKube();
    const api = bootstrapTokenApi(fx.client);
    await api.create('kops01.0123456789abcdef');
    await fx.client.core.createNamespacedSecret({ namespace: 'kube-system', body: { metadata: { name: 'bootstrap-token-hand01' }, type: 'bootstrap.kubernetes.io/token', stringData: { 'token-id': 'hand01', 'token-secret': 'aaaaaaaaaaaaaaaa', description: 'by hand', expiration: '2030-01-01T00:00:00Z' } } });
    await fx.client.core.createNamespacedSecret({ namespace: 'kube-system', body: { metadata: { name: 'bootstrap-token-opaque' }, stringData: { 'token-secret': 'x' } } });
    const listed = await api.list();
    expect(listed).toEqual([
      { id: 'hand01', token: 'hand01.aaaaaaaaaaaaaaaa', kopsTs: false, expiration: '2030-01-01T00:00:00Z' },
      { id: 'kops01', token: 'kops01.0123456789abcdef', kopsTs: true },
    ]);
    expect(fx.fake.requests.at(-1)?.path).toBe('/api/v1/namespaces/kube-system/secrets?fieldSelector=type%3Dbootstrap.kubernetes.io%2Ftoken');
    expect(await api.delete('kops01')).toBe('deleted');
    expect(await api.delete('kops01')).toBe('absent');
    expect((await api.list()).map((t) => t.id)).toEqual(['hand01']);
  });
});
