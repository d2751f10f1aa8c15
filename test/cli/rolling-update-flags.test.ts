import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { parseRollingUpdateFlags } from '../../src/cli/commands/rolling-update-flags.js';

describe('rolling-update cluster flags', () => {
  it("defaults to kops's values", () => {
    expect(parseRollingUpdateFlags({})).toEqual({
      yes: false, force: false, cloudOnly: false, interactive: false,
      validationTimeoutMs: 900_000, validateCount: 2, drainTimeoutMs: 900_000, postDrainDelayMs: 5_000,
      controlPlaneIntervalMs: 15_000, nodeIntervalMs: 15_000, bastionIntervalMs: 15_000,
      instanceGroups: [], instanceGroupRoles: [], failOnDrainError: true, failOnValidateError: true, nodeGroupConcurrency: 1,
    });
  });

  it('takes durations (0s included), counts, lists and kops role spellings', () => {
    const f = parseRollingUpdateFlags({
      validationTimeout: '1m30s', validateCount: '0', postDrainDelay: '0s', masterInterval: '2s',
      instanceGroup: ['nodes-a,nodes-b', 'nodes-a'], instanceGroupRoles: ['master,Node', 'control-plane'],
      failOnDrainError: false, nodeGroupConcurrency: '3',
    });
    expect(f.validationTimeoutMs).toBe(90_000);
    expect(f.validateCount).toBe(0);
    expect(f.postDrainDelayMs).toBe(0);
    expect(f.controlPlaneIntervalMs).toBe(2_000);
    expect(f.instanceGroups).toEqual(['nodes-a', 'nodes-b']);
    expect(f.instanceGroupRoles).toEqual(['ControlPlane', 'Node']);
    expect(f.failOnDrainError).toBe(false);
    expect(f.nodeGroupConcurrency).toBe(3);
  });

  it.each([
    [{ validationTimeout: '15' }, '--validation-timeout "15": expected a duration'],
    [{ validateCount: '-1' }, '--validate-count "-1": expected a whole number'],
    [{ nodeGroupConcurrency: '0' }, '--node-group-concurrency "0": expected a whole number of at least 1'],
    [{ instanceGroupRoles: ['etcd'] }, '--instance-group-roles: unknown role "etcd"'],
    [{ masterInterval: '1s', controlPlaneInterval: '1s' }, '--master-interval and --control-plane-interval cannot be used together'],
  ])('refuses %j as a usage error', (raw, message) => {
    let err: unknown;
    try {
      parseRollingUpdateFlags(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KopsError);
    expect((err as KopsError).message).toContain(message);
    expect((err as KopsError).exitCode).toBe(2);
  });
});
