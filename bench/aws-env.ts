/**
 * The AWS side of the benchmarks: one emulator (moto, as the test suite uses) for the whole run,
 * a fresh emulator account per case, an S3 state store in it, and a shaping proxy
 * (test/fakes/aws-fault-proxy.ts) in front, which sees every HTTP request: the counts are of
 * requests on the wire (retries included), not of SDK calls.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { AwsClients, type AwsClientOptions, type AwsRequestHook } from '../src/cloud/aws/clients.js';
import type { EndpointRateLimiters } from '../src/cloud/aws/rate-limit.js';
import { newCluster } from '../src/cloudup/new-cluster.js';
import { updateCluster, type UpdateClusterResult } from '../src/cloudup/update-cluster.js';
import type { EventSink } from '../src/events.js';
import { buildAwsTasks } from '../src/model/aws/index.js';
import { completeCluster } from '../src/model/completion.js';
import type { InstanceGroup } from '../src/model/api/types.js';
import { Clientset } from '../src/statestore/clientset.js';
import { openStateStore } from '../src/statestore/open.js';
import { sshPublicKeyFingerprint } from '../src/statestore/ssh.js';
import { awsTaskRegistry } from '../src/tasks/aws/registry.js';
import { buildGraph, type Graph } from '../src/tasks/graph.js';
import { startMoto, type RunningEmulator } from '../test/emulator/moto.js';
import { startFaultProxy, type FaultProxy, type ProxyShaping } from '../test/fakes/aws-fault-proxy.js';

const KEY = readFileSync(new URL('../scripts/demo-key.pub', import.meta.url), 'utf8').trim();
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

let emulator: Promise<RunningEmulator> | undefined;

/** The run's emulator: `AWS_TEST_ENDPOINT` if set, else a moto_server started once (stopped by `stopEmulator`). */
export async function emulatorEndpoint(): Promise<string> {
  const existing = process.env.AWS_TEST_ENDPOINT;
  if (existing) return existing;
  emulator ??= startMoto();
  return (await emulator).endpoint;
}

export async function stopEmulator(): Promise<void> {
  if (emulator) await (await emulator).stop();
  emulator = undefined;
}

export interface BenchCluster {
  readonly name: string;
  readonly cs: Clientset;
  readonly proxy: FaultProxy;
  readonly nodeGroups: number;
  /** `update cluster` through the proxy (SDK retries as in production: adaptive, 5 attempts). */
  update(yes: boolean, opts?: { events?: EventSink; hooks?: readonly AwsRequestHook[]; rateLimiters?: EndpointRateLimiters }): Promise<UpdateClusterResult>;
  /** The task graph `update cluster` builds for this spec (the same model call, no cloud). */
  graph(): Promise<Graph>;
  close(): Promise<void>;
}

/**
 * An HA cluster (3 control planes in 3 zones) with `nodeGroups` node instance groups, its spec in
 * an S3 state store of a fresh emulator account, every request through a new proxy.
 */
export async function haCluster(nodeGroups: number, shaping: ProxyShaping = {}, store: 's3' | 'memory' = 's3'): Promise<BenchCluster> {
  const endpoint = await emulatorEndpoint();
  const proxy = await startFaultProxy(endpoint, shaping);
  const account = String(randomInt(100_000_000_000, 999_999_999_999));
  const accountHook: AwsRequestHook = (req) => {
    req.headers['x-moto-account-id'] = account;
  };
  const base: AwsClientOptions = {
    region: 'us-east-1',
    endpoint: proxy.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    hooks: [accountHook],
  };
  const bucket = `kops-ts-bench-${randomBytes(6).toString('hex')}`;
  if (store === 's3') await new AwsClients(base).s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const cs = new Clientset(openStateStore(store === 's3' ? `s3://${bucket}/state` : `memory://${bucket}`, { aws: base }));
  const name = `ha${nodeGroups}.example.com`;
  const built = newCluster({ name, zones: ZONES, controlPlaneZones: ZONES });
  const nodes = built.instanceGroups.filter((g) => g.spec.role === 'Node');
  const extra: InstanceGroup[] = [];
  for (let i = nodes.length; i < nodeGroups; i++) {
    const b = nodes[i % nodes.length]!;
    extra.push({ ...b, metadata: { ...b.metadata, name: `nodes-extra-${i}` }, spec: { ...b.spec } });
  }
  const igs = [...built.instanceGroups.filter((g) => g.spec.role !== 'Node'), ...nodes.slice(0, nodeGroups), ...extra];
  await cs.createCluster(built.cluster, igs, { sshPublicKeys: [KEY] });
  proxy.clear();
  const { region: _region, ...aws } = base;
  return {
    name,
    cs,
    proxy,
    nodeGroups,
    update: (yes, opts = {}) =>
      updateCluster({
        clientset: cs,
        clusterName: name,
        yes,
        aws: { ...aws, hooks: [...(aws.hooks ?? []), ...(opts.hooks ?? [])], ...(opts.rateLimiters ? { rateLimiters: opts.rateLimiters } : {}) },
        ...(opts.events ? { events: opts.events } : {}),
      }),
    async graph() {
      const cluster = (await cs.getCluster(name)).object;
      const groups = (await cs.listInstanceGroups(name)).map((v) => v.object);
      const completed = completeCluster(cluster, groups);
      const tasks = buildAwsTasks({
        cluster: completed.cluster,
        instanceGroups: completed.instanceGroups,
        sshPublicKey: { key: KEY, fingerprint: sshPublicKeyFingerprint(KEY) },
        ...(store === 's3' ? { stateStore: { bucket, prefix: 'state' } } : {}),
      });
      return buildGraph(tasks, awsTaskRegistry());
    },
    close: () => proxy.close(),
  };
}

/** Requests the proxy saw, by `service:Operation`, sorted. */
export function countsByOperation(proxy: FaultProxy): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of proxy.requests) m.set(`${r.service}:${r.operation}`, (m.get(`${r.service}:${r.operation}`) ?? 0) + 1);
  return new Map([...m].sort(([a], [b]) => a.localeCompare(b)));
}
