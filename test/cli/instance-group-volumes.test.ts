/**
 * An instance group's extra volumes end to end on the AWS emulator: a cluster is created and
 * applied, `volumes` and `volumeMounts` are added to its node group, `update cluster` plans the
 * launch template's new mappings (and the mount script in its user-data), `--yes` applies them,
 * the next `update cluster` has nothing to do, and `rolling-update cluster` lists the group's
 * instances as needing an update. An edit that EBS would refuse is refused before anything is written.
 */
import { DescribeLaunchTemplatesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import type { InstanceGroupSpec } from '../../src/model/api/types.js';
import type { FakeKubeApiServer } from '../fakes/kube-apiserver.js';
import type { TestAws } from '../helpers/aws.js';
import { appliedCluster } from './applied-cluster.js';
import { cli } from './harness.js';

const NAME = 'volumes.example.com';
const NODES = 'nodes-us-east-1a';
let env: Record<string, string>;
let url: string;
let fake: FakeKubeApiServer;
let aws: TestAws;

beforeAll(async () => {
  ({ aws, env, url, fake } = await appliedCluster(NAME, ['--zones', 'us-east-1a']));
}, 240_000);

afterAll(async () => {
  await fake?.close();
});

async function editNodes(change: Partial<InstanceGroupSpec>): Promise<void> {
  const cs = new Clientset(openStateStore(url));
  const v = (await cs.listInstanceGroups(NAME)).find((x) => x.object.metadata.name === NODES)!;
  await cs.updateInstanceGroup(NAME, { ...v.object, spec: { ...v.object.spec, ...change } }, v.version);
}

const update = (...extra: string[]) => cli(['--state', url, 'update', 'cluster', '--name', NAME, '--create-kube-config=false', ...extra], { env });

it('plans the new mappings and mount script, applies them, then has nothing to do; the group needs a roll', async () => {
  await editNodes({
    volumes: [{ device: '/dev/xvdd', size: 500, type: 'gp3', throughput: 250 }],
    volumeMounts: [{ device: '/dev/xvdd', filesystem: 'xfs', path: '/var/lib/containerd' }],
  });
  const plan = await update('-o', 'json');
  expect(plan.code, plan.stderr).toBe(0);
  const changes = (JSON.parse(plan.stdout) as { changes: { key: string; action: string; fields: { field: string; after: unknown }[] }[] }).changes;
  const lt = changes.filter((c) => c.key.startsWith('LaunchTemplate/'));
  expect(lt.map((c) => [c.key, c.action, c.fields.map((f) => f.field)])).toEqual([[`LaunchTemplate/${NODES}.${NAME}`, 'update', ['userData', 'volumes']]]);
  expect(lt[0]!.fields.find((f) => f.field === 'volumes')!.after).toEqual([
    { device: '/dev/xvdd', size: 500, type: 'gp3', iops: 3000, throughput: 250, encrypted: true, kmsKeyId: null, deleteOnTermination: true },
  ]);

  const applied = await update('--yes');
  expect(applied.code, applied.stderr).toBe(0);
  const again = await update();
  expect(again.code, again.stderr).toBe(0);
  expect(again.stdout).toContain('No changes need to be applied');

  const preview = await cli(['--state', url, 'rolling-update', 'cluster', NAME, '-o', 'json'], { env });
  const rows = JSON.parse(preview.stdout) as { required: boolean; groups: { name: string; status: string }[] };
  expect(rows.required).toBe(true);
  expect(rows.groups.filter((g) => g.status === 'NeedsUpdate').map((g) => g.name)).toEqual([NODES]);
}, 240_000);

it("update -o json carries the spec's warnings in its diagnostics, as stderr shows them", async () => {
  await editNodes({ volumes: [{ device: '/dev/xvdd', size: 500, type: 'gp2', iops: 100 }], volumeMounts: [] });
  const plan = await update('-o', 'json');
  expect(plan.code, plan.stderr).toBe(0);
  expect(plan.stderr).toContain('gp2 volumes have no provisioned IOPS');
  const warnings = (JSON.parse(plan.stdout) as { diagnostics: { severity: string; code: string; path?: string }[] }).diagnostics.filter((d) => d.code === 'VolumeFieldIgnored');
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatchObject({ severity: 'warning', path: expect.stringContaining('spec.volumes[0].iops') as unknown });
}, 240_000);

it('refuses a volume EBS would refuse, naming the field, and changes nothing', async () => {
  const version = async () =>
    (await aws.clients.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [`${NODES}.${NAME}`] }))).LaunchTemplates?.[0]?.DefaultVersionNumber;
  const before = await version();
  await editNodes({ volumes: [{ device: '/dev/xvdd', size: 500, type: 'gp2', throughput: 250 }] });
  const r = await update('--yes');
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`InstanceGroup/${NODES} spec.volumes[0].throughput: only gp3 volumes take a throughput; EBS refuses one for gp2`);
  expect(await version()).toBe(before);
}, 120_000);
