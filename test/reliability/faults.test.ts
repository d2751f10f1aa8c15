/**
 * Reliability 4, faults: every AWS call of the commands goes through a proxy that fails about 10 %
 * of them (4 % server errors, 4 % the service's throttling error, 2 % connection resets before the
 * request reaches AWS), drawn from a seeded generator. `update cluster --yes` still converges (the
 * next plan is empty, nothing exists twice), and after a machine-type change `rolling-update cluster
 * --cloudonly --yes` replaces every instance once.
 *
 * CI: one seed (KOPS_TS_FAULT_SEED to choose it); KOPS_TS_RELIABILITY=full: five seeds.
 */
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { awsEndpoint, testAws, type TestAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { KEY, cli, tempStore } from '../cli/harness.js';
import { startChaos } from './chaos.js';
import { duplicates, inventory, unowned } from './inventory.js';

const NAME = 'faults.example.com';
const FULL = process.env.KOPS_TS_RELIABILITY === 'full';
const SEEDS = process.env.KOPS_TS_FAULT_SEED ? [Number(process.env.KOPS_TS_FAULT_SEED)] : FULL ? [1, 2, 3, 4, 5] : [12];
const FAST = ['--post-drain-delay', '0s', '--control-plane-interval', '0s', '--node-interval', '0s', '--bastion-interval', '0s'];

async function liveInstances(aws: TestAws): Promise<{ id: string; version: string }[]> {
  const r = await aws.clients.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running', 'pending'] }, { Name: `tag:KubernetesCluster`, Values: [NAME] }] }));
  return (r.Reservations ?? []).flatMap((x) => x.Instances ?? []).map((i) => ({ id: i.InstanceId!, version: i.Tags?.find((t) => t.Key === 'aws:ec2launchtemplate:version')?.Value ?? '' }));
}

describe('commands converge with 10 % of AWS calls failing', () => {
  afterEach(() => vi.unstubAllEnvs());

  it.each(SEEDS)('seed %i: update --yes converges, then rolling-update --cloudonly --yes replaces every instance once', async (seed) => {
    const aws = testAws();
    const chaos = await startChaos(awsEndpoint(), seed);
    try {
      const env = await operatorEnv(aws, { endpoint: chaos.endpoint });
      const url = tempStore().url;
      const create = await cli(['--state', url, 'create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--ssh-public-key', KEY], { env });
      expect(create.code, create.stderr).toBe(0);

      const update = await cli(['--state', url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
      expect(update.code, update.stderr).toBe(0);
      const plan = await cli(['--state', url, 'update', 'cluster', '--name', NAME], { env });
      expect(plan.code, plan.stdout + plan.stderr).toBe(0);
      expect(plan.stdout).toContain('No changes need to be applied');

      const cs = new Clientset(openStateStore(url));
      for (const v of await cs.listInstanceGroups(NAME)) {
        await cs.updateInstanceGroup(NAME, { ...v.object, spec: { ...v.object.spec, machineType: 't3.xlarge' } }, v.version);
      }
      const change = await cli(['--state', url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
      expect(change.code, change.stderr).toBe(0);
      const before = await liveInstances(aws);
      expect(before.length).toBeGreaterThan(0);

      const roll = await cli(['--state', url, 'rolling-update', 'cluster', NAME, '--cloudonly', '--yes', ...FAST], { env });
      expect(roll.code, roll.stdout + roll.stderr).toBe(0);

      // The faults happened (else this proves nothing), of every kind.
      expect(chaos.injected('serverError')).toBeGreaterThan(0);
      expect(chaos.injected('throttle')).toBeGreaterThan(0);
      expect(chaos.resets).toBeGreaterThan(0);

      chaos.calm();
      const after = await liveInstances(aws);
      expect(after).toHaveLength(before.length);
      expect(after.filter((a) => before.some((b) => b.id === a.id))).toEqual([]);
      const groups = (await aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
      expect(groups.length).toBeGreaterThan(0);
      for (const g of groups) expect(g.Instances?.length, g.AutoScalingGroupName).toBe(g.DesiredCapacity);
      const resources = await inventory(aws);
      expect(duplicates(resources)).toEqual([]);
      expect(unowned(resources, NAME)).toEqual([]);
      console.info(`faults seed ${seed}: ${chaos.faults.requests.length} calls through the fault proxy, ${chaos.injected('serverError')} server errors, ${chaos.injected('throttle')} throttled, ${chaos.resets} connections reset`);
    } finally {
      await chaos.close();
    }
  }, FULL ? 900_000 : 240_000);
});
