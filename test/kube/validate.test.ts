/**
 * The cluster check shared by `validate cluster` and the roll: each failure kind kops reports, in
 * the three renderings, the live validator against the fake API server, and --wait/--count on a
 * simulated clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { clusterValidator, validateCluster, waitForValidation, type ValidateClusterInput, type ValidationInputNode, type ValidationInputPod } from '../../src/kube/validate.js';
import { renderValidationJson, renderValidationTable, renderValidationYaml, validationDocument } from '../../src/kube/validate-output.js';
import type { InstanceGroup } from '../../src/model/api/types.js';
import type { CloudInstanceGroup, CloudProvider, ClusterValidator, ValidationResult } from '../../src/rolling-update/types.js';
import { SimClock } from '../helpers/sim-clock.js';
import { CLUSTER, startKube, type KubeFixture } from './kube-setup.js';

type IG = Pick<InstanceGroup, 'metadata' | 'spec'>;
const IGS: IG[] = [
  { metadata: { name: 'control-plane-us-east-1a' }, spec: { role: 'ControlPlane', machineType: 't3.medium', minSize: 1, maxSize: 1, subnets: ['us-east-1a'] } },
  { metadata: { name: 'nodes-us-east-1a' }, spec: { role: 'Node', machineType: 't3.small', minSize: 2, maxSize: 2, subnets: ['us-east-1a'] } },
];

const cp = 'i-0cp1';
const n1 = 'i-0n1';
const n2 = 'i-0n2';
const dns = (id: string) => `ip-${id}.ec2.internal`;

function groups(nodeIds = [n1, n2], target = 2): CloudInstanceGroup[] {
  const inst = (id: string, group: string) => ({ id, group, status: 'UpToDate' as const, state: 'InService', nodeName: dns(id), providerId: `aws:///us-east-1a/${id}` });
  return [
    { name: 'control-plane-us-east-1a', role: 'ControlPlane', cloudName: `control-plane-us-east-1a.masters.${CLUSTER}`, minSize: 1, maxSize: 1, targetSize: 1, instances: [inst(cp, 'control-plane-us-east-1a')] },
    { name: 'nodes-us-east-1a', role: 'Node', cloudName: `nodes-us-east-1a.${CLUSTER}`, minSize: 2, maxSize: 2, targetSize: target, instances: nodeIds.map((i) => inst(i, 'nodes-us-east-1a')) },
  ];
}

function node(id: string, controlPlane = false, ready = true): ValidationInputNode {
  return { name: dns(id), ready, providerId: `aws:///us-east-1a/${id}`, labels: { 'topology.kubernetes.io/zone': 'us-east-1a', 'kubernetes.io/hostname': dns(id), [controlPlane ? 'node-role.kubernetes.io/control-plane' : 'node-role.kubernetes.io/node']: '' } };
}

function cpPods(except: string[] = []): ValidationInputPod[] {
  return ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']
    .filter((a) => !except.includes(a))
    .map((a) => ({ namespace: 'kube-system', name: `${a}-${dns(cp)}`, nodeName: dns(cp), labels: { component: a, tier: 'control-plane' }, priorityClassName: 'system-node-critical', phase: 'Running', notReadyContainers: [] }));
}

const coredns = (ready: boolean): ValidationInputPod => ({ namespace: 'kube-system', name: 'coredns-7d9f-abcde', nodeName: dns(n1), labels: { 'k8s-app': 'kube-dns' }, priorityClassName: 'system-cluster-critical', phase: 'Running', notReadyContainers: ready ? [] : ['coredns'] });

function pendingCoredns(): ValidationInputPod {
  const { nodeName: _unscheduled, ...p } = coredns(true);
  return { ...p, phase: 'Pending' };
}

function healthy(): ValidateClusterInput {
  return { instanceGroups: IGS, cloudGroups: groups(), nodes: [node(cp, true), node(n1), node(n2)], pods: [...cpPods(), coredns(true)] };
}

function render(r: ValidationResult) {
  return {
    table: renderValidationTable({ clusterName: CLUSTER, instanceGroups: IGS, result: r }),
    json: JSON.parse(renderValidationJson(r)) as unknown,
    yaml: parseYaml(renderValidationYaml(r)) as unknown,
  };
}

describe('validateCluster (pure)', () => {
  it('a healthy cluster has no failures and reads "is ready"', () => {
    const r = validateCluster(healthy());
    expect(r.failures).toEqual([]);
    expect(r.nodes.map((n) => [n.name, n.role, n.ready, n.instanceGroup])).toEqual([
      [dns(cp), 'control-plane', true, 'control-plane-us-east-1a'],
      [dns(n1), 'node', true, 'nodes-us-east-1a'],
      [dns(n2), 'node', true, 'nodes-us-east-1a'],
    ]);
    const out = render(r);
    expect(out.table).toBe(
      [
        `Validating cluster ${CLUSTER}`,
        '',
        'INSTANCE GROUPS',
        'NAME                       ROLE           MACHINETYPE   MIN   MAX   SUBNETS',
        'control-plane-us-east-1a   ControlPlane   t3.medium     1     1     us-east-1a',
        'nodes-us-east-1a           Node           t3.small      2     2     us-east-1a',
        '',
        'NODE STATUS',
        'NAME                     ROLE            READY',
        `${dns(cp)}   control-plane   True`,
        `${dns(n1)}    node            True`,
        `${dns(n2)}    node            True`,
        '',
        `Your cluster ${CLUSTER} is ready`,
        '',
      ].join('\n'),
    );
    expect(out.json).toEqual({ nodes: [{ name: dns(cp), zone: 'us-east-1a', role: 'control-plane', hostname: dns(cp), status: 'True' }, { name: dns(n1), zone: 'us-east-1a', role: 'node', hostname: dns(n1), status: 'True' }, { name: dns(n2), zone: 'us-east-1a', role: 'node', hostname: dns(n2), status: 'True' }] });
    expect(out.yaml).toEqual(out.json);
  });

  const cases: { kind: string; input: () => ValidateClusterInput; failures: { kind: string; name: string; message: string; instanceGroup?: string }[] }[] = [
    {
      kind: 'missing nodes (group below its target size)',
      input: () => ({ ...healthy(), cloudGroups: groups([n1, n2], 3) }),
      failures: [{ kind: 'InstanceGroup', name: 'nodes-us-east-1a', message: 'InstanceGroup "nodes-us-east-1a" did not have enough nodes 2 vs 3', instanceGroup: 'nodes-us-east-1a' }],
    },
    {
      kind: 'a machine that has not joined',
      input: () => ({ ...healthy(), nodes: [node(cp, true), node(n1)] }),
      failures: [{ kind: 'Machine', name: n2, message: `machine "${n2}" has not yet joined cluster`, instanceGroup: 'nodes-us-east-1a' }],
    },
    {
      kind: 'a NotReady node',
      input: () => ({ ...healthy(), nodes: [node(cp, true), node(n1), node(n2, false, false)] }),
      failures: [{ kind: 'Node', name: dns(n2), message: `node "${dns(n2)}" of role "node" is not ready`, instanceGroup: 'nodes-us-east-1a' }],
    },
    {
      kind: 'a missing control-plane pod',
      input: () => ({ ...healthy(), pods: [...cpPods(['kube-scheduler']), coredns(true)] }),
      failures: [{ kind: 'Node', name: dns(cp), message: `master "${dns(cp)}" is missing kube-scheduler pod`, instanceGroup: 'control-plane-us-east-1a' }],
    },
    {
      kind: 'a failing system pod',
      input: () => ({ ...healthy(), pods: [...cpPods(), coredns(false)] }),
      failures: [{ kind: 'Pod', name: 'kube-system/coredns-7d9f-abcde', message: 'system-cluster-critical pod "coredns-7d9f-abcde" is not ready (coredns)' }],
    },
  ];

  for (const c of cases) {
    it(`reports ${c.kind} in the table, json and yaml`, () => {
      const r = validateCluster(c.input());
      expect(r.failures).toEqual(c.failures);
      const out = render(r);
      const [errors, verdict] = out.table.split('VALIDATION ERRORS\n')[1]!.split('\n\n');
      const rows = errors!.split('\n');
      expect(rows[0]).toMatch(/^KIND\s+NAME\s+MESSAGE$/);
      expect(rows.slice(1).map((l) => l.split(/\s{3,}/))).toEqual(c.failures.map((f) => [f.kind, f.name, f.message]));
      expect(verdict).toBe('Validation Failed\n');
      const doc = { failures: c.failures.map((f) => ({ type: f.kind, name: f.name, message: f.message })) };
      expect(out.json).toMatchObject(doc);
      expect(out.yaml).toMatchObject(doc);
    });
  }

  it('a pending system pod, a group missing from the cloud, detached instances and bastions', () => {
    const g = groups();
    const nodesGroup = g[1]!;
    const input: ValidateClusterInput = {
      instanceGroups: [...IGS, { metadata: { name: 'bastions' }, spec: { role: 'Bastion' } }, { metadata: { name: 'gone' }, spec: { role: 'Node' } }],
      cloudGroups: [
        g[0]!,
        // a detached surge instance neither counts toward the size nor must join
        { ...nodesGroup, instances: [...nodesGroup.instances, { id: 'i-0old', group: 'nodes-us-east-1a', status: 'Detached', state: 'Detached' }] },
        { name: 'bastions', role: 'Bastion', cloudName: `bastions.${CLUSTER}`, minSize: 1, maxSize: 1, targetSize: 1, instances: [{ id: 'i-0b', group: 'bastions', status: 'UpToDate', state: 'InService' }] },
      ],
      nodes: healthy().nodes,
      pods: [...cpPods(), pendingCoredns(), { namespace: 'kube-system', name: 'job-done', labels: {}, priorityClassName: 'system-cluster-critical', phase: 'Succeeded', notReadyContainers: ['x'] }],
    };
    expect(validateCluster(input).failures).toEqual([
      { kind: 'InstanceGroup', name: 'gone', message: 'InstanceGroup "gone" is missing from the cloud provider', instanceGroup: 'gone' },
      { kind: 'Pod', name: 'kube-system/coredns-7d9f-abcde', message: 'system-cluster-critical pod "coredns-7d9f-abcde" is pending' },
    ]);
  });

  it('an instance marked for a detach that never happened (still in its group) counts toward the size', () => {
    const g = groups();
    const nodesGroup = g[1]!;
    const marked = { ...nodesGroup, instances: nodesGroup.instances.map((i, n) => (n === 0 ? { ...i, status: 'Detached' as const } : i)) };
    const input: ValidateClusterInput = { instanceGroups: IGS, cloudGroups: [g[0]!, marked, ...g.slice(2)], nodes: healthy().nodes, pods: cpPods() };
    expect(validateCluster(input).failures.filter((f) => f.kind === 'InstanceGroup')).toEqual([]);
  });

  it('omits failures and nodes from the json document when empty, as kops does', () => {
    expect(validationDocument({ failures: [], nodes: [], groups: [] })).toEqual({});
  });
});

// ---------------------------------------------------------------------------------------------

let fx: KubeFixture | undefined;
afterEach(async () => {
  await fx?.fake.close();
  fx = undefined;
});

function stubCloud(g: () => CloudInstanceGroup[]): CloudProvider {
  return {
    name: 'aws',
    listGroups: async () => g(),
    detach: async () => undefined,
    terminate: async () => undefined,
    deregister: async () => undefined,
  };
}

describe('clusterValidator (live)', () => {
  it('checks the cloud groups against the Nodes and pods the API serves', async () => {
    fx = await startKube();
    fx.fake.addNode(dns(cp), { providerId: `aws:///us-east-1a/${cp}`, controlPlane: true, instanceGroup: 'control-plane-us-east-1a' });
    fx.fake.addNode(dns(n1), { providerId: `aws:///us-east-1a/${n1}`, instanceGroup: 'nodes-us-east-1a' });
    fx.fake.addNode(dns(n2), { providerId: `aws:///us-east-1a/${n2}`, instanceGroup: 'nodes-us-east-1a' });
    fx.fake.addPod({ namespace: 'kube-system', name: 'coredns-1', node: dns(n1), priorityClassName: 'system-cluster-critical', owner: 'ReplicaSet/coredns' });
    const v = clusterValidator({ clusterName: CLUSTER, instanceGroups: IGS, cloud: stubCloud(() => groups()), client: fx.client });
    expect((await v.validate()).failures).toEqual([]);

    fx.fake.setNodeReady(dns(n2), false);
    fx.fake.setPodPhase('kube-system', 'coredns-1', 'Running');
    fx.fake.pods.delete(`kube-system/etcd-${dns(cp)}`);
    const r = await v.validate();
    expect(r.failures.map((f) => `${f.kind} ${f.message}`)).toEqual([
      `Node node "${dns(n2)}" of role "node" is not ready`,
      'Pod system-cluster-critical pod "coredns-1" is not ready (main)',
      `Node master "${dns(cp)}" is missing etcd pod`,
    ]);
  });

  it('ignorePods (reconcile\'s wait for the API): lists no pods, checks none, still checks nodes', async () => {
    fx = await startKube();
    fx.fake.addNode(dns(cp), { providerId: `aws:///us-east-1a/${cp}`, controlPlane: true, instanceGroup: 'control-plane-us-east-1a' });
    fx.fake.addNode(dns(n1), { providerId: `aws:///us-east-1a/${n1}`, instanceGroup: 'nodes-us-east-1a' });
    fx.fake.addNode(dns(n2), { providerId: `aws:///us-east-1a/${n2}`, instanceGroup: 'nodes-us-east-1a' });
    fx.fake.addPod({ namespace: 'kube-system', name: 'coredns-1', node: dns(n1), priorityClassName: 'system-cluster-critical', owner: 'ReplicaSet/coredns' });
    fx.fake.setPodPhase('kube-system', 'coredns-1', 'Pending');
    fx.fake.pods.delete(`kube-system/etcd-${dns(cp)}`);
    const v = clusterValidator({ clusterName: CLUSTER, instanceGroups: IGS, cloud: stubCloud(() => groups()), client: fx.client, ignorePods: true });
    fx.fake.requests.length = 0;
    expect((await v.validate()).failures).toEqual([]);
    expect(fx.fake.requests.some((q) => q.path.startsWith('/api/v1/pods'))).toBe(false);
    fx.fake.setNodeReady(dns(cp), false);
    expect((await v.validate()).failures.map((f) => f.kind)).toEqual(['Node']);
    // Without it, the same cluster fails on its pods.
    fx.fake.setNodeReady(dns(cp), true);
    const strict = clusterValidator({ clusterName: CLUSTER, instanceGroups: IGS, cloud: stubCloud(() => groups()), client: fx.client });
    expect((await strict.validate()).failures.map((f) => f.kind)).toEqual(['Pod', 'Node']);
  });

  it('an unreachable API is an ApiServer failure (the roll retries it), not a crash', async () => {
    fx = await startKube();
    fx.fake.unreachable = true;
    const v = clusterValidator({ clusterName: CLUSTER, instanceGroups: IGS, cloud: stubCloud(() => groups()), client: fx.client });
    const r = await v.validate();
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatchObject({ kind: 'ApiServer', name: 'apiserver', message: expect.stringContaining('cannot reach the Kubernetes API') });
  });
});

describe('waitForValidation', () => {
  function scripted(outcomes: boolean[]): ClusterValidator & { calls: number } {
    const s = {
      calls: 0,
      async validate(): Promise<ValidationResult> {
        const ok = outcomes[Math.min(s.calls, outcomes.length - 1)];
        s.calls++;
        return { failures: ok ? [] : [{ kind: 'Node', name: 'n', message: 'node "n" of role "node" is not ready' }], nodes: [], groups: [] };
      },
    };
    return s;
  }

  it('needs --count successes in a row, a failure resetting the count', async () => {
    const clock = new SimClock();
    const start = clock.now();
    const validator = scripted([true, false, true, true]);
    const r = await waitForValidation({ validator, clock, waitMs: 600_000, count: 2, intervalMs: 10_000 });
    expect(r).toMatchObject({ ok: true, attempts: 4 });
    expect(clock.now() - start).toBe(30_000);
  });

  it('gives up at --wait with the last failures', async () => {
    const clock = new SimClock();
    const start = clock.now();
    const r = await waitForValidation({ validator: scripted([false]), clock, waitMs: 60_000, intervalMs: 10_000 });
    expect(r.ok).toBe(false);
    expect(r.result.failures[0]?.kind).toBe('Node');
    expect(r.attempts).toBe(7);
    expect(clock.now() - start).toBe(60_000);
  });

  it('without --wait validates once', async () => {
    const clock = new SimClock();
    const v = scripted([true]);
    expect(await waitForValidation({ validator: v, clock, waitMs: 0, count: 2 })).toMatchObject({ ok: true, attempts: 1 });
    expect(await waitForValidation({ validator: scripted([false]), clock, waitMs: 0 })).toMatchObject({ ok: false, attempts: 1 });
  });
});
