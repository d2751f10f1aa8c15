import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { filterGroups, needsUpdate, nodeOf, parseRole, planPhases, selectUpdates } from '../../src/rolling-update/order.js';
import type { CloudInstance, CloudInstanceGroup, KubeNode } from '../../src/rolling-update/types.js';

const inst = (id: string, status: CloudInstance['status'] = 'UpToDate'): CloudInstance => ({
  id,
  group: 'nodes',
  status,
  state: status === 'Detached' ? 'Detached' : 'InService',
  nodeName: `node-${id}`,
});
const node = (id: string, extra: Partial<KubeNode> = {}): KubeNode => ({
  name: `node-${id}`,
  instanceId: id,
  ready: true,
  unschedulable: false,
  roles: ['node'],
  needsUpdate: false,
  ...extra,
});
const group = (instances: CloudInstance[]): CloudInstanceGroup => ({ name: 'nodes', role: 'Node', cloudName: 'nodes.x', minSize: 1, maxSize: 5, targetSize: instances.length, instances });

describe('needsUpdate', () => {
  const cases: { name: string; status: CloudInstance['status']; annotated?: boolean; force?: boolean; resume?: 'targeted' | 'done' | 'other'; want: boolean }[] = [
    { name: 'up to date', status: 'UpToDate', want: false },
    { name: 'new template version', status: 'NeedsUpdate', want: true },
    { name: 'detached by an interrupted surge', status: 'Detached', want: true },
    { name: 'Node annotated kops.k8s.io/needs-update', status: 'UpToDate', annotated: true, want: true },
    { name: '--force', status: 'UpToDate', force: true, want: true },
    { name: 'resume: targeted and not done', status: 'UpToDate', resume: 'targeted', want: true },
    { name: 'resume: done', status: 'NeedsUpdate', resume: 'done', want: false },
    { name: 'resume with --force: a replacement is not replaced', status: 'UpToDate', force: true, resume: 'other', want: false },
    { name: 'resume: detached even if done', status: 'Detached', resume: 'done', want: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const i = inst('i-1', c.status);
      const resume =
        c.resume === undefined
          ? undefined
          : { targeted: new Set(c.resume === 'targeted' ? ['i-1'] : []), done: new Set(c.resume === 'done' ? ['i-1'] : []) };
      expect(needsUpdate(i, node('i-1', { needsUpdate: c.annotated ?? false }), { ...(c.force ? { force: true } : {}), ...(resume ? { resume } : {}) })).toBe(c.want);
    });
  }
});

describe('selectUpdates', () => {
  it('puts detached instances first and keeps the rest in cloud order', () => {
    const g = group([inst('a', 'NeedsUpdate'), inst('b'), inst('c', 'Detached'), inst('d', 'NeedsUpdate')]);
    const sel = selectUpdates(g, [node('b', { needsUpdate: true })]);
    expect(sel.update.map((i) => i.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(sel.upToDate).toEqual([]);
  });
  it('leaves up-to-date instances alone without --force', () => {
    const sel = selectUpdates(group([inst('a'), inst('b', 'NeedsUpdate')]), undefined);
    expect(sel.update.map((i) => i.id)).toEqual(['b']);
    expect(sel.upToDate.map((i) => i.id)).toEqual(['a']);
  });
  it('matches Nodes by instance id, then provider id, then name', () => {
    const i: CloudInstance = { ...inst('x'), providerId: 'aws:///us-east-1a/x', nodeName: 'n-x' };
    expect(nodeOf(i, [node('y', { name: 'n-x', instanceId: 'other' })])?.name).toBe('n-x');
    expect(nodeOf(i, [{ ...node('z'), name: 'p', instanceId: undefined, providerId: 'aws:///us-east-1a/x' }])?.name).toBe('p');
    expect(nodeOf(i, [node('x', { name: 'by-id' }), node('q', { name: 'n-x' })])?.name).toBe('by-id');
    expect(nodeOf(i, undefined)).toBeUndefined();
  });
});

describe('planPhases', () => {
  const groups = [
    { name: 'nodes-b', role: 'Node' as const },
    { name: 'control-plane-us-east-1c', role: 'ControlPlane' as const },
    { name: 'bastions', role: 'Bastion' as const },
    { name: 'control-plane-us-east-1a', role: 'ControlPlane' as const },
    { name: 'api', role: 'APIServer' as const },
    { name: 'nodes-a', role: 'Node' as const },
    { name: 'bastions-2', role: 'Bastion' as const },
  ];
  it('orders bastions (at once), control planes and API servers (serially), then nodes (serially, as kops)', () => {
    expect(planPhases(groups)).toEqual([
      { kind: 'bastion', groups: ['bastions', 'bastions-2'], groupConcurrency: Number.MAX_SAFE_INTEGER },
      { kind: 'control-plane', groups: ['control-plane-us-east-1a', 'control-plane-us-east-1c'], groupConcurrency: 1 },
      { kind: 'api-server', groups: ['api'], groupConcurrency: 1 },
      { kind: 'node', groups: ['nodes-a', 'nodes-b'], groupConcurrency: 1 },
    ]);
  });
  it('--node-group-concurrency applies to node groups only', () => {
    const p = planPhases(groups, { nodeGroupConcurrency: 3 });
    expect(p.map((x) => [x.kind, x.groupConcurrency])).toEqual([
      ['bastion', Number.MAX_SAFE_INTEGER],
      ['control-plane', 1],
      ['api-server', 1],
      ['node', 3],
    ]);
  });
  it('leaves out empty phases', () => {
    expect(planPhases([{ name: 'nodes', role: 'Node' }]).map((p) => p.kind)).toEqual(['node']);
  });
  it('refuses a concurrency below 1', () => {
    expect(() => planPhases(groups, { nodeGroupConcurrency: 0 })).toThrow(/--node-group-concurrency must be a whole number of at least 1, got 0/);
  });
});

describe('filterGroups', () => {
  const groups = [
    { name: 'control-plane-a', role: 'ControlPlane' as const },
    { name: 'nodes', role: 'Node' as const },
    { name: 'bastions', role: 'Bastion' as const },
  ];
  it('by name, by role, and both', () => {
    expect(filterGroups(groups, ['nodes'], undefined).map((g) => g.name)).toEqual(['nodes']);
    expect(filterGroups(groups, undefined, ['Master', 'bastion']).map((g) => g.name)).toEqual(['control-plane-a', 'bastions']);
    expect(filterGroups(groups, ['nodes', 'bastions'], ['node']).map((g) => g.name)).toEqual(['nodes']);
    expect(filterGroups(groups, [], [])).toHaveLength(3);
  });
  it('names an unknown group and lists the real ones', () => {
    let err: unknown;
    try {
      filterGroups(groups, ['nodez'], undefined);
    } catch (e) {
      err = e;
    }
    expect(KopsError.is(err, 'InstanceGroupNotFound')).toBe(true);
    expect((err as KopsError).message).toContain('"nodez"');
    expect((err as KopsError).diagnostics[0]?.hint).toContain('bastions, control-plane-a, nodes');
  });
  it('names an unknown role', () => {
    expect(() => parseRole('workers')).toThrow(/unknown role "workers"/);
    expect(parseRole('control-plane')).toBe('ControlPlane');
    expect(parseRole('APIServer')).toBe('APIServer');
  });
});
