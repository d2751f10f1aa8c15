/**
 * `get instances` and `toolbox dump` end to end, as a user runs them: a cluster (one control plane,
 * nodes in two zones) created and applied through the CLI on the AWS emulator, a fake Kubernetes
 * API whose Nodes are named unlike their instances (so the join by provider id shows), and decoys
 * in the same account and VPC without the ownership tag, which neither command may show.
 */
import { CreateSecurityGroupCommand, DescribeInstancesCommand, DescribeVpcsCommand, RunInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { readFileSync } from 'node:fs';
import { writeScratchKubeconfig } from '../helpers/kubeconfig.js';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsCallRecorder } from '../../src/cloud/aws/call-scope.js';
import { operatorActions } from '../../src/cloudup/aws/operator-policy.js';
import { dumpCluster, type ClusterDump, type InstanceRow } from '../../src/cloudup/inspect.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { openCloudProvider } from '../../src/rolling-update/providers.js';
import { FakeKubeApiServer } from '../fakes/kube-apiserver.js';
import { testAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { KEY, cli, tempStore } from './harness.js';

const NAME = 'inspect.example.com';
let env: Record<string, string>;
let url: string;
let fake: FakeKubeApiServer;
let aws: ReturnType<typeof testAws>;
/** The cluster's instances as EC2 has them. */
let owned: Instance[];
/** The instance left without a Node (not joined yet). */
let unjoined: string;
let decoy: { sg: string; instance: string };

const tagOf = (i: Instance, k: string) => i.Tags?.find((t) => t.Key === k)?.Value;

async function ec2Instances(): Promise<Instance[]> {
  const r = await aws.clients.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running', 'pending'] }] }));
  return (r.Reservations ?? []).flatMap((x) => x.Instances ?? []);
}

beforeAll(async () => {
  aws = testAws();
  env = await operatorEnv(aws);
  url = tempStore().url;
  const create = await cli(['--state', url, 'create', 'cluster', '--name', NAME, '--zones', 'us-east-1a,us-east-1b', '--ssh-public-key', KEY], { env });
  expect(create.code, create.stderr).toBe(0);
  const update = await cli(['--state', url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
  expect(update.code, update.stderr).toBe(0);

  owned = (await ec2Instances()).filter((i) => tagOf(i, 'KubernetesCluster') === NAME);
  expect(owned.length).toBeGreaterThanOrEqual(3);
  // Nodes named unlike the instances' DNS names (kubelet --hostname-override), matched by provider id.
  fake = await FakeKubeApiServer.start({});
  const nodes = owned.filter((i) => !tagOf(i, 'k8s.io/role/control-plane'));
  unjoined = nodes[0]!.InstanceId!;
  for (const i of owned) {
    if (i.InstanceId === unjoined) continue;
    const controlPlane = tagOf(i, 'k8s.io/role/control-plane') !== undefined;
    fake.addNode(`k8s-${i.InstanceId}`, { providerId: `aws:///${i.Placement?.AvailabilityZone}/${i.InstanceId}`, controlPlane, instanceGroup: tagOf(i, 'kops.k8s.io/instancegroup')! });
  }
  env.KUBECONFIG = writeScratchKubeconfig(fake.kubeconfig(NAME));

  // Decoys in the cluster's VPC and subnet, without the ownership tag.
  const vpcId = (await aws.clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:KubernetesCluster', Values: [NAME] }] }))).Vpcs![0]!.VpcId!;
  const sg = (await aws.clients.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'decoy', Description: 'not the cluster\'s', VpcId: vpcId }))).GroupId!;
  const run = await aws.clients.ec2.send(new RunInstancesCommand({ ImageId: owned[0]!.ImageId!, MinCount: 1, MaxCount: 1, SubnetId: owned[0]!.SubnetId!, InstanceType: 't3.micro' }));
  decoy = { sg, instance: run.Instances![0]!.InstanceId! };
}, 240_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await fake?.close();
});

describe('get instances (emulator, fake Kubernetes API)', () => {
  it('lists every instance with kops\'s columns, NODE-NAME and ROLES from the Node', async () => {
    const r = await cli(['--state', url, '--name', NAME, 'get', 'instances'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    if (process.env.SHOW_INSPECT) console.log(r.stdout);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s+/)).toEqual(['ID', 'NODE-NAME', 'STATUS', 'ROLES', 'INTERNAL-IP', 'EXTERNAL-IP', 'INSTANCE-GROUP', 'MACHINE-TYPE', 'STATE']);
    expect(lines).toHaveLength(owned.length + 1);
    for (const i of owned) {
      const line = lines.find((l) => l.startsWith(`${i.InstanceId} `));
      expect(line, i.InstanceId).toBeDefined();
      expect(line).toContain(i.PrivateIpAddress!);
      expect(line).toContain(tagOf(i, 'kops.k8s.io/instancegroup')!);
      expect(line).toContain(i.InstanceType!);
      if (i.InstanceId === unjoined) expect(line).not.toContain('k8s-');
      else expect(line).toContain(`k8s-${i.InstanceId}`);
    }
    expect(r.stdout).not.toContain(decoy.instance);
  });

  it('-o json and -o yaml give the same rows, joined by provider id', async () => {
    const json = await cli(['--state', url, '--name', NAME, 'get', 'instances', '-o', 'json'], { env });
    expect(json.code, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as InstanceRow[];
    expect(rows.map((x) => x.id).sort()).toEqual(owned.map((i) => i.InstanceId!).sort());
    for (const row of rows) {
      const i = owned.find((x) => x.InstanceId === row.id)!;
      const controlPlane = tagOf(i, 'k8s.io/role/control-plane') !== undefined;
      expect(row).toEqual({
        id: i.InstanceId,
        nodeName: row.id === unjoined ? '' : `k8s-${i.InstanceId}`,
        status: 'UpToDate',
        roles: [controlPlane ? 'control-plane' : 'node'],
        internalIP: i.PrivateIpAddress,
        externalIP: i.PublicIpAddress ?? '',
        instanceGroup: tagOf(i, 'kops.k8s.io/instancegroup'),
        machineType: i.InstanceType,
        state: 'InService',
      });
    }
    const yaml = await cli(['--state', url, 'get', 'instances', NAME, '-o', 'yaml'], { env });
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(parseAllDocuments(yaml.stdout).map((d) => d.toJS() as InstanceRow)).toEqual(rows);
  });

  it('without a reachable API: one warning line saying why, node names from the cloud, still exit 0', async () => {
    const down = writeScratchKubeconfig(fake.kubeconfig(NAME).replace(fake.url, 'http://127.0.0.1:9'));
    for (const kubeconfig of [down, '/nonexistent/kubeconfig']) {
      const r = await cli(['--state', url, '--name', NAME, 'get', 'instances', '-o', 'json'], { env: { ...env, KUBECONFIG: kubeconfig } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^warning: cannot list node names, the Kubernetes API is unavailable \(.+\); NODE-NAME is the instance's private DNS name\n$/);
      if (kubeconfig === down) expect(r.stderr).toContain('127.0.0.1:9');
      else expect(r.stderr).toContain('/nonexistent/kubeconfig');
      const rows = JSON.parse(r.stdout) as InstanceRow[];
      expect(rows).toHaveLength(owned.length);
      for (const row of rows) expect(row.nodeName).toBe(owned.find((i) => i.InstanceId === row.id)!.PrivateDnsName);
    }
    const table = await cli(['--state', url, '--name', NAME, 'get', 'instances'], { env: { ...env, KUBECONFIG: down } });
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(owned[0]!.PrivateDnsName!);
  });

  it('a cluster not applied yet has no instances: "No instances found" on stderr, [] with -o json', async () => {
    const other = 'notyet.example.com';
    const create = await cli(['--state', url, 'create', 'cluster', '--name', other, '--zones', 'us-east-1a', '--ssh-public-key', KEY], { env });
    expect(create.code, create.stderr).toBe(0);
    const table = await cli(['--state', url, '--name', other, 'get', 'instances'], { env });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toBe('');
    expect(table.stderr).toContain(`No instances found for cluster ${other}`);
    const json = await cli(['--state', url, '--name', other, 'get', 'instances', '-o', 'json'], { env });
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it('refuses an unknown output format and an unknown cluster with specific errors', async () => {
    const bad = await cli(['--state', url, '--name', NAME, 'get', 'instances', '-o', 'xml'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown output format "xml"');
    const missing = await cli(['--state', url, '--name', 'nope.example.com', 'get', 'instances'], { env });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('nope.example.com');
  });
});

describe('toolbox dump (emulator)', () => {
  let dump: ClusterDump;

  it('-o yaml (the default) and -o json give the same document', async () => {
    const json = await cli(['--state', url, '--name', NAME, 'toolbox', 'dump', '-o', 'json'], { env });
    expect(json.code, json.stderr).toBe(0);
    dump = JSON.parse(json.stdout) as ClusterDump;
    if (process.env.SHOW_INSPECT) console.log(json.stdout);
    const yaml = await cli(['--state', url, 'toolbox', 'dump', NAME], { env });
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(parseYaml(yaml.stdout)).toEqual(dump);
    const bad = await cli(['--state', url, '--name', NAME, 'toolbox', 'dump', '-o', 'table'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('use -o yaml|json');
  });

  it('has the VPC, subnets, load balancer, security groups, autoscaling groups, etcd volumes and instances with their addresses', async () => {
    expect(dump.cluster).toBe(NAME);
    expect(dump.region).toBe('us-east-1');
    const vpc = (await aws.clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:KubernetesCluster', Values: [NAME] }] }))).Vpcs![0]!;
    expect(dump.vpc).toEqual({ id: vpc.VpcId, cidr: vpc.CidrBlock });
    expect(dump.subnets.map((s) => s.zone).sort()).toEqual(['us-east-1a', 'us-east-1b']);
    expect(dump.subnets.every((s) => s.id.startsWith('subnet-') && /\/\d+$/.test(s.cidr))).toBe(true);
    expect(dump.loadBalancers).toHaveLength(1);
    expect(dump.loadBalancers[0]!.name).toMatch(/^api-/);
    expect(dump.loadBalancers[0]!.dnsName).toMatch(/\./);
    expect(dump.securityGroups.map((g) => g.name)).toEqual(expect.arrayContaining([`masters.${NAME}`, `nodes.${NAME}`]));
    const igs = (await new Clientset(openStateStore(url)).listInstanceGroups(NAME)).map((v) => v.object.metadata.name).sort();
    expect(dump.autoscalingGroups.map((g) => g.instanceGroup).sort()).toEqual(igs);
    expect(dump.etcdVolumes.map((v) => `${v.etcdCluster}/${v.etcdMember}`).sort()).toEqual(['main/a']);
    expect(dump.etcdVolumes.every((v) => v.id.startsWith('vol-') && v.encrypted)).toBe(true);
    expect(dump.instances.map((i) => i.id).sort()).toEqual(owned.map((i) => i.InstanceId!).sort());
    for (const i of dump.instances) {
      const e = owned.find((x) => x.InstanceId === i.id)!;
      expect(i.privateAddresses).toEqual([e.PrivateIpAddress]);
      expect(i.name).toBe(e.PrivateDnsName);
      expect(i.state).toBe('InService');
    }
    // Every section's ids are in `resources` too (the listing delete cluster also makes).
    const ids = new Set(dump.resources.map((r) => r.id));
    for (const id of [vpc.VpcId!, ...dump.subnets.map((s) => s.id), ...dump.securityGroups.map((g) => g.id), ...dump.etcdVolumes.map((v) => v.id), ...dump.instances.map((i) => i.id)]) expect(ids, id).toContain(id);
    expect(dump.resources.map((r) => r.type)).toEqual(expect.arrayContaining(['autoscaling-group', 'launch-template', 'iam-role', 'keypair', 'route-table', 'internet-gateway', 'load-balancer', 'target-group']));
  });

  it('shows nothing without the ownership tag and nothing secret', async () => {
    const text = JSON.stringify(dump);
    expect(text).not.toContain(decoy.sg);
    expect(text).not.toContain(decoy.instance);
    const publicKeyBody = readFileSync(KEY, 'utf8').trim().split(/\s+/)[1]!;
    expect(text).not.toContain(publicKeyBody);
    expect(text).not.toMatch(/userData|UserData|cloud-config|PRIVATE KEY|PolicyDocument|"Statement"/);
  });

  it('makes only reads, each one in the operator IAM policy', async () => {
    const recorder = new AwsCallRecorder();
    const { region: _region, ...opts } = aws.options;
    aws.counter.reset();
    const recorded = { ...opts, hooks: [...(opts.hooks ?? []), recorder.hook] };
    const cs = new Clientset(openStateStore(url));
    const cloud = await openCloudProvider((await cs.getCluster(NAME)).object, { aws: recorded });
    const again = await dumpCluster({ clientset: cs, clusterName: NAME, aws: recorded, cloud });
    expect(again).toEqual(dump);
    expect(recorder.calls.map((x) => x.operation)).toEqual(expect.arrayContaining(['DescribeAutoScalingGroups', 'DescribeInstances', 'DescribeVpcs', 'DescribeVolumes']));
    const calls = [...aws.counter.counts.keys()];
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((k) => !/:(Describe|List|Get)/.test(k))).toEqual([]);
    const declared = new Set(operatorActions());
    expect([...new Set(recorder.calls.flatMap((x) => x.actions))].filter((a) => !declared.has(a))).toEqual([]);
  });
});

describe('get instances after a change that needs a rolling update', () => {
  it('shows STATUS NeedsUpdate for the changed group\'s instances only', async () => {
    const cs = new Clientset(openStateStore(url));
    const ig = (await cs.listInstanceGroups(NAME)).find((v) => v.object.metadata.name === 'nodes-us-east-1b')!;
    await cs.updateInstanceGroup(NAME, { ...ig.object, spec: { ...ig.object.spec, machineType: 't3.large' } }, ig.version);
    const update = await cli(['--state', url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
    expect(update.code, update.stderr).toBe(0);
    const r = await cli(['--state', url, '--name', NAME, 'get', 'instances', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as InstanceRow[];
    expect(rows.map((x) => `${x.instanceGroup} ${x.status}`).sort()).toEqual(
      owned.map((i) => tagOf(i, 'kops.k8s.io/instancegroup')!).map((g) => `${g} ${g === 'nodes-us-east-1b' ? 'NeedsUpdate' : 'UpToDate'}`).sort(),
    );
  }, 120_000);
});
