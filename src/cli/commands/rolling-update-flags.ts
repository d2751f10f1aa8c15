/**
 * `rolling-update cluster`'s flags as kops has them, parsed and checked in one place (pure, so the
 * defaults and the errors are table-tested): durations in Go's form (`15m`, `5s`, `0s`), counts as
 * non-negative integers, roles in kops's spellings (`master` is the control plane).
 */
import { KopsError } from '../../diagnostics.js';
import type { NormalizedRole } from '../../model/api/types.js';
import { parseRole } from '../../rolling-update/order.js';
import { ROLLING_UPDATE_DEFAULTS } from '../../rolling-update/roll.js';
import { parseDuration } from '../timeouts.js';

/** The flags as commander hands them over (strings, booleans, repeatable lists). */
export interface RawRollingUpdateFlags {
  yes?: boolean;
  force?: boolean;
  cloudonly?: boolean;
  interactive?: boolean;
  validationTimeout?: string;
  validateCount?: string;
  drainTimeout?: string;
  postDrainDelay?: string;
  controlPlaneInterval?: string;
  masterInterval?: string;
  nodeInterval?: string;
  bastionInterval?: string;
  instanceGroup?: string[];
  instanceGroupRoles?: string[];
  failOnDrainError?: boolean;
  failOnValidateError?: boolean;
  nodeGroupConcurrency?: string;
}

export interface RollingUpdateFlags {
  readonly yes: boolean;
  readonly force: boolean;
  readonly cloudOnly: boolean;
  readonly interactive: boolean;
  readonly validationTimeoutMs: number;
  readonly validateCount: number;
  readonly drainTimeoutMs: number;
  readonly postDrainDelayMs: number;
  readonly controlPlaneIntervalMs: number;
  readonly nodeIntervalMs: number;
  readonly bastionIntervalMs: number;
  /** Empty: every group. */
  readonly instanceGroups: readonly string[];
  /** Empty: every role. */
  readonly instanceGroupRoles: readonly NormalizedRole[];
  readonly failOnDrainError: boolean;
  readonly failOnValidateError: boolean;
  readonly nodeGroupConcurrency: number;
}

function usage(flag: string, value: string, expected: string, example: string): KopsError {
  return new KopsError('InvalidFlag', `${flag} ${JSON.stringify(value)}: expected ${expected}`, { hint: `e.g. ${flag} ${example}`, exitCode: 2 });
}

/** A flag's duration, or the roll's own default (src/rolling-update/roll.ts) when it is not given. */
function duration(flag: string, value: string | undefined, fallbackMs: number, example: string): number {
  if (value === undefined) return fallbackMs;
  const ms = parseDuration(value);
  if (ms === undefined) throw usage(flag, value, 'a duration such as 15m, 30s or 0s', example);
  return ms;
}

function count(flag: string, value: string | undefined, fallback: number, min: number, example: string): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value.trim()) || Number(value) < min) throw usage(flag, value, min === 0 ? 'a whole number (0 or more)' : `a whole number of at least ${min}`, example);
  return Number(value);
}

/** Repeatable and comma-separated, as kops's string slices. */
function list(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

export function parseRollingUpdateFlags(raw: RawRollingUpdateFlags): RollingUpdateFlags {
  const d = ROLLING_UPDATE_DEFAULTS;
  if (raw.masterInterval !== undefined && raw.controlPlaneInterval !== undefined) {
    throw new KopsError('InvalidFlag', '--master-interval and --control-plane-interval cannot be used together', { hint: 'use --control-plane-interval (--master-interval is its deprecated name)', exitCode: 2 });
  }
  const roles = list(raw.instanceGroupRoles).map(parseRole);
  return {
    yes: raw.yes === true,
    force: raw.force === true,
    cloudOnly: raw.cloudonly === true,
    interactive: raw.interactive === true,
    validationTimeoutMs: duration('--validation-timeout', raw.validationTimeout, d.validationTimeoutMs, '15m'),
    validateCount: count('--validate-count', raw.validateCount, d.validateCount, 0, '2'),
    drainTimeoutMs: duration('--drain-timeout', raw.drainTimeout, d.drainTimeoutMs, '15m'),
    postDrainDelayMs: duration('--post-drain-delay', raw.postDrainDelay, d.postDrainDelayMs, '5s'),
    controlPlaneIntervalMs: raw.masterInterval !== undefined
      ? duration('--master-interval', raw.masterInterval, d.controlPlaneIntervalMs, '15s')
      : duration('--control-plane-interval', raw.controlPlaneInterval, d.controlPlaneIntervalMs, '15s'),
    nodeIntervalMs: duration('--node-interval', raw.nodeInterval, d.nodeIntervalMs, '15s'),
    bastionIntervalMs: duration('--bastion-interval', raw.bastionInterval, d.bastionIntervalMs, '15s'),
    instanceGroups: [...new Set(list(raw.instanceGroup))],
    instanceGroupRoles: [...new Set(roles)],
    failOnDrainError: raw.failOnDrainError ?? true,
    failOnValidateError: raw.failOnValidateError ?? true,
    nodeGroupConcurrency: count('--node-group-concurrency', raw.nodeGroupConcurrency, 1, 1, '2'),
  };
}
