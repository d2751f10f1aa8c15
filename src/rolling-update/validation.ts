/**
 * Validation between the roll's steps (kops's instancegroups.go `maybeValidate` /
 * `validateClusterWithTimeout`), and its reuse: a validation is not asked again when attempts
 * that found no failure at all just passed (within kops's 10 s between successes) and the roll
 * changed nothing since (`freshClean`).
 */
import { ValidationTimeoutError } from './errors.js';
import { errMessage, type RollContext } from './roll-context.js';
import { VALIDATE_FAILURE_INTERVAL_MS, VALIDATE_SUCCESS_INTERVAL_MS } from './roll-options.js';
import type { ValidationFailure, ValidationResult } from './types.js';

/** kops's maybeValidate: skipped with --cloudonly; a failure only warns without --fail-on-validate-error. */
export async function maybeValidate(ctx: RollContext, group: string, count: number): Promise<void> {
  if (ctx.cloudOnly || !ctx.opts.validator) return;
  if (count === 0) return;
  if (freshClean(ctx, count)) return;
  try {
    await validateWithTimeout(ctx, group, count);
  } catch (e) {
    if (ctx.opts.signal?.aborted || ctx.o.failOnValidateError) throw e;
    ctx.emit({ code: 'rolling-update.warning', group, message: `cluster validation failed, going on since --fail-on-validate-error=false: ${errMessage(e)}` });
  }
}

/**
 * Whether validations that just passed answer a request for `count` successes: at least `count`
 * attempts in a row found no failure anywhere, the last within kops's interval between two
 * successful attempts (10 s: kops's own `count` successes are that far apart), and the roll
 * changed nothing since the first of them started (no detach, drain, deregistration, termination
 * or replacement coming into service). Validating again would ask the same question of the same
 * cluster: kops validates back to back at a group's start after the previous group's last
 * validation and, for control planes, kops-ts's quorum check validates again right after that.
 */
export function freshClean(ctx: RollContext, count: number): boolean {
  const c = ctx.clean;
  return c !== undefined && c.changes === ctx.changes && c.streak >= count && ctx.clock.now() - c.at <= VALIDATE_SUCCESS_INTERVAL_MS;
}

/**
 * Records one validation attempt for `freshClean`: `changesAtStart` is `ctx.changes` when it
 * began, `streak` how many attempts in a row (this one the last) have passed for its caller.
 */
export function noteAttempt(ctx: RollContext, res: ValidationResult | undefined, changesAtStart: number, streak: number): void {
  const clean = res !== undefined && res.failures.length === 0 && changesAtStart === ctx.changes;
  ctx.clean = clean ? { changes: changesAtStart, at: ctx.clock.now(), streak } : undefined;
}

/** `count` successes in a row within the validation timeout; failures of other node groups are ignored. */
export async function validateWithTimeout(ctx: RollContext, group: string, count: number): Promise<void> {
  const validator = ctx.opts.validator!;
  const { signal } = ctx.opts;
  const start = ctx.clock.now();
  let successes = 0;
  let last: string[] = [];
  for (;;) {
    ctx.checkAborted();
    let relevant: string[];
    const changesAtStart = ctx.changes;
    try {
      const res = await validator.validate(signal);
      noteAttempt(ctx, res, changesAtStart, ctx.clean?.changes === changesAtStart ? successes + 1 : 1);
      relevant = res.failures.filter((f) => relevantTo(ctx, f, group)).map(describeFailure);
    } catch (e) {
      noteAttempt(ctx, undefined, changesAtStart, 0);
      if (signal?.aborted) throw e;
      relevant = [`validation error: ${errMessage(e)}`];
    }
    if (relevant.length === 0) {
      successes++;
      if (successes >= count) {
        ctx.emit({ code: 'rolling-update.validated', group, count, ms: ctx.clock.now() - start });
        return;
      }
      await ctx.clock.sleep(VALIDATE_SUCCESS_INTERVAL_MS, signal);
      continue;
    }
    successes = 0;
    last = relevant;
    ctx.emit({ code: 'rolling-update.validation-failed', group, failures: relevant });
    if (ctx.clock.now() - start >= ctx.o.validationTimeoutMs) throw new ValidationTimeoutError(group, ctx.o.validationTimeoutMs, last);
    await ctx.clock.sleep(VALIDATE_FAILURE_INTERVAL_MS, signal);
  }
}

/** kops's hasFailureRelevantToGroup. */
export function relevantTo(ctx: RollContext, f: ValidationFailure, group: string): boolean {
  if (f.instanceGroup === undefined) return true;
  if (f.instanceGroup === group) return true;
  return ctx.roleOf.get(f.instanceGroup) === 'ControlPlane';
}
export function describeFailure(f: ValidationFailure): string {
  return `${f.kind} ${f.name}: ${f.message}`;
}
