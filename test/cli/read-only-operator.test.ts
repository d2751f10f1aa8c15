/**
 * The read-only operator policy (`kops-ts get iam-policy --operator --read-only`) is what a plan
 * job needs, and no more. A cluster on an s3:// store in the emulator is applied, then changed;
 * a second cluster is only written to the store (a pull request creating one). Every command a
 * plan job runs (the plans of both, with `--out` and `--detailed-exitcode`, the plans of a pull
 * request's manifests (`update cluster -f`, of that cluster and of one not in the store), the saved plan's
 * report, get, get instances, get secrets (names only), validate cluster, toolbox dump, and the
 * previews of rolling-update, reconcile and delete cluster) goes through a recording proxy. Each request becomes the IAM action
 * and resource AWS would authorise, and the real policy evaluator must allow every one under the
 * read-only policy. None of them writes, none reads a private key, a secret, a bootstrap file or an
 * etcd backup (the policy denies those), and the store's objects are byte for byte as before.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { iamActionsOf } from '../../src/cloud/aws/call-scope.js';
import { operatorActions, readOnlyOperatorActions, readOnlyOperatorPolicy, STATE_STORE_SECRET_PATHS } from '../../src/cloudup/aws/operator-policy.js';
import { isReadAction } from '../../src/tasks/aws/iam-actions.js';
import type { FaultProxy, ProxiedRequest } from '../fakes/aws-fault-proxy.js';
import { FakeKubeApiServer, ec2InstanceSource } from '../fakes/kube-apiserver.js';
import { testAws, uniqueBucket } from '../helpers/aws.js';
import { evaluate } from '../helpers/iam-sim.js';
import { writeScratchKubeconfig } from '../helpers/kubeconfig.js';
import { operatorEnv, recordThroughProxy } from '../helpers/operator-env.js';
import { KEY, cli } from './harness.js';

const NAME = 'plan-job.example.com';
/** A cluster written to the store and never applied: the plan of a pull request that creates one. */
const FRESH = 'fresh.example.com';
const PREFIX = 'kops';
const SERVICE_PREFIX: Readonly<Record<string, string>> = { ec2: 'ec2', autoscaling: 'autoscaling', elbv2: 'elasticloadbalancing', iam: 'iam', sts: 'sts', route53: 'route53' };

let aws: ReturnType<typeof testAws>;
let env: Record<string, string>;
let bucket = '';
let url = '';
let kube: FakeKubeApiServer;
let proxy: FaultProxy;
let sent: ProxiedRequest[] = [];

/** The IAM request AWS authorises for one recorded HTTP request: action, resource and context. */
function authorised(q: ProxiedRequest): { action: string; resource: string; context?: Record<string, string> }[] {
  if (q.service !== 's3') return [{ action: `${SERVICE_PREFIX[q.service] ?? q.service}:${q.operation}`, resource: '*' }];
  const [b, ...key] = q.path.split('/').filter((p) => p.length > 0).map(decodeURIComponent);
  return iamActionsOf('s3', q.operation).map((action) =>
    key.length > 0 ? { action, resource: `arn:aws:s3:::${b}/${key.join('/')}` }
      : { action, resource: `arn:aws:s3:::${b}`, context: { 's3:prefix': new URLSearchParams(q.query).get('prefix') ?? '' } });
}

/** Every object of the store with its bytes, read with the emulator account's own clients. */
async function storeContents(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let token: string | undefined;
  do {
    const page = await aws.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${PREFIX}/`, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const body = await aws.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
      out[o.Key!] = Buffer.from(await body.Body!.transformToByteArray()).toString('base64');
    }
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

const run = (args: string[]) => cli(['--state', url, ...args], { env });

beforeAll(async () => {
  aws = testAws();
  env = await operatorEnv(aws);
  bucket = uniqueBucket('kops-ts-plan-job');
  await aws.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  url = `s3://${bucket}/${PREFIX}`;
  const create = await run(['create', 'cluster', '--name', NAME, '--zones', 'us-east-1a,us-east-1b', '--node-count', '2', '--ssh-public-key', KEY]);
  expect(create.code, create.stderr).toBe(0);
  const apply = await run(['update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false']);
  expect(apply.code, apply.stderr).toBe(0);
  // A change for the plan to show: one more node.
  const edit = await run(['edit', 'ig', 'nodes-us-east-1a', '--name', NAME, '--set', 'spec.maxSize=3', '--set', 'spec.minSize=2']);
  expect(edit.code, edit.stderr).toBe(0);
  const fresh = await run(['create', 'cluster', '--name', FRESH, '--zones', 'us-east-1a', '--ssh-public-key', KEY]);
  expect(fresh.code, fresh.stderr).toBe(0);
  kube = await FakeKubeApiServer.start({ instances: ec2InstanceSource(aws.clients.ec2) });
  env.KUBECONFIG = writeScratchKubeconfig(kube.kubeconfig(NAME));
  // From here on the CLI's clients go through the proxy.
  proxy = await recordThroughProxy(aws, env, (q) => sent.push(q));
}, 240_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await kube?.close();
  await proxy?.close();
});

describe('a plan job under the read-only operator policy (emulator, s3:// store)', () => {
  it('makes only requests the policy allows, writes nothing and reads no secret', async () => {
    const before = await storeContents();
    const dir = mkdtempSync(join(tmpdir(), 'kops-ts-plan-job-'));
    const plan = join(dir, 'plan.json');
    // The pull request's files: the applied cluster's manifest, and one of a cluster not in the store.
    const manifest = join(dir, 'cluster.yaml');
    writeFileSync(manifest, `${(await run(['get', 'cluster', NAME, '-o', 'yaml'])).stdout.trimEnd()}\n---\n${(await run(['get', 'ig', '--name', NAME, '-o', 'yaml'])).stdout}`);
    const created = join(dir, 'new.yaml');
    writeFileSync(created, (await run(['create', 'cluster', '--name', 'pr-new.example.com', '--zones', 'us-east-1a', '--dry-run', '-o', 'yaml'])).stdout);
    sent = [];
    const commands: { args: string[]; code: number }[] = [
      { args: ['update', 'cluster', '--name', NAME], code: 0 },
      { args: ['update', 'cluster', '--name', FRESH, '-o', 'json'], code: 0 },
      { args: ['update', 'cluster', '--name', NAME, '--out', plan, '--detailed-exitcode'], code: 2 },
      { args: ['update', 'cluster', '--name', NAME, '--plan', plan], code: 0 },
      { args: ['update', 'cluster', '--name', NAME, '-f', manifest, '--out', join(dir, 'pr-plan.json'), '--detailed-exitcode'], code: 2 },
      { args: ['update', 'cluster', '-f', created, '-o', 'json'], code: 0 },
      { args: ['get', 'clusters'], code: 0 },
      { args: ['get', 'ig', '--name', NAME], code: 0 },
      { args: ['get', 'instances', '--name', NAME], code: 0 },
      { args: ['get', 'secrets', '--name', NAME], code: 0 },
      { args: ['validate', 'cluster', '--name', NAME], code: 0 },
      { args: ['toolbox', 'dump', '--name', NAME, '-o', 'json'], code: 0 },
      { args: ['rolling-update', 'cluster', '--name', NAME], code: 0 },
      { args: ['reconcile', 'cluster', '--name', NAME], code: 0 },
      { args: ['delete', 'cluster', '--name', NAME], code: 0 },
    ];
    for (const c of commands) {
      const r = await run(c.args);
      expect(r.code, `kops-ts ${c.args.join(' ')}: ${r.stderr}`).toBe(c.code);
    }
    // The proxy saw the plan's reads: the check below is of real traffic.
    const operations = new Set(sent.map((q) => `${q.service}:${q.operation}`));
    expect([...operations]).toEqual(expect.arrayContaining(['sts:GetCallerIdentity', 'ec2:DescribeVpcs', 'autoscaling:DescribeAutoScalingGroups', 's3:GetObject', 's3:ListObjectsV2']));

    const policy = readOnlyOperatorPolicy({ stateStore: { bucket, prefix: PREFIX } });
    const requests = new Map<string, { action: string; resource: string; context?: Record<string, string> }>();
    for (const q of sent) for (const a of authorised(q)) requests.set(JSON.stringify(a), a);
    const decided = await Promise.all([...requests.values()].map(async (a) => `${a.action} ${a.resource} ${await evaluate(policy, a)}`));
    expect(decided.filter((d) => !d.endsWith(' Allowed'))).toEqual([]);
    expect([...requests.values()].filter((a) => !isReadAction(a.action)).map((a) => a.action)).toEqual([]);

    // No command of the job reads what the policy denies.
    const secretReads = sent.filter((q) => q.service === 's3' && STATE_STORE_SECRET_PATHS.some((p) => q.path.includes(`/${p}`)));
    expect(secretReads.map((q) => q.path)).toEqual([]);
    expect(await storeContents()).toEqual(before);
  }, 240_000);

  it('the policy refuses every change the full operator policy allows, and the store\'s secrets', async () => {
    const policy = readOnlyOperatorPolicy({ stateStore: { bucket, prefix: PREFIX } });
    const reads = new Set(readOnlyOperatorActions());
    const writes = operatorActions().filter((a) => !reads.has(a));
    expect(writes).toEqual(expect.arrayContaining(['ec2:CreateVpc', 'autoscaling:TerminateInstanceInAutoScalingGroup', 'iam:PassRole', 'elasticloadbalancing:DeleteLoadBalancer']));
    const allowed = await Promise.all(writes.map(async (a) => `${a} ${await evaluate(policy, { action: a })}`));
    expect(allowed.filter((d) => !d.endsWith(' ImplicitlyDenied'))).toEqual([]);
    const object = (key: string) => `arn:aws:s3:::${bucket}/${PREFIX}/${NAME}/${key}`;
    for (const a of ['s3:PutObject', 's3:DeleteObject']) expect(await evaluate(policy, { action: a, resource: object('config') })).toBe('ImplicitlyDenied');
    expect(await evaluate(policy, { action: 's3:GetObject', resource: object('config') })).toBe('Allowed');
    expect(await evaluate(policy, { action: 's3:GetObject', resource: object('pki/issued/kubernetes-ca/keyset.yaml') })).toBe('Allowed');
    for (const key of ['pki/private/kubernetes-ca/keyset.yaml', 'secrets/admin', 'igconfig/node/nodes-us-east-1a/kubeadm-join.yaml', 'backups/etcd/main/2026-12-04T00:00:00Z/etcd.db']) {
      expect(await evaluate(policy, { action: 's3:GetObject', resource: object(key) }), key).toBe('ExplicitlyDenied');
    }
    expect(await evaluate(policy, { action: 's3:GetObject', resource: `arn:aws:s3:::other-bucket/${PREFIX}/${NAME}/config` })).toBe('ImplicitlyDenied');
  });
});
