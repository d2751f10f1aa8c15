import { describe, expect, it } from 'vitest';
import { renderTable } from '../../src/cli/output.js';
import { MUST_SPECIFY_YES, NO_ROLLING_UPDATE, buildPreview, renderPreview } from '../../src/rolling-update/preview.js';
import type { CloudInstance, CloudInstanceGroup, KubeNode } from '../../src/rolling-update/types.js';

const inst = (id: string, group: string, status: CloudInstance['status'] = 'UpToDate'): CloudInstance => ({ id, group, status, state: 'InService', nodeName: `ip-${id}` });
const group = (name: string, role: CloudInstanceGroup['role'], instances: CloudInstance[], size = instances.length): CloudInstanceGroup => ({
  name, role, cloudName: `${name}.example.com`, minSize: size, maxSize: size + 1, targetSize: size, instances,
});
const node = (id: string, by: 'providerId' | 'name'): KubeNode => ({
  name: by === 'name' ? `ip-${id}` : `renamed-${id}`, ...(by === 'providerId' ? { instanceId: id } : {}), ready: true, unschedulable: false, roles: ['node'], needsUpdate: false,
});

describe('rolling-update preview', () => {
  const groups = [
    group('nodes-us-east-1a', 'Node', [inst('i-1', 'nodes-us-east-1a', 'NeedsUpdate'), inst('i-2', 'nodes-us-east-1a'), inst('i-3', 'nodes-us-east-1a', 'Detached')], 2),
    group('control-plane-us-east-1a', 'ControlPlane', [inst('i-9', 'control-plane-us-east-1a')]),
  ];
  const byStatus = (_g: CloudInstanceGroup, i: CloudInstance) => i.status !== 'UpToDate';

  it('counts per group what needs an update, what is ready and the nodes backing the instances', () => {
    const p = buildPreview(groups, byStatus, [node('i-1', 'providerId'), node('i-2', 'name'), node('i-404', 'providerId')]);
    expect(p.required).toBe(true);
    expect(p.rows).toEqual([
      { name: 'control-plane-us-east-1a', status: 'Ready', needUpdate: 0, ready: 1, min: 1, target: 1, max: 2, nodes: 0 },
      { name: 'nodes-us-east-1a', status: 'NeedsUpdate', needUpdate: 2, ready: 1, min: 2, target: 2, max: 3, nodes: 2 },
    ]);
  });

  it("renders kops's table and closing line, without NODES for --cloudonly", () => {
    const text = renderPreview(buildPreview(groups, byStatus, []), false, renderTable);
    expect(text.split('\n')[0]?.split(/\s+/)).toEqual(['NAME', 'STATUS', 'NEEDUPDATE', 'READY', 'MIN', 'TARGET', 'MAX', 'NODES']);
    expect(text.trimEnd().endsWith(MUST_SPECIFY_YES)).toBe(true);
    const cloudOnly = renderPreview(buildPreview(groups, byStatus, undefined), true, renderTable);
    expect(cloudOnly.split('\n')[0]?.split(/\s+/)).not.toContain('NODES');
    expect(cloudOnly.split('\n')[2]?.split(/\s+/)).toEqual(['nodes-us-east-1a', 'NeedsUpdate', '2', '1', '2', '2', '3']);
  });

  it('says no rolling update is required when every instance is up to date', () => {
    const text = renderPreview(buildPreview(groups, () => false, []), false, renderTable);
    expect(text).toContain(NO_ROLLING_UPDATE);
    expect(text).not.toContain(MUST_SPECIFY_YES);
    expect(text).not.toContain('NeedsUpdate');
  });
});
