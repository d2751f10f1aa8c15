/**
 * `control-planes.py`, AWS's lister of a cluster's existing control planes (for the etcd member
 * cleanup before a join), run with the real python3 against the emulator's EC2 and a fake IMDSv2:
 * among decoys (a terminated control plane, another cluster's, a worker of this cluster) it prints
 * exactly the private addresses of this cluster's control-plane instances that are not terminated
 * (a stopped one included: it may be started again), reading every page; it fails clearly, without
 * credentials, when EC2 cannot be asked. With the real policy evaluator, the control plane's
 * instance role may call DescribeInstances.
 *
 * The script sends no emulator account header, so everything here lives in the emulator's default
 * account; each test uses its own cluster name, which the script filters on.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeImagesCommand, DescribeInstancesCommand, EC2Client, RunInstancesCommand, StopInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_PLANES_PY } from '../../src/bootstrap/aws-control-planes.js';
import { ETCD_VOLUME_PY } from '../../src/bootstrap/etcd-volume.js';
import { S3_FETCH_PY } from '../../src/bootstrap/s3-fetch.js';
import { awsCloudBootstrap } from '../../src/bootstrap/user-data.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { controlPlanePolicy, policyFacts } from '../../src/model/aws/iam-policies.js';
import { instanceGroupRoleTags } from '../../src/model/aws/autoscaler-tags.js';
import { awsEndpoint, TEST_CREDENTIALS } from '../helpers/aws.js';
import { evaluate } from '../helpers/iam-sim.js';
import { startFakeImds, type FakeImds } from '../fakes/imds.js';

const dir = mkdtempSync(join(tmpdir(), 'kops-ts-control-planes-'));
writeFileSync(join(dir, 's3get.py'), S3_FETCH_PY);
writeFileSync(join(dir, 'etcdvol.py'), ETCD_VOLUME_PY);
const script = join(dir, 'control-planes.py');
writeFileSync(script, CONTROL_PLANES_PY);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROLE_CREDS = { AccessKeyId: 'ASIAEXAMPLEROLEKEY00', SecretAccessKey: 'role-secret-never-printed', Token: 'session-token-never-printed' };
const ec2 = new EC2Client({ region: 'us-east-1', endpoint: awsEndpoint(), credentials: TEST_CREDENTIALS, maxAttempts: 1 });

let imds: FakeImds;
beforeAll(async () => {
  imds = await startFakeImds({ role: 'masters.c.example.com', credentials: ROLE_CREDS });
});
afterAll(() => imds.close());

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const all = { PATH: process.env.PATH ?? '', KOPS_TS_IMDS_ENDPOINT: imds.url, KOPS_TS_EC2_ENDPOINT: awsEndpoint(), KOPS_TS_EC2_PAGE_SIZE: '5', ...env };
  return new Promise((resolve) => {
    execFile('python3', [script, ...args], { env: all, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The tags the model puts on an instance of a group of `role` (besides Name and the ownership tags). */
function tagsOf(cluster: string, role: 'ControlPlane' | 'Node'): Record<string, string> {
  const ig = { metadata: { name: role === 'ControlPlane' ? 'control-plane-us-east-1a' : 'nodes' }, spec: {} };
  return { KubernetesCluster: cluster, [`kubernetes.io/cluster/${cluster}`]: 'owned', ...instanceGroupRoleTags(role, ig as Parameters<typeof instanceGroupRoleTags>[1]) };
}

/** One instance (its own reservation) with `tags`: its id and private address. */
async function instance(tags: Record<string, string>): Promise<{ id: string; ip: string }> {
  const image = (await ec2.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
  const r = await ec2.send(new RunInstancesCommand({
    ImageId: image, MinCount: 1, MaxCount: 1, InstanceType: 't3.medium',
    TagSpecifications: [{ ResourceType: 'instance', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }],
  }));
  const i = r.Instances![0]!;
  return { id: i.InstanceId!, ip: i.PrivateIpAddress! };
}

const clusterName = () => `c${randomBytes(4).toString('hex')}.example.com`;

describe('control-planes.py against the emulator', () => {
  it('prints exactly the private addresses of its cluster\'s control planes that still exist, every page read', async () => {
    const cluster = clusterName();
    const cps = [];
    for (let i = 0; i < 6; i++) cps.push(await instance(tagsOf(cluster, 'ControlPlane')));
    const terminated = await instance(tagsOf(cluster, 'ControlPlane'));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [terminated.id] }));
    await ec2.send(new StopInstancesCommand({ InstanceIds: [cps[5]!.id] }));
    const decoys = [await instance(tagsOf(clusterName(), 'ControlPlane')), await instance(tagsOf(cluster, 'Node'))];
    const states = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [terminated.id, cps[5]!.id] }))).Reservations!
      .flatMap((r) => r.Instances!).map((i) => `${i.InstanceId} ${i.State!.Name}`).sort();
    expect(states).toEqual([`${cps[5]!.id} stopped`, `${terminated.id} terminated`].sort());

    const r = await run([cluster, 'us-east-1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(cps.map((c) => `${c.ip}\n`).sort().join(''));
    for (const d of [terminated, ...decoys]) expect(r.stdout).not.toContain(`${d.ip}\n`);
  });

  it('prints nothing for a cluster without control planes', async () => {
    expect(await run([clusterName(), 'us-east-1'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('fails clearly, naming the cluster and never a credential, when EC2 cannot be asked', async () => {
    const cluster = clusterName();
    const r = await run([cluster, 'us-east-1'], { KOPS_TS_EC2_ENDPOINT: 'http://127.0.0.1:9' });
    expect(r).toEqual({ code: 1, stdout: '', stderr: `kops-ts: cannot list the control planes of cluster ${cluster} (URLError)\n` });
    for (const v of Object.values(ROLE_CREDS)) expect(r.stderr).not.toContain(v);
  });

  it('is what AWS\'s bootstrap gives the etcd member cleanup', () => {
    expect(awsCloudBootstrap('us-east-1').controlPlaneAddressesCommand).toBe('python3 /opt/kops-ts/control-planes.py "$CLUSTER" "$REGION"');
  });
});

describe('IAM for the control-plane lister', () => {
  it('a control plane\'s instance role may call DescribeInstances', async () => {
    const c = structuredClone(newCluster({ name: 'c1.example.com', zones: ['us-east-1a'] }).cluster);
    c.spec.iam = { legacy: false };
    const cp = controlPlanePolicy(policyFacts(c, { region: 'us-east-1', state: { bucket: 'state-bucket', prefix: 'kops' } }));
    expect(await evaluate(cp, { action: 'ec2:DescribeInstances' })).toBe('Allowed');
    expect(await evaluate(cp, { action: 'ec2:DescribeInstanceStatus' })).toBe('ImplicitlyDenied');
  });
});
