import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../src/diagnostics.js';

describe('formatDiagnostic', () => {
  it('is one line: severity, path, summary, where, hint', () => {
    expect(formatDiagnostic({ severity: 'error', code: 'X', path: 'spec.a', summary: 'bad\nvalue', file: 'c.yaml', task: 'VPC/v', hint: 'fix it' })).toBe('error: spec.a: bad value (c.yaml, VPC/v): fix it');
  });

  it('does not repeat a location the summary already names', () => {
    const d = { severity: 'error' as const, code: 'ClusterNotFound', summary: 'cluster "x" not found in file:///tmp/s', file: 'file:///tmp/s', hint: 'list them' };
    expect(formatDiagnostic(d)).toBe('error: cluster "x" not found in file:///tmp/s: list them');
    expect(formatDiagnostic({ ...d, task: 'VPC/v' })).toBe('error: cluster "x" not found in file:///tmp/s (VPC/v): list them');
  });
});
