/**
 * Growing the control plane 1 → 3 end to end on the emulator: a cluster with one control plane
 * (zones a, b, c) is applied; `create instancegroup` adds two control-plane groups and their etcd
 * members b and c in both etcd clusters as one change; `update --yes` then creates their
 * autoscaling groups (registered with the API load balancer's target group) and etcd volumes, and
 * retags member a's volumes with the new member set. The new groups join (kubeadm join
 * --control-plane): the first control plane stays the one that initialised the cluster.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { createInstanceGroups } from '../../src/cloudup/new-instancegroup.js';
import { applyAndConverge, changeLines, ownedFilter, setupCluster, tagMap, type E2ECluster } from './update-helpers.js';

const NAME = 'grow.example.com';
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const CP = ZONES.map((z) => `control-plane-${z}`);

describe('growing the control plane from 1 to 3', () => {
  let c: E2ECluster;
  let planLines: string[];
  beforeAll(async () => {
    c = await setupCluster({ name: NAME, zones: ZONES });
    await applyAndConverge(c);
    const r = await createInstanceGroups({ clientset: c.cs, clusterName: NAME, names: [CP[1]!, CP[2]!], role: 'ControlPlane', subnets: [ZONES[1]!, ZONES[2]!] });
    expect(r.written).toBe(true);
    planLines = changeLines((await c.update(false)).plan);
    await applyAndConverge(c);
  }, 180_000);

  it('stores the two groups and members b and c in main, validated as one change', async () => {
    const igs = (await c.cs.listInstanceGroups(NAME)).map((v) => v.object);
    for (const [i, name] of CP.entries()) {
      const ig = igs.find((g) => g.metadata.name === name);
      expect(ig?.spec.role, name).toBe('Master');
      expect(ig?.spec.subnets).toEqual([ZONES[i]]);
      expect([ig?.spec.minSize, ig?.spec.maxSize]).toEqual([1, 1]);
    }
    const etcd = (await c.cs.getCluster(NAME)).object.spec.etcdClusters ?? [];
    expect(etcd.map((e) => `${e.name}: ${e.etcdMembers.map((m) => `${m.name}=${m.instanceGroup}`).join(' ')}`)).toEqual([
      `main: a=${CP[0]} b=${CP[1]} c=${CP[2]}`,
    ]);
  });

  it('plans exactly the new groups, their volumes, and a tag change on member a (nothing of the running control plane is replaced)', () => {
    const got = planLines.map((l) => `${l.split(': ')[0]}: ${l.split(': ')[1]!.split(' ')[0]}`).sort();
    const expected = [
      ...[CP[1], CP[2]].flatMap((n) => [`AutoscalingGroup/${n}.masters.${NAME}: create`, `LaunchTemplate/${n}.masters.${NAME}: create`]),
      ...['main'].flatMap((e) => [`EBSVolume/a.etcd-${e}.${NAME}: update`, `EBSVolume/b.etcd-${e}.${NAME}: create`, `EBSVolume/c.etcd-${e}.${NAME}: create`]),
    ].sort();
    expect(got).toEqual(expected);
    for (const e of ['main']) expect(planLines).toContain(`EBSVolume/a.etcd-${e}.${NAME}: update tags`);
  });

  it('creates the new autoscaling groups, all three registered with the API target group', async () => {
    const asgs = (await c.aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
    const cps = asgs.filter((g) => g.AutoScalingGroupName?.includes('.masters.'));
    expect(cps.map((g) => g.AutoScalingGroupName).sort()).toEqual(CP.map((n) => `${n}.masters.${NAME}`));
    const tgs = (await c.aws.clients.elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
    const api = tgs.filter((t) => t.Port === 443);
    expect(api).toHaveLength(1);
    const first = [...(cps[0]!.TargetGroupARNs ?? [])].sort();
    expect(first).toContain(api[0]!.TargetGroupArn);
    for (const g of cps) {
      // The same target groups as the first control plane: the API's (443) and kops-controller's.
      expect([...(g.TargetGroupARNs ?? [])].sort(), g.AutoScalingGroupName).toEqual(first);
      expect([g.MinSize, g.MaxSize]).toEqual([1, 1]);
      expect(g.AvailabilityZones, g.AutoScalingGroupName).toEqual([ZONES[CP.indexOf(g.AutoScalingGroupName!.split('.')[0]!)]]);
    }
  });

  it('creates etcd volumes b and c in their zones and tags every member with the set a,b,c', async () => {
    const vols = (await c.aws.clients.ec2.send(new DescribeVolumesCommand({ Filters: ownedFilter(NAME) }))).Volumes ?? [];
    const byName = new Map(vols.map((v) => [tagMap(v.Tags)['Name'] ?? '', v]));
    expect([...byName.keys()].sort()).toEqual(['main'].flatMap((e) => ['a', 'b', 'c'].map((m) => `${m}.etcd-${e}.${NAME}`)).sort());
    for (const e of ['main']) {
      for (const [i, m] of ['a', 'b', 'c'].entries()) {
        const v = byName.get(`${m}.etcd-${e}.${NAME}`)!;
        expect(v.AvailabilityZone).toBe(ZONES[i]);
        expect(tagMap(v.Tags)[`k8s.io/etcd/${e}`]).toBe(`${m}/a,b,c`);
      }
    }
  });

  it('has the new control planes join the one that initialised the cluster', async () => {
    for (const ig of [CP[1]!, CP[2]!]) {
      const env = await c.cs.store.read(`${NAME}/igconfig/control-plane/${ig}/bootstrap.env`);
      expect(env, ig).toBeDefined();
      const text = new TextDecoder().decode(env!.data);
      expect(text).toContain(`KOPS_TS_INIT_GROUP='${CP[0]}'`);
    }
  });
});
