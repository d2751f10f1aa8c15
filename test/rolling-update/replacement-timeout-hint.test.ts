/** The replacement-timeout hint says where to look on either cloud, in that cloud's words. */
import { describe, expect, it } from 'vitest';
import { ReplacementTimeoutError } from '../../src/rolling-update/errors.js';

describe('ReplacementTimeoutError', () => {
  it("points at the autoscaling group's activities (AWS) and the managed instance groups' errors (GCE)", () => {
    const e = new ReplacementTimeoutError('nodes', 60_000, 1, 2);
    expect(e.message).toContain('has 1 of its 2 instances in service');
    expect(e.diagnostics[0]?.hint).toContain("AWS: the autoscaling group's scaling activities");
    expect(e.diagnostics[0]?.hint).toContain("GCE: the managed instance groups' errors");
    expect(e.diagnostics[0]?.hint).toContain('launch or instance template');
  });
});
