/** The task engine: what a provider and `update cluster` use. Kinds live in `src/tasks/<provider>/`. */
export * from './types.js';
export { diffTask, diffViews, valuesEqual } from './diff.js';
export { TaskRegistry } from './registry.js';
export { Graph, buildGraph, type GraphNode } from './graph.js';
export { findRefs, taskRefs, type FoundRef } from './refs.js';
export { planTasks, PLAN_API_VERSION, type Plan, type PlanOptions, type PlanResult, type PlanSummary, type PlannedChange, type PlannedField } from './plan.js';
export { assertPlanCurrent, fingerprintDrift, planFingerprint, type FingerprintDrift, type PlanFingerprint } from './plan-fingerprint.js';
export { execute, defaultErrorCode, type ExecuteOptions, type ExecutionResult, type RunTask, type SkippedTask, type TaskFailure } from './executor.js';
export { applyPlan, type ApplyOptions, type ApplyResult, type TaskOutcome } from './apply.js';
export { systemClock, tryAgainLater, isTryAgainLater, backoffDelay, type Clock, type BackoffOptions } from './retry.js';
export { isRefValue, type RefValue } from './resolve.js';
