/**
 * Adopting a kops-built cluster: its inventory is made by hand on the emulator with kops's names,
 * tags, descriptions and rules (kops-inventory.ts), and kops-ts plans the same spec as kops wrote
 * it (test/fixtures/kops/kops-minimal.yaml). Nothing may be replaced or deleted, nothing created
 * twice; the only updates are where kops-ts deliberately differs from kops, each listed and
 * explained below.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/model/api/parse.js';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import type { Plan } from '../../src/tasks/plan.js';
import { testAws } from '../helpers/aws.js';
import { CLUSTER, KOPS_NAMES, buildKopsMinimal } from './kops-inventory.js';
import { PRIVATE_CLUSTER, buildKopsPrivateEdge } from './kops-inventory-private.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();
const SPEC = readFileSync(new URL('../fixtures/kops/kops-minimal.yaml', import.meta.url), 'utf8');

/**
 * Where kops-ts deliberately differs from what kops built: the kind, the fields an update may touch,
 * and why. Any other change (or a change to another field) fails the test.
 */
const DELIBERATE: readonly { kind: string; fields: readonly string[]; must?: string; why: string }[] = [
  { kind: 'LaunchTemplate', fields: ['userData', 'compressUserData', 'rootVolumeIops', 'rootVolumeThroughput'], must: 'userData', why: "kops-ts writes its own user-data (kops's is nodeup), always gzipped: a new template version, instances untouched until rolled" },
  { kind: 'AutoscalingGroup', fields: ['launchTemplateVersion'], must: 'launchTemplateVersion', why: 'kops-ts launches $Default, the version it planned, not $Latest (docs/architecture.md)' },
  { kind: 'IAMRole', fields: ['assumeRolePolicy'], why: "kops-ts's trust policy names its statement (Sid); same principal and action" },
  { kind: 'IAMRolePolicy', fields: ['document'], why: "kops-ts's own least-privilege policies, not kops's" },
  { kind: 'SecurityGroupRule', fields: ['tags'], must: 'tags', why: 'kops adds its path-MTU rules untagged; kops-ts tags every rule it owns, so it can find its orphans' },
];

describe('adopting a kops-built cluster', () => {
  let plan: Plan;
  let again: Plan;
  beforeAll(async () => {
    const aws = testAws();
    await buildKopsMinimal(aws.clients, KEY);
    const parsed = parseManifests(SPEC, 'kops-minimal.yaml');
    const cluster = parsed.objects.find((o): o is Cluster => o.kind === 'Cluster')!;
    const igs = parsed.objects.filter((o): o is InstanceGroup => o.kind === 'InstanceGroup');
    const cs = new Clientset(openStateStore(`memory://adopt-${aws.account}`));
    await cs.createCluster(cluster, igs, { sshPublicKeys: [KEY] });
    const { region: _region, ...awsOpts } = aws.options;
    const update = (yes: boolean) => updateCluster({ clientset: cs, clusterName: CLUSTER, aws: awsOpts, yes });
    plan = (await update(false)).plan;
    const applied = await update(true);
    expect(applied.applied?.ok).toBe(true);
    again = (await update(false)).plan;
  }, 120_000);

  it('plans no replacement, no deletion and no creation: every kops resource is found under its kops name', () => {
    const lines = (action: string) => plan.changes.filter((c) => c.action === action).map((c) => `${c.key}: ${c.fields.map((f) => f.field).join(',')}`);
    expect(lines('replace')).toEqual([]);
    expect(lines('delete')).toEqual([]);
    expect(lines('create')).toEqual([]);
  });

  it('keeps kops\'s security groups, rules, load balancer, target groups and listeners as they are', () => {
    const unchanged = new Set(plan.unchanged);
    for (const key of [
      `SecurityGroup/masters.${CLUSTER}`,
      `SecurityGroup/nodes.${CLUSTER}`,
      `SecurityGroup/api-elb.${CLUSTER}`,
      `SecurityGroupRule/from-api-elb.${CLUSTER}-ingress-tcp-443to443-masters.${CLUSTER}`,
      `SecurityGroupRule/from-0.0.0.0/0-ingress-tcp-443to443-api-elb.${CLUSTER}`,
      `SecurityGroupRule/from-nodes.${CLUSTER}-ingress-all-0to0-api-elb.${CLUSTER}`,
      `NetworkLoadBalancer/api.${CLUSTER}`,
      `TargetGroup/${KOPS_NAMES.tcpTargetGroup}`,
      `TargetGroup/${KOPS_NAMES.kopsControllerTargetGroup}`,
      `NetworkLoadBalancerListener/api.${CLUSTER}-443`,
      `NetworkLoadBalancerListener/api.${CLUSTER}-3988`,
      `VPC/${CLUSTER}`,
      `Subnet/us-east-1a.${CLUSTER}`,
      `EBSVolume/a.etcd-main.${CLUSTER}`,
    ]) {
      expect(unchanged.has(key), key).toBe(true);
    }
  });

  it('updates only where kops-ts deliberately differs, each for its stated reason', () => {
    const unexplained: string[] = [];
    const seen = new Set<string>();
    for (const c of plan.changes) {
      const kind = c.key.slice(0, c.key.indexOf('/'));
      const rule = DELIBERATE.find((d) => d.kind === kind);
      const fields = c.fields.map((f) => f.field);
      if (c.action !== 'update' || !rule || fields.some((f) => !rule.fields.includes(f)) || (rule.must && !fields.includes(rule.must))) {
        unexplained.push(`${c.action} ${c.key}: ${fields.join(',')}`);
      }
      seen.add(kind);
    }
    expect(unexplained).toEqual([]);
    // The differences are real (each rule is exercised), so this list cannot silently go stale.
    expect([...seen].sort()).toEqual(DELIBERATE.map((d) => d.kind).sort());
    expect(plan.changes.filter((c) => c.key.startsWith('SecurityGroupRule/')).map((c) => c.key).sort()).toEqual([
      `SecurityGroupRule/from-0.0.0.0/0-ingress-icmp-3to4-api-elb.${CLUSTER}`,
      `SecurityGroupRule/from-::/0-ingress-icmpv6--1to-1-api-elb.${CLUSTER}`,
    ]);
  });

  it('applies those updates in place, after which the plan is empty', () => {
    expect(again.changes.map((c) => `${c.action} ${c.key}`)).toEqual([]);
  });
});

describe('adopting a kops-built private cluster with a bastion: its groups and load balancers', () => {
  /** The kinds of this part of kops-ts: the firewall, the API and bastion load balancers. */
  const EDGE = new Set(['SecurityGroup', 'SecurityGroupRule', 'NetworkLoadBalancer', 'TargetGroup', 'NetworkLoadBalancerListener']);
  let plan: Plan;
  beforeAll(async () => {
    const aws = testAws();
    await buildKopsPrivateEdge(aws.clients);
    const parsed = parseManifests(readFileSync(new URL('../fixtures/kops/kops-private.yaml', import.meta.url), 'utf8'), 'kops-private.yaml');
    const cluster = parsed.objects.find((o): o is Cluster => o.kind === 'Cluster')!;
    const igs = parsed.objects.filter((o): o is InstanceGroup => o.kind === 'InstanceGroup');
    const cs = new Clientset(openStateStore(`memory://adopt-private-${aws.account}`));
    await cs.createCluster(cluster, igs, { sshPublicKeys: [KEY] });
    const { region: _region, ...awsOpts } = aws.options;
    plan = (await updateCluster({ clientset: cs, clusterName: PRIVATE_CLUSTER, aws: awsOpts })).plan;
  }, 120_000);

  it('replaces and deletes nothing, and finds every group, rule, load balancer, target group and listener kops made', () => {
    expect(plan.changes.filter((c) => c.action === 'replace' || c.action === 'delete').map((c) => `${c.action} ${c.key}`)).toEqual([]);
    expect(plan.changes.filter((c) => c.action === 'create' && EDGE.has(c.key.slice(0, c.key.indexOf('/')))).map((c) => c.key)).toEqual([]);
    const unchanged = new Set(plan.unchanged);
    for (const key of [
      `SecurityGroup/bastion.${PRIVATE_CLUSTER}`,
      `SecurityGroup/bastion-elb.${PRIVATE_CLUSTER}`,
      `NetworkLoadBalancer/bastion.${PRIVATE_CLUSTER}`,
      `NetworkLoadBalancerListener/bastion.${PRIVATE_CLUSTER}-22`,
      `SecurityGroupRule/from-bastion-elb.${PRIVATE_CLUSTER}-ingress-tcp-22to22-bastion.${PRIVATE_CLUSTER}`,
      `SecurityGroupRule/from-nodes.${PRIVATE_CLUSTER}-ingress-4-0to0-masters.${PRIVATE_CLUSTER}`,
      `NetworkLoadBalancer/api.${PRIVATE_CLUSTER}`,
    ]) {
      expect(unchanged.has(key), key).toBe(true);
    }
  });

  it('only tags the path-MTU rules kops left untagged', () => {
    const edge = plan.changes.filter((c) => EDGE.has(c.key.slice(0, c.key.indexOf('/'))));
    expect(edge.map((c) => `${c.action} ${c.key}: ${c.fields.map((f) => f.field).join(',')}`).sort()).toEqual(
      ['api-elb', 'bastion-elb', 'bastion-elb', 'bastion-elb', 'bastion-elb']
        .map((g, i) => `update SecurityGroupRule/from-${['203.0.113.0/24', '172.20.0.0/21', '172.20.8.0/21', '172.20.16.0/21', '203.0.113.0/24'][i]}-ingress-icmp-3to4-${g}.${PRIVATE_CLUSTER}: tags`)
        .sort(),
    );
  });
});
