import { describe, expect, it } from 'vitest';
import { resumeFor, selectUpdates } from '../../src/rolling-update/order.js';
import type { CloudInstanceGroup } from '../../src/rolling-update/types.js';

const group = (name: string, ids: string[]): CloudInstanceGroup => ({
  name, role: 'Node', cloudName: name, minSize: ids.length, maxSize: ids.length, targetSize: ids.length,
  instances: ids.map((id) => ({ id, group: name, status: 'UpToDate' as const, state: 'InService' })),
});

describe('resuming an interrupted roll, group by group', () => {
  const previous = { targeted: { 'nodes-a': ['i-old'] }, done: [] as string[] };

  it('a group the interrupted run targeted resumes: its replacements are not replaced again, even with --force', () => {
    const resume = resumeFor('nodes-a', previous);
    const sel = selectUpdates(group('nodes-a', ['i-old', 'i-replacement']), undefined, { force: true, ...(resume ? { resume } : {}) });
    expect(sel.update.map((i) => i.id)).toEqual(['i-old']);
  });

  it('a group it did not target is selected afresh, so a new --force of another group applies', () => {
    expect(resumeFor('nodes-b', previous)).toBeUndefined();
    const sel = selectUpdates(group('nodes-b', ['i-1', 'i-2']), undefined, { force: true });
    expect(sel.update.map((i) => i.id)).toEqual(['i-1', 'i-2']);
  });
});
