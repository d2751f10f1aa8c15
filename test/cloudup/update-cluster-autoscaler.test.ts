/**
 * `spec.clusterAutoscaler` end to end on the emulator: `update cluster --yes` tags the node
 * groups for discovery and writes the addon, the next plan is empty, a desired capacity the
 * autoscaler set within [minSize, maxSize] is not reset by an update, and `autoscale: false` (or
 * turning the autoscaler off) removes the discovery tags.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import { applyAndConverge, changeLines, setupCluster, tagMap, type E2ECluster } from './update-helpers.js';

const NAME = 'autoscaler.example.com';
const NODES = 'nodes-us-east-1a';
const CP = 'control-plane-us-east-1a';
const DISCOVERY = { 'k8s.io/cluster-autoscaler/enabled': '1', [`k8s.io/cluster-autoscaler/${NAME}`]: '1' };

async function editGroup(c: E2ECluster, ig: string, edit: (spec: InstanceGroup['spec']) => InstanceGroup['spec']): Promise<void> {
  const current = await c.cs.getInstanceGroup(c.name, ig);
  await c.cs.updateInstanceGroup(c.name, { ...current.object, spec: edit({ ...current.object.spec }) }, current.version);
}

async function editCluster(c: E2ECluster, edit: (spec: Cluster['spec']) => Cluster['spec']): Promise<void> {
  const current = await c.cs.getCluster(c.name);
  await c.cs.updateCluster({ ...current.object, spec: edit({ ...current.object.spec }) }, current.version);
}

async function group(c: E2ECluster, name: string): Promise<AutoScalingGroup | undefined> {
  const out = await c.aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  return out.AutoScalingGroups?.[0];
}

const discoveryTags = (g: AutoScalingGroup | undefined) => Object.fromEntries(Object.entries(tagMap(g?.Tags)).filter(([k]) => k in DISCOVERY));

describe('update cluster with the cluster autoscaler on the emulator', () => {
  let c: E2ECluster;
  let written: readonly string[] = [];
  beforeAll(async () => {
    c = await setupCluster({ name: NAME, zones: ['us-east-1a'] });
    await editCluster(c, (spec) => ({ ...spec, clusterAutoscaler: { enabled: true } }));
    await editGroup(c, NODES, (spec) => ({ ...spec, minSize: 1, maxSize: 3 }));
    written = (await applyAndConverge(c)).bootstrap?.written ?? [];
  }, 180_000);

  it('tags the node group for discovery (propagated to its instances), not the control plane', async () => {
    const nodes = await group(c, `${NODES}.${NAME}`);
    expect(discoveryTags(nodes)).toEqual(DISCOVERY);
    expect(nodes?.Tags?.filter((t) => t.Key! in DISCOVERY).map((t) => t.PropagateAtLaunch)).toEqual([true, true]);
    expect(discoveryTags(await group(c, `${CP}.masters.${NAME}`))).toEqual({});
  });

  it('writes the addon beside the others, and the control planes\' addons.sh names it', async () => {
    const manifest = written.find((p) => /^autoscaler\.example\.com\/addons\/cluster-autoscaler\/v1\.36\.0-[0-9a-f]{12}\/manifest\.yaml$/.test(p));
    expect(manifest).toBeDefined();
    const text = Buffer.from((await c.cs.store.read(manifest!))!.data).toString('utf8');
    expect(text).toContain(`--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/${NAME}`);
    const script = Buffer.from((await c.cs.store.read(`${NAME}/igconfig/control-plane/${CP}/addons.sh`))!.data).toString('utf8');
    expect(script).toContain(`CA_ADDON='${manifest!.slice(`${NAME}/`.length).replace('manifest.yaml', 'addon.yaml')}'`);
  });

  it('a desired capacity set out of band within [minSize, maxSize] is not reset: the plan is empty and an update keeps it', async () => {
    await c.aws.clients.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: `${NODES}.${NAME}`, DesiredCapacity: 3 }));
    expect(changeLines((await c.update(false)).plan)).toEqual([]);
    expect((await c.update(true)).applied?.ok).toBe(true);
    expect((await group(c, `${NODES}.${NAME}`))?.DesiredCapacity).toBe(3);
  }, 120_000);

  it('... and a maxSize below it clamps it, as AWS would', async () => {
    await editGroup(c, NODES, (spec) => ({ ...spec, maxSize: 2 }));
    expect(changeLines((await c.update(false)).plan)).toEqual([`AutoscalingGroup/${NODES}.${NAME}: update maxSize`]);
    await applyAndConverge(c);
    expect((await group(c, `${NODES}.${NAME}`))?.DesiredCapacity).toBe(2);
  }, 120_000);

  it('autoscale: false removes the discovery tags; the next plan is empty', async () => {
    await editGroup(c, NODES, (spec) => ({ ...spec, autoscale: false }));
    expect(changeLines((await c.update(false)).plan)).toEqual([`AutoscalingGroup/${NODES}.${NAME}: update nodeTemplateTagKeys`]);
    await applyAndConverge(c);
    expect(discoveryTags(await group(c, `${NODES}.${NAME}`))).toEqual({});
  }, 120_000);

  it('turning the autoscaler off removes the discovery tags and its grants, and names no addon in addons.sh', async () => {
    await editGroup(c, NODES, (spec) => ({ ...spec, autoscale: true }));
    expect(changeLines((await c.update(false)).plan)).toEqual([`AutoscalingGroup/${NODES}.${NAME}: update nodeTemplateTagKeys,tags`]);
    await applyAndConverge(c);
    expect(discoveryTags(await group(c, `${NODES}.${NAME}`))).toEqual(DISCOVERY);
    await editCluster(c, (spec) => ({ ...spec, clusterAutoscaler: { enabled: false } }));
    expect(changeLines((await c.update(false)).plan).sort()).toEqual([
      `AutoscalingGroup/${NODES}.${NAME}: update nodeTemplateTagKeys`,
      `IAMRolePolicy/masters.${NAME}: update document`,
      `LaunchTemplate/${CP}.masters.${NAME}: update userData`,
    ]);
    await applyAndConverge(c);
    expect(discoveryTags(await group(c, `${NODES}.${NAME}`))).toEqual({});
    const script = Buffer.from((await c.cs.store.read(`${NAME}/igconfig/control-plane/${CP}/addons.sh`))!.data).toString('utf8');
    expect(script).not.toContain('CA_ADDON');
  }, 120_000);
});
