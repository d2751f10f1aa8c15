/**
 * The options, result and defaults of `rollingUpdateCluster` (re-exported by roll.ts, the entry point).
 */
import type { EventSink } from '../events.js';
import type { NormalizedRole, RollingUpdate } from '../model/api/types.js';
import type { ProgressStore } from './progress.js';
import type { CloudProvider, ClusterValidator, Clock, KubeOps } from './types.js';

/** An instance group as the spec has it (what the roll needs of it). */
export interface RollGroupSpec {
  readonly name: string;
  readonly role: NormalizedRole;
  readonly rollingUpdate?: RollingUpdate | null;
}

export type ConfirmAnswer = 'yes' | 'no' | 'always';

export interface ConfirmQuestion {
  readonly group: string;
  readonly instance: string;
  readonly node?: string;
}

export interface RollingUpdateOptions {
  readonly cluster: string;
  readonly cloud: CloudProvider;
  /** Undefined with --cloudonly. */
  readonly kube?: KubeOps;
  /** Undefined with --cloudonly (or --validate-count 0). */
  readonly validator?: ClusterValidator;
  readonly clock?: Clock;
  readonly events?: EventSink;
  /** Where progress is recorded (the state store in the CLI); in memory when omitted. */
  readonly progress?: ProgressStore;
  /** The --interactive prompt, asked before each instance is replaced. */
  readonly confirm?: (q: ConfirmQuestion) => Promise<ConfirmAnswer>;
  /** The cluster's instance groups from the spec; every group the cloud has when omitted. */
  readonly specGroups?: readonly RollGroupSpec[];
  /** The cluster's `spec.rollingUpdate`. */
  readonly clusterRollingUpdate?: RollingUpdate | null;

  readonly force?: boolean;
  readonly cloudOnly?: boolean;
  readonly interactive?: boolean;
  /** Default 15 m. */
  readonly validationTimeoutMs?: number;
  /** Default 2. */
  readonly validateCount?: number;
  /** Default 15 m. */
  readonly drainTimeoutMs?: number;
  /** Default 5 s. */
  readonly postDrainDelayMs?: number;
  /** Defaults 15 s each. */
  readonly controlPlaneIntervalMs?: number;
  readonly nodeIntervalMs?: number;
  readonly bastionIntervalMs?: number;
  /** Default true. */
  readonly failOnDrainError?: boolean;
  /** Default true. */
  readonly failOnValidateError?: boolean;
  /** kops-ts extension; default 1. */
  readonly nodeGroupConcurrency?: number;
  /** --instance-group */
  readonly instanceGroups?: readonly string[];
  /** --instance-group-roles */
  readonly instanceGroupRoles?: readonly string[];
  /** How long a replacement may take to come into service; default: the validation timeout. */
  readonly replacementTimeoutMs?: number;
  /** Poll interval while waiting for replacements; default 10 s. */
  readonly replacementPollMs?: number;
  readonly signal?: AbortSignal;
}

export interface RollingUpdateResult {
  /** Instance ids replaced by this run, in the order they were terminated. */
  readonly replaced: readonly string[];
  /** Whether this run continued an interrupted one. */
  readonly resumed: boolean;
  /** Groups that needed an update, with the number of instances this run replaced in each. */
  readonly groups: readonly { readonly name: string; readonly replaced: number }[];
}

/** kops's numbers between validations: 10 s after a success, 30 s after a failure. */
export const VALIDATE_SUCCESS_INTERVAL_MS = 10_000;
export const VALIDATE_FAILURE_INTERVAL_MS = 30_000;

export const ROLLING_UPDATE_DEFAULTS = {
  validationTimeoutMs: 15 * 60_000,
  validateCount: 2,
  drainTimeoutMs: 15 * 60_000,
  postDrainDelayMs: 5_000,
  controlPlaneIntervalMs: 15_000,
  nodeIntervalMs: 15_000,
  bastionIntervalMs: 15_000,
  replacementPollMs: 10_000,
} as const;
