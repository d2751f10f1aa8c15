/** The pure half of `get instances`: cloud instances joined with Kubernetes Nodes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadProvider } from '../../src/cloud/providers.js';
import { joinInstances, listInstances } from '../../src/cloudup/inspect.js';
import { KopsError } from '../../src/diagnostics.js';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import { quietProgram, unrunnable } from '../helpers/cli-commands.js';
import { cli } from './harness.js';
import type { CloudInstanceGroup, CloudProvider, KubeNode } from '../../src/rolling-update/types.js';

const groups: CloudInstanceGroup[] = [
  {
    name: 'nodes-us-east-1a',
    role: 'Node',
    cloudName: 'nodes-us-east-1a.x',
    minSize: 2,
    maxSize: 2,
    targetSize: 2,
    instances: [
      { id: 'i-2', group: 'nodes-us-east-1a', status: 'NeedsUpdate', state: 'InService', machineType: 't3.medium', privateIp: '10.0.1.2', nodeName: 'ip-10-0-1-2.ec2.internal' },
      { id: 'i-1', group: 'nodes-us-east-1a', status: 'Detached', state: 'Detached', machineType: 't3.medium', privateIp: '10.0.1.1', publicIp: '3.3.3.3', nodeName: 'ip-10-0-1-1.ec2.internal' },
    ],
  },
  {
    name: 'control-plane-us-east-1a',
    role: 'ControlPlane',
    cloudName: 'cp.x',
    minSize: 1,
    maxSize: 1,
    targetSize: 1,
    instances: [{ id: 'i-9', group: 'control-plane-us-east-1a', status: 'UpToDate', state: 'Pending', nodeName: 'ip-10-0-0-9.ec2.internal' }],
  },
];

const node = (name: string, instanceId: string | undefined, roles: string[]): KubeNode => ({
  name,
  ...(instanceId ? { instanceId, providerId: `aws:///us-east-1a/${instanceId}` } : {}),
  ready: true,
  unschedulable: false,
  roles,
  needsUpdate: false,
});

describe('joinInstances', () => {
  it('takes NODE-NAME and ROLES from the Node matched by provider id, leaves unjoined instances unnamed, sorts by group then id', () => {
    const rows = joinInstances(groups, [node('custom-name', 'i-1', ['node', 'spot']), node('ip-10-0-0-9.ec2.internal', undefined, ['control-plane'])]);
    expect(rows.map((r) => [r.instanceGroup, r.id, r.nodeName, r.roles.join(','), r.status, r.state, r.internalIP, r.externalIP])).toEqual([
      // matched by name (no provider id on the Node)
      ['control-plane-us-east-1a', 'i-9', 'ip-10-0-0-9.ec2.internal', 'control-plane', 'UpToDate', 'Pending', '', ''],
      // matched by provider id, although the names differ
      ['nodes-us-east-1a', 'i-1', 'custom-name', 'node,spot', 'Detached', 'Detached', '10.0.1.1', '3.3.3.3'],
      // no Node (not joined yet): no node name, the group's role
      ['nodes-us-east-1a', 'i-2', '', 'node', 'NeedsUpdate', 'InService', '10.0.1.2', ''],
    ]);
  });

  it('without the API, NODE-NAME is the name the cloud predicts and ROLES the group\'s', () => {
    const rows = joinInstances(groups, undefined);
    expect(rows.map((r) => [r.id, r.nodeName, r.roles.join(',')])).toEqual([
      ['i-9', 'ip-10-0-0-9.ec2.internal', 'control-plane'],
      ['i-1', 'ip-10-0-1-1.ec2.internal', 'node'],
      ['i-2', 'ip-10-0-1-2.ec2.internal', 'node'],
    ]);
  });
});

describe('listInstances', () => {
  const ig = (name: string, role: InstanceGroup['spec']['role']): InstanceGroup => ({ apiVersion: 'kops.k8s.io/v1alpha2', kind: 'InstanceGroup', metadata: { name }, spec: { role } }) as InstanceGroup;
  const asked: unknown[] = [];
  const cloud: CloudProvider = {
    name: 'aws',
    listGroups: async (cluster, wanted) => {
      asked.push([cluster, wanted]);
      return groups;
    },
    detach: async () => undefined,
    terminate: async () => undefined,
    deregister: async () => undefined,
  };

  it('asks the cloud for the spec\'s groups with their roles, and says why the Nodes could not be listed', async () => {
    const r = await listInstances({
      clusterName: 'c.example.com',
      instanceGroups: [ig('control-plane-us-east-1a', 'Master'), ig('nodes-us-east-1a', 'Node')],
      cloud,
      listNodes: async () => {
        throw new Error('Unable to reach the kubernetes API at https://api.c.example.com\nmore');
      },
    });
    expect(asked).toEqual([['c.example.com', [{ name: 'control-plane-us-east-1a', role: 'ControlPlane' }, { name: 'nodes-us-east-1a', role: 'Node' }]]]);
    expect(r.nodesUnavailable).toBe('Unable to reach the kubernetes API at https://api.c.example.com');
    expect(r.instances.find((i) => i.id === 'i-2')?.nodeName).toBe('ip-10-0-1-2.ec2.internal');
  });

  it('joins when the Nodes are listed', async () => {
    const r = await listInstances({ clusterName: 'c', instanceGroups: [], cloud, listNodes: async () => [node('n2', 'i-2', ['node'])] });
    expect(r.nodesUnavailable).toBeUndefined();
    expect(r.instances.map((i) => i.nodeName)).toEqual(['', '', 'n2']);
  });
});

describe('the commands docs/cli.md and --help show for get instances and toolbox dump', () => {
  it('run', async () => {
    const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    const section = doc.split('## `get instances` and `toolbox dump`')[1]!.split('\n## ')[0]!;
    const block = section.split('```sh\n')[1]!.split('```')[0]!.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
    const lines = [...block];
    for (const args of [['get', 'instances', '--help'], ['toolbox', 'dump', '--help']]) {
      const r = await cli(args);
      expect(r.code).toBe(0);
      const examples = r.stdout.split('Examples:\n')[1]?.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('kops-ts ')) ?? [];
      expect(examples, args.join(' ')).toHaveLength(2);
      lines.push(...examples);
    }
    expect(block).toHaveLength(4);
    for (const l of lines) expect(unrunnable(l, quietProgram()), l).toEqual([]);
  });
});

describe('the cloud of get instances and toolbox dump (loadProvider)', () => {
  const cluster = (cloudProvider: string | undefined): Cluster =>
    ({ apiVersion: 'kops.k8s.io/v1alpha2', kind: 'Cluster', metadata: { name: 'g.example.com' }, spec: cloudProvider ? { cloudProvider } : {} }) as unknown as Cluster;

  it('passes an AWS cluster', async () => {
    expect((await loadProvider(cluster('aws'), 'get instances')).name).toBe('aws');
  });

  it('refuses another cloud naming the command, the cluster and its cloud (exit 2)', async () => {
    for (const [cloud, command] of [['azure', 'get instances'], [undefined, 'toolbox dump']] as const) {
      const err = await loadProvider(cluster(cloud), command).catch((e: unknown) => e);
      expect(KopsError.is(err, 'UnsupportedCloud')).toBe(true);
      const e = err as KopsError;
      expect(e.message).toBe(`${command} reads AWS and GCE clusters only; g.example.com has spec.cloudProvider ${cloud ? '"azure"' : 'unset'}`);
      expect(e.exitCode).toBe(2);
    }
  });
});
