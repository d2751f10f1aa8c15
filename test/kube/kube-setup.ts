/** A fake API server and a KubeClient reaching it through a kubeconfig file, as the CLI would. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeClient, type KubeClient } from '../../src/kube/client.js';
import { FakeKubeApiServer, type FakeKubeOptions } from '../fakes/kube-apiserver.js';

export const CLUSTER = 'kube.example.com';

export interface KubeFixture {
  readonly fake: FakeKubeApiServer;
  readonly client: KubeClient;
  readonly kubeconfig: string;
}

export async function startKube(opts: FakeKubeOptions = {}): Promise<KubeFixture> {
  const fake = await FakeKubeApiServer.start(opts);
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kops-ts-kube-')), 'config');
  writeFileSync(kubeconfig, fake.kubeconfig(CLUSTER), { mode: 0o600 });
  const client = kubeClient({ clusterName: CLUSTER, kubeconfig, env: {}, requestTimeoutMs: 5_000 });
  return { fake, client, kubeconfig };
}
