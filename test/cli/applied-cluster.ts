/**
 * A cluster as a user has it before a rolling update: `create cluster` and `update cluster --yes`
 * through the CLI on the AWS emulator (an operator's credentials, a file store), and a fake
 * Kubernetes API whose Nodes follow the emulator's instances, reached through a scratch kubeconfig
 * in `env.KUBECONFIG`. For the end-to-end roll tests; close `fake` after them.
 */
import { expect } from 'vitest';
import { FakeKubeApiServer, ec2InstanceSource } from '../fakes/kube-apiserver.js';
import { testAws, type TestAws } from '../helpers/aws.js';
import { writeScratchKubeconfig } from '../helpers/kubeconfig.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { KEY, cli, tempStore } from './harness.js';

export interface AppliedCluster {
  readonly aws: TestAws;
  readonly env: Record<string, string>;
  readonly url: string;
  readonly fake: FakeKubeApiServer;
}

/** `createFlags`: create cluster's flags after the name (zones, sizes, counts); the SSH key is added. */
export async function appliedCluster(name: string, createFlags: readonly string[]): Promise<AppliedCluster> {
  const aws = testAws();
  const env = await operatorEnv(aws);
  const url = tempStore().url;
  const create = await cli(['--state', url, 'create', 'cluster', '--name', name, ...createFlags, '--ssh-public-key', KEY], { env });
  expect(create.code, create.stderr).toBe(0);
  const update = await cli(['--state', url, 'update', 'cluster', '--name', name, '--yes', '--create-kube-config=false'], { env });
  expect(update.code, update.stderr).toBe(0);
  const fake = await FakeKubeApiServer.start({ instances: ec2InstanceSource(aws.clients.ec2) });
  env.KUBECONFIG = writeScratchKubeconfig(fake.kubeconfig(name));
  return { aws, env, url, fake };
}
