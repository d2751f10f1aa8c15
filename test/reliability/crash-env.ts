/** A fresh emulator account and a minimal cluster's spec in a file store, for the crash tests. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { testAws, type TestAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { KEY } from '../cli/harness.js';

export const NAME = 'crash.example.com';
const SSH_KEY = readFileSync(KEY, 'utf8').trim();

export interface Env {
  readonly aws: TestAws;
  readonly url: string;
  readonly env: Record<string, string>;
}

/** A fresh account with an IAM user whose keys the child uses (moto maps them to the account), and the cluster's spec in a file store. */
export async function freshCluster(endpoint: string): Promise<Env> {
  const aws = testAws();
  const env = await operatorEnv(aws, { endpoint, stub: false });
  const url = `file://${mkdtempSync(join(tmpdir(), 'kops-ts-crash-'))}`;
  const built = newCluster({ name: NAME, zones: ['us-east-1a'] });
  await new Clientset(openStateStore(url)).createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [SSH_KEY] });
  return { aws, url, env };
}

