/**
 * Reaching the cluster as kops does: the kubeconfig context named after the cluster, from
 * --kubeconfig, KUBECONFIG's list or ~/.kube/config, and the errors when it is not there.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kubeClient, kubeconfigFiles, KubeUnreachableError, loadKubeConfig } from '../../src/kube/client.js';
import { kubeOps } from '../../src/kube/ops.js';
import { FakeKubeApiServer } from '../fakes/kube-apiserver.js';
import { CLUSTER } from './kube-setup.js';

let fake: FakeKubeApiServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'kops-ts-kc-'));
}

function otherConfig(name: string, server = 'https://elsewhere.example:6443'): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: ${name}
  cluster:
    server: ${server}
users:
- name: ${name}
  user:
    token: other
contexts:
- name: ${name}
  context:
    cluster: ${name}
    user: ${name}
current-context: ${name}
`;
}

describe('kubeconfig files', () => {
  it('is --kubeconfig alone, else every KUBECONFIG entry, else ~/.kube/config', () => {
    expect(kubeconfigFiles('/x/config', { KUBECONFIG: '/a', HOME: '/h' })).toEqual(['/x/config']);
    expect(kubeconfigFiles(undefined, { KUBECONFIG: ['/a', '', '/b', '/a'].join(delimiter), HOME: '/h' })).toEqual(['/a', '/b']);
    expect(kubeconfigFiles(undefined, { HOME: '/h' })).toEqual(['/h/.kube/config']);
  });
});

describe('the cluster context', () => {
  it('picks the context named after the cluster, not the current one, from a KUBECONFIG list', async () => {
    fake = await FakeKubeApiServer.start();
    fake.addNode('n1');
    const d = dir();
    writeFileSync(join(d, 'a'), otherConfig('someone-else'));
    writeFileSync(join(d, 'b'), fake.kubeconfig(CLUSTER));
    const env = { KUBECONFIG: [join(d, 'missing'), join(d, 'a'), join(d, 'b')].join(delimiter) };
    const client = kubeClient({ clusterName: CLUSTER, env });
    expect(client.context).toBe(CLUSTER);
    expect(client.server).toBe(fake.url);
    expect(client.files).toEqual([join(d, 'a'), join(d, 'b')]);
    expect((await kubeOps(client).listNodes()).map((n) => n.name)).toEqual(['n1']);
    // the request reached the server of that context, with its user's token (the fake checks it)
    expect(fake.requests.at(-1)?.path).toBe('/api/v1/nodes?limit=500');
  });

  it('in a KUBECONFIG list the first file to define a name wins, as kubectl merges', () => {
    const d = dir();
    writeFileSync(join(d, 'a'), otherConfig(CLUSTER, 'https://first.example'));
    writeFileSync(join(d, 'b'), otherConfig(CLUSTER, 'https://second.example'));
    const { kc } = loadKubeConfig({ clusterName: CLUSTER, env: { KUBECONFIG: [join(d, 'a'), join(d, 'b')].join(delimiter) } });
    expect(kc.getCurrentCluster()?.server).toBe('https://first.example');
  });

  it('reads ~/.kube/config when neither --kubeconfig nor KUBECONFIG is set', () => {
    const home = dir();
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), otherConfig(CLUSTER, 'https://api.kube.example.com'));
    expect(kubeClient({ clusterName: CLUSTER, env: { HOME: home } }).server).toBe('https://api.kube.example.com');
  });

  it('says which file is missing and how to write one', () => {
    const home = dir();
    expect(() => loadKubeConfig({ clusterName: CLUSTER, env: { HOME: home } })).toThrow(expect.objectContaining({ code: 'KubeconfigNotFound', message: `no kubeconfig: ${join(home, '.kube', 'config')} does not exist` }));
    expect(() => loadKubeConfig({ clusterName: CLUSTER, kubeconfig: join(home, 'nope'), env: {} })).toThrow(expect.objectContaining({ code: 'KubeconfigNotFound', message: expect.stringContaining('(--kubeconfig) does not exist') }));
    try {
      loadKubeConfig({ clusterName: CLUSTER, env: { HOME: home } });
    } catch (e) {
      expect((e as { diagnostics: { hint?: string }[] }).diagnostics[0]?.hint).toContain(`kops-ts export kubeconfig ${CLUSTER} --admin`);
    }
  });

  it('names the missing context, the contexts there are, and the export command', () => {
    const d = dir();
    writeFileSync(join(d, 'config'), otherConfig('someone-else'));
    let err: unknown;
    try {
      loadKubeConfig({ clusterName: CLUSTER, kubeconfig: join(d, 'config') });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'KubeContextNotFound', message: `context "${CLUSTER}" not found in kubeconfig ${join(d, 'config')} (contexts: someone-else)` });
    expect((err as { diagnostics: { hint?: string }[] }).diagnostics[0]?.hint).toBe(`run \`kops-ts export kubeconfig ${CLUSTER} --admin\` to write a context for the cluster, or pass --kubeconfig`);
  });

  it('a file that is not a kubeconfig is a clear error', () => {
    const d = dir();
    writeFileSync(join(d, 'config'), 'this: [is not');
    expect(() => loadKubeConfig({ clusterName: CLUSTER, kubeconfig: join(d, 'config') })).toThrow(expect.objectContaining({ code: 'KubeconfigInvalid' }));
  });
});

describe('reaching the API', () => {
  it('an API that does not answer is KubeUnreachableError naming the server', async () => {
    fake = await FakeKubeApiServer.start();
    const d = dir();
    writeFileSync(join(d, 'config'), fake.kubeconfig(CLUSTER));
    const client = kubeClient({ clusterName: CLUSTER, kubeconfig: join(d, 'config') });
    await client.ping();
    fake.unreachable = true;
    const e = await client.ping().then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(KubeUnreachableError);
    expect((e as KubeUnreachableError).message).toContain(`cannot reach the Kubernetes API at ${fake.url}`);
    await expect(kubeOps(client).listNodes()).rejects.toBeInstanceOf(KubeUnreachableError);
  });

  it('a request the server never answers is bounded by the request timeout', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const d = dir();
    writeFileSync(join(d, 'config'), otherConfig(CLUSTER, `http://127.0.0.1:${port}`).replace('    server:', '    insecure-skip-tls-verify: true\n    server:'));
    const client = kubeClient({ clusterName: CLUSTER, kubeconfig: join(d, 'config'), requestTimeoutMs: 200 });
    try {
      await expect(client.ping()).rejects.toBeInstanceOf(KubeUnreachableError);
    } finally {
      silent.close();
    }
  });

  it('refused credentials are an error with the way to get new ones', async () => {
    fake = await FakeKubeApiServer.start({ token: 'right' });
    const d = dir();
    writeFileSync(join(d, 'config'), fake.kubeconfig(CLUSTER).replace('token: right', 'token: wrong'));
    const client = kubeClient({ clusterName: CLUSTER, kubeconfig: join(d, 'config') });
    const e = await kubeOps(client).listNodes().then(() => undefined, (x: unknown) => x);
    expect(e).toMatchObject({ code: 'KubeApiError', message: 'listing nodes: the Kubernetes API answered 401' });
    expect((e as { diagnostics: { hint?: string }[] }).diagnostics[0]?.hint).toContain(`kops-ts export kubeconfig ${CLUSTER} --admin`);
    await expect(client.ping()).rejects.toMatchObject({ code: 'KubeApiError', message: 'reaching the Kubernetes API: the Kubernetes API answered 401' });
  });
});
