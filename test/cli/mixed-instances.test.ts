/**
 * `create cluster --node-size a,b` end to end on the AWS emulator: the node group's
 * mixedInstancesPolicy reaches its autoscaling group (both types as overrides), a second `update`
 * has nothing to do, and after a launch-template change the rolling update sees the mixed group's
 * instances as NeedsUpdate (it reads the template from the policy).
 */
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { testAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { KEY, cli, tempStore } from './harness.js';

const NAME = 'mixed.example.com';
const NODES = 'nodes-us-east-1a';
let env: Record<string, string>;
let url: string;
let aws: ReturnType<typeof testAws>;

async function nodesGroup() {
  const out = await aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`${NODES}.${NAME}`] }));
  return out.AutoScalingGroups?.[0];
}

beforeAll(async () => {
  aws = testAws();
  env = await operatorEnv(aws);
  url = tempStore().url;
  const create = await cli(['--state', url, 'create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--node-size', 't3.large,m5.large', '--ssh-public-key', KEY], { env });
  expect(create.code, create.stderr).toBe(0);
  const update = await cli(['--state', url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
  expect(update.code, update.stderr).toBe(0);
}, 240_000);

describe('create cluster --node-size with several types (AWS)', () => {
  it('gives the node group an autoscaling group with both types as overrides of its template, and a second update has nothing to do', async () => {
    const g = await nodesGroup();
    expect(g?.MixedInstancesPolicy?.LaunchTemplate?.Overrides).toEqual([{ InstanceType: 't3.large' }, { InstanceType: 'm5.large' }]);
    expect(g?.MixedInstancesPolicy?.InstancesDistribution).toMatchObject({ OnDemandPercentageAboveBaseCapacity: 100, SpotAllocationStrategy: 'lowest-price' });
    // As kops: the template's own type is the group's machineType, the first of the list.
    const lt = await aws.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: `${NODES}.${NAME}`, Versions: ['$Default'] }));
    expect(lt.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.InstanceType).toBe('t3.large');
    // The control plane has one type: a plain launch template.
    const cp = await aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`control-plane-us-east-1a.masters.${NAME}`] }));
    expect(cp.AutoScalingGroups?.[0]?.MixedInstancesPolicy).toBeUndefined();

    const again = await cli(['--state', url, 'update', 'cluster', '--name', NAME, '--detailed-exitcode'], { env });
    expect([again.code, again.stdout.trim()], again.stderr).toEqual([0, 'No changes need to be applied']);
  });

  it("the mixed group's instances are up to date, and NeedsUpdate after a launch-template change, in the rolling update's preview (--cloudonly)", async () => {
    const preview = async () => {
      const r = await cli(['--state', url, 'rolling-update', 'cluster', NAME, '--cloudonly', '-o', 'json'], { env: { ...env, KUBECONFIG: '/nonexistent/kubeconfig' } });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { required: boolean; groups: { name: string; status: string; needUpdate: number }[] };
    };
    // The template is read from the policy: without it every instance would look out of date.
    const before = await preview();
    expect(before.required).toBe(false);
    expect(before.groups.find((g) => g.name === NODES)).toMatchObject({ status: 'Ready', needUpdate: 0 });

    const cs = new Clientset(openStateStore(url));
    const v = (await cs.listInstanceGroups(NAME)).find((x) => x.object.metadata.name === NODES)!;
    await cs.updateInstanceGroup(NAME, { ...v.object, spec: { ...v.object.spec, rootVolumeSize: 96 } }, v.version);
    const update = await cli(['--state', url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
    expect(update.code, update.stderr).toBe(0);
    expect((await nodesGroup())?.MixedInstancesPolicy?.LaunchTemplate?.Overrides).toHaveLength(2);

    const rows = await preview();
    expect(rows.required).toBe(true);
    expect(rows.groups.find((g) => g.name === NODES)).toMatchObject({ status: 'NeedsUpdate', needUpdate: 1 });
    expect(rows.groups.find((g) => g.name === 'control-plane-us-east-1a')).toMatchObject({ status: 'Ready', needUpdate: 0 });
  });
});
