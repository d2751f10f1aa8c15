/**
 * `kops-ts delete cluster` end to end in-process, against a fresh emulator account reached as a
 * user would reach AWS (an IAM user's keys, AWS_ENDPOINT_URL): the listing changes nothing; --yes
 * deletes every owned resource, the known state and the kubeconfig context, and says what remains.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SignalSource } from '../../src/cli/io.js';
import { deleteClusterHooks } from '../../src/cli/commands/delete-cluster.js';
import { CreateSubnetCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { CreateLoadBalancerCommand as CreateElbCommand, DescribeLoadBalancersCommand as DescribeElbsCommand } from '@aws-sdk/client-elastic-load-balancing';
import { CreateLoadBalancerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { fakeClock } from '../cloudup/delete-cluster-helpers.js';
import { ownedFilter } from '../cloudup/update-helpers.js';
import { KEY, cli, snapshot, tempStore } from './harness.js';
import { testAws, type TestAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { ownedLeft } from '../cloudup/delete-cluster-helpers.js';
import { tempDir } from '../pki/openssl.js';

const NAME = 'del.k8s.local';


/** A cluster created and applied through the CLI; its kubeconfig context exported to `kubeconfig`. */
async function appliedCluster(zones: readonly string[] = ['us-east-1a']): Promise<{ aws: TestAws; env: Record<string, string>; store: { dir: string; url: string } }> {
  const aws = testAws();
  const env = { ...(await operatorEnv(aws)), KUBECONFIG: join(tempDir(), 'config') };
  const store = tempStore();
  const created = await cli(['--state', store.url, 'create', 'cluster', '--name', NAME, '--zones', zones.join(','), '--ssh-public-key', KEY], { env });
  expect(created.code, created.stderr).toBe(0);
  const update = await cli(['--state', store.url, 'update', 'cluster', '--name', NAME, '--yes'], { env });
  expect(update.code, update.stderr).toBe(0);
  expect(readFileSync(env.KUBECONFIG!, 'utf8')).toContain(`name: ${NAME}`);
  return { aws, env, store };
}

function overlaps(a: string, b: string): boolean {
  const range = (c: string) => {
    const [ip, bits] = c.split('/') as [string, string];
    const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(bits));
    return [n - (n % size), n - (n % size) + size] as const;
  };
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 < b1 && b0 < a1;
}

describe('kops-ts delete cluster', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('without --yes prints the TYPE NAME ID table and changes nothing; with --yes deletes it all, then the state and the context', async () => {
    const { aws, env, store } = await appliedCluster();
    const owned = await ownedLeft(aws, NAME);
    const state = snapshot(store.dir);

    const listing = await cli(['--state', store.url, 'delete', 'cluster', '--name', NAME], { env });
    expect(listing.code, listing.stderr).toBe(0);
    const lines = listing.stdout.split('\n');
    expect(lines[0]).toMatch(/^TYPE\s+NAME\s+ID$/);
    expect(listing.stdout).toMatch(/^vpc\s+del\.k8s\.local\s+vpc-[0-9a-f]+$/m);
    expect(listing.stdout).toMatch(/^autoscaling-group\s+control-plane-us-east-1a\.masters\.del\.k8s\.local\s+/m);
    expect(listing.stdout).toMatch(/^instance\s+\S+\s+i-[0-9a-f]+$/m);
    expect(listing.stdout).toMatch(/\nMust specify --yes to delete cluster\n$/);
    expect(await ownedLeft(aws, NAME)).toEqual(owned);
    expect(snapshot(store.dir)).toEqual(state);

    const json = await cli(['--state', store.url, 'delete', 'cluster', '--name', NAME, '-o', 'json'], { env });
    // -o json: stdout is the one document and nothing else; kops's line goes to stderr.
    const items = (JSON.parse(json.stdout) as { items: { type: string; name: string; id: string }[] }).items;
    expect(items.length).toBe(lines.filter((l) => /^\S+\s+\S+\s+\S+$/.test(l)).length - 1);
    expect(json.stderr).toContain('Must specify --yes to delete cluster');

    // An object kops-ts does not know is reported and left.
    writeFileSync(join(store.dir, NAME, 'notes.txt'), 'mine\n');
    const r = await cli(['--state', store.url, 'delete', 'cluster', '--name', NAME, '--yes'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^vpc:vpc-[0-9a-f]+\tok$/m);
    expect(r.stdout).toMatch(/^instance:i-[0-9a-f]+\tok$/m);
    expect(r.stdout).toContain(`Removed context ${NAME}, cluster ${NAME}`);
    expect(r.stdout).toContain(`\nDeleted cluster: "${NAME}"\n`);
    expect(r.stdout).toMatch(/Not deleted:\n.*notes\.txt: kops-ts does not know this object/);
    expect(await ownedLeft(aws, NAME)).toEqual([]);
    expect(Object.keys(snapshot(store.dir))).toEqual([join(NAME, 'notes.txt')]);
    expect(readFileSync(env.KUBECONFIG!, 'utf8')).not.toContain(NAME);
  }, 240_000);

  it('--yes -o json: stdout is one document of what was deleted and what remains; the progress goes to stderr', async () => {
    const { aws, env, store } = await appliedCluster();
    const listed = await cli(['--state', store.url, 'delete', 'cluster', '--name', NAME, '-o', 'yaml'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toContain('Must specify');
    writeFileSync(join(store.dir, NAME, 'notes.txt'), 'mine\n');
    const r = await cli(['--state', store.url, 'delete', 'cluster', '--name', NAME, '--yes', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { cluster: string; deleted: { type: string; name: string; id: string }[]; stateObjectsDeleted: number; notDeleted: { what: string; why: string }[] };
    expect(doc.cluster).toBe(NAME);
    expect(doc.deleted).toContainEqual({ type: 'vpc', name: NAME, id: expect.stringMatching(/^vpc-[0-9a-f]+$/) as unknown as string });
    expect(doc.deleted.some((d) => d.type === 'instance')).toBe(true);
    expect(doc.stateObjectsDeleted).toBeGreaterThan(0);
    expect(doc.notDeleted.map((n) => n.what)).toContain(`${store.url.replace(/\/$/, '')}/${NAME}/notes.txt`);
    expect(r.stderr).toMatch(/^vpc:vpc-[0-9a-f]+\tok$/m);
    expect(r.stderr).toContain(`Deleted cluster: "${NAME}"`);
    expect(await ownedLeft(aws, NAME)).toEqual([]);
  }, 240_000);

  it('--unregister --yes removes only the state: the cloud resources stay', async () => {
    const { aws, env, store } = await appliedCluster();
    const owned = await ownedLeft(aws, NAME);
    const r = await cli(['--state', store.url, 'delete', 'cluster', '--name', NAME, '--unregister', '--yes'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Deleted cluster: "${NAME}" (its state only`);
    expect(existsSync(join(store.dir, NAME))).toBe(false);
    expect(await ownedLeft(aws, NAME)).toEqual(owned);
  }, 240_000);

  it('a signal before the first deletion: nothing deleted, the state and the lock as before, exit 130', async () => {
    const { aws, env, store } = await appliedCluster();
    const owned = await ownedLeft(aws, NAME);
    const state = snapshot(store.dir);
    const signals: SignalSource = { listen: (handler) => (handler('SIGINT'), () => undefined), exit: () => undefined };
    const r = await cli(['--state', store.url, 'delete', 'cluster', '--name', NAME, '--yes'], { env, signals });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted by SIGINT: 0 of \d+ change\(s\) applied/);
    expect(r.stderr).toContain(`kops-ts delete cluster --name ${NAME} --state ${store.url} --yes`);
    expect(await ownedLeft(aws, NAME)).toEqual(owned);
    expect(snapshot(store.dir)).toEqual(state);
  }, 240_000);

  it("a user's subnet in the cluster's VPC: --count 2 gives up with exit 1 naming it, and keeps the state", async () => {
    const { aws, env, store } = await appliedCluster(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    const ec2 = aws.clients.ec2;
    const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: ownedFilter(NAME) }))).Vpcs![0]!.VpcId!;
    const ours = (await ec2.send(new DescribeSubnetsCommand({ Filters: ownedFilter(NAME) }))).Subnets!.map((x) => x.CidrBlock!);
    const cidr = ['172.20.255.0/24', '172.20.0.0/24', '172.20.128.0/24'].find((c) => !ours.some((o) => overlaps(o, c)))!;
    expect(cidr).toBeDefined();
    const theirs = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: cidr, AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const clock = fakeClock();
    deleteClusterHooks.clock = clock;
    try {
      const r = await cli(['--state', store.url, 'delete', 'cluster', '--name', NAME, '--yes', '--count', '2', '--interval', '30s'], { env });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^vpc:${vpc}\tstill has dependencies, will retry$`, 'm'));
      expect(r.stdout).toContain('Not all resources deleted; waiting before reattempting deletion');
      expect(r.stdout).not.toContain('Deleted cluster');
      expect(r.stderr).toMatch(/error: cluster "del\.k8s\.local" was not fully deleted \(no progress in the last rounds \(--count\)\); \d+ resource\(s\) deleted, 1 left:/);
      expect(r.stderr).toContain(`vpc:${vpc} (${NAME}): DependencyViolation`);
      expect(r.stderr).toContain(`subnet ${theirs} (${cidr}) in VPC ${vpc}: not owned by the cluster`);
      expect(clock.slept).toEqual([30_000, 30_000]);
    } finally {
      delete deleteClusterHooks.clock;
    }
    expect(await ownedLeft(aws, NAME)).toEqual([`vpc ${vpc}`]);
    expect((await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [theirs] }))).Subnets).toHaveLength(1);
    expect(existsSync(join(store.dir, NAME, 'config'))).toBe(true);
    expect(existsSync(join(store.dir, NAME, 'lock'))).toBe(false);
  }, 240_000);

  it("a Service's classic ELB and NLB in the cluster's subnet: listed without --yes, deleted with it; another cluster's stays", async () => {
    const { aws, env, store } = await appliedCluster();
    const subnet = (await aws.clients.ec2.send(new DescribeSubnetsCommand({ Filters: ownedFilter(NAME) }))).Subnets![0]!.SubnetId!;
    const elb = await aws.clients.elb();
    const controllerTags = (c: string) => [{ Key: 'KubernetesCluster', Value: c }, { Key: `kubernetes.io/cluster/${c}`, Value: 'owned' }, { Key: 'kubernetes.io/service-name', Value: 'default/web' }];
    const listeners = [{ Protocol: 'TCP', LoadBalancerPort: 80, InstanceProtocol: 'TCP', InstancePort: 30080 }];
    await elb.send(new CreateElbCommand({ LoadBalancerName: 'a0123456789abcdef0123456789abcde', Listeners: listeners, Subnets: [subnet], Tags: controllerTags(NAME) }));
    await elb.send(new CreateElbCommand({ LoadBalancerName: 'b0123456789abcdef0123456789abcde', Listeners: listeners, AvailabilityZones: ['us-east-1a'], Tags: controllerTags('other.k8s.local') }));
    const nlb = (await aws.clients.elbv2.send(new CreateLoadBalancerCommand({ Name: 'k8s-default-web-0123456789', Type: 'network', Subnets: [subnet], Tags: controllerTags(NAME) }))).LoadBalancers![0]!.LoadBalancerArn!;

    const listing = await cli(['--state', store.url, 'delete', 'cluster', '--name', NAME], { env });
    expect(listing.code, listing.stderr).toBe(0);
    expect(listing.stdout).toMatch(/^load-balancer\s+a0123456789abcdef0123456789abcde\s+a0123456789abcdef0123456789abcde$/m);
    expect(listing.stdout).toMatch(new RegExp(`^load-balancer\\s+k8s-default-web-0123456789\\s+${nlb.replace(/[/.]/g, '\\$&')}$`, 'm'));
    expect(listing.stdout).not.toContain('b0123456789abcdef0123456789abcde');

    const r = await cli(['--state', store.url, 'delete', 'cluster', '--name', NAME, '--yes'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^load-balancer:a0123456789abcdef0123456789abcde\tok$/m);
    expect(r.stdout).toContain(`load-balancer:${nlb}\tok`);
    expect(((await elb.send(new DescribeElbsCommand({}))).LoadBalancerDescriptions ?? []).map((d) => d.LoadBalancerName)).toEqual(['b0123456789abcdef0123456789abcde']);
    expect(await ownedLeft(aws, NAME)).toEqual([]);
  }, 240_000);

  it('bad --count, --wait and -o values are usage errors that name the flag', async () => {
    const store = tempStore();
    for (const [flag, value, what] of [['--count', 'many', 'whole number'], ['--wait', '10', 'duration'], ['--interval', '0s', 'duration'], ['-o', 'xml', 'output format']] as const) {
      const r = await cli(['--state', store.url, 'delete', 'cluster', '--name', NAME, flag, value]);
      expect(r.code, `${flag} ${value}`).toBe(2);
      expect(r.stderr).toContain(what);
    }
  });
});
