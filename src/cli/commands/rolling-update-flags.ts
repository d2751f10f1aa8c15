/**
 * `rolling-update cluster`'s flags as kops has them, declared and parsed in one place (the parsing
 * pure, so the defaults and the errors are table-tested): durations in Go's form (`15m`, `5s`,
 * `0s`), counts as non-negative integers, roles in kops's spellings (`master` is the control
 * plane). `delete instance` takes the same validation and drain flags (kops's): it declares them
 * with `addValidationDrainOptions` and `addFailOnOptions` and parses them with `parseStepFlags`.
 */
import type { Command } from 'commander';
import { KopsError } from '../../diagnostics.js';
import type { NormalizedRole } from '../../model/api/types.js';
import { parseRole } from '../../rolling-update/order.js';
import { ROLLING_UPDATE_DEFAULTS } from '../../rolling-update/roll-options.js';
import { boolFlag } from '../flags.js';
import { parseDuration } from '../timeouts.js';

/** `--validation-timeout`, `--validate-count`, `--drain-timeout`, `--post-drain-delay`, with kops's defaults. */
export function addValidationDrainOptions(cmd: Command): Command {
  return cmd
    .option('--validation-timeout <duration>', 'how long the cluster may take to validate after each step (default 15m)')
    .option('--validate-count <n>', 'successful validations in a row required after each step (default 2; 0 skips validation)')
    .option('--drain-timeout <duration>', 'how long a node may take to drain (default 15m)')
    .option('--post-drain-delay <duration>', 'pause after a drain before terminating (default 5s)');
}

/** `--fail-on-drain-error[=false]`, `--fail-on-validate-error[=false]` (both default true, as kops). */
export function addFailOnOptions(cmd: Command): Command {
  return cmd
    .option('--fail-on-drain-error [bool]', 'stop when a node cannot be drained (default true)', boolFlag('--fail-on-drain-error'))
    .option('--fail-on-validate-error [bool]', 'stop when the cluster does not validate in time (default true)', boolFlag('--fail-on-validate-error'));
}

/** The flags the roll's steps take, as commander hands them over. */
export interface RawStepFlags {
  yes?: boolean;
  cloudonly?: boolean;
  validationTimeout?: string;
  validateCount?: string;
  drainTimeout?: string;
  postDrainDelay?: string;
  failOnDrainError?: boolean;
  failOnValidateError?: boolean;
}

export interface StepFlags {
  readonly yes: boolean;
  readonly cloudOnly: boolean;
  readonly validationTimeoutMs: number;
  readonly validateCount: number;
  readonly drainTimeoutMs: number;
  readonly postDrainDelayMs: number;
  readonly failOnDrainError: boolean;
  readonly failOnValidateError: boolean;
}

/** The flags as commander hands them over (strings, booleans, repeatable lists). */
export interface RawRollingUpdateFlags extends RawStepFlags {
  force?: boolean;
  interactive?: boolean;
  controlPlaneInterval?: string;
  masterInterval?: string;
  nodeInterval?: string;
  bastionInterval?: string;
  instanceGroup?: string[];
  instanceGroupRoles?: string[];
  nodeGroupConcurrency?: string;
}

export interface RollingUpdateFlags extends StepFlags {
  readonly force: boolean;
  readonly interactive: boolean;
  readonly controlPlaneIntervalMs: number;
  readonly nodeIntervalMs: number;
  readonly bastionIntervalMs: number;
  /** Empty: every group. */
  readonly instanceGroups: readonly string[];
  /** Empty: every role. */
  readonly instanceGroupRoles: readonly NormalizedRole[];
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

/** The step flags, with the roll's own defaults (src/rolling-update/roll-options.ts) for those not given. */
export function parseStepFlags(raw: RawStepFlags): StepFlags {
  const d = ROLLING_UPDATE_DEFAULTS;
  return {
    yes: raw.yes === true,
    cloudOnly: raw.cloudonly === true,
    validationTimeoutMs: duration('--validation-timeout', raw.validationTimeout, d.validationTimeoutMs, '15m'),
    validateCount: count('--validate-count', raw.validateCount, d.validateCount, 0, '2'),
    drainTimeoutMs: duration('--drain-timeout', raw.drainTimeout, d.drainTimeoutMs, '15m'),
    postDrainDelayMs: duration('--post-drain-delay', raw.postDrainDelay, d.postDrainDelayMs, '5s'),
    failOnDrainError: raw.failOnDrainError ?? true,
    failOnValidateError: raw.failOnValidateError ?? true,
  };
}

export function parseRollingUpdateFlags(raw: RawRollingUpdateFlags): RollingUpdateFlags {
  const d = ROLLING_UPDATE_DEFAULTS;
  if (raw.masterInterval !== undefined && raw.controlPlaneInterval !== undefined) {
    throw new KopsError('InvalidFlag', '--master-interval and --control-plane-interval cannot be used together', { hint: 'use --control-plane-interval (--master-interval is its deprecated name)', exitCode: 2 });
  }
  const roles = list(raw.instanceGroupRoles).map(parseRole);
  const steps = parseStepFlags(raw);
  return {
    yes: steps.yes,
    force: raw.force === true,
    cloudOnly: steps.cloudOnly,
    interactive: raw.interactive === true,
    validationTimeoutMs: steps.validationTimeoutMs,
    validateCount: steps.validateCount,
    drainTimeoutMs: steps.drainTimeoutMs,
    postDrainDelayMs: steps.postDrainDelayMs,
    controlPlaneIntervalMs: raw.masterInterval !== undefined
      ? duration('--master-interval', raw.masterInterval, d.controlPlaneIntervalMs, '15s')
      : duration('--control-plane-interval', raw.controlPlaneInterval, d.controlPlaneIntervalMs, '15s'),
    nodeIntervalMs: duration('--node-interval', raw.nodeInterval, d.nodeIntervalMs, '15s'),
    bastionIntervalMs: duration('--bastion-interval', raw.bastionInterval, d.bastionIntervalMs, '15s'),
    instanceGroups: [...new Set(list(raw.instanceGroup))],
    instanceGroupRoles: [...new Set(roles)],
    failOnDrainError: steps.failOnDrainError,
    failOnValidateError: steps.failOnValidateError,
    nodeGroupConcurrency: count('--node-group-concurrency', raw.nodeGroupConcurrency, 1, 1, '2'),
  };
}
