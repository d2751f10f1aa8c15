/** Runs each AWS kind's find/apply/delete in its call scope, so every SDK call is attributed to its kind. */
import { inAwsCallScope } from '../../cloud/aws/call-scope.js';
import type { AnyTaskKind } from '../types.js';
import type { AwsTaskContext } from './context.js';

export function withAwsCallScope(k: AnyTaskKind<AwsTaskContext>): AnyTaskKind<AwsTaskContext> {
  const kind = k.kind;
  const wrapped: AnyTaskKind<AwsTaskContext> = {
    ...k,
    find: (ctx, tasks) => inAwsCallScope({ kind, phase: 'find' }, () => k.find(ctx, tasks)),
    apply: (ctx, req) => inAwsCallScope({ kind, phase: 'apply', task: req.name }, () => k.apply(ctx, req)),
  };
  const del = k.delete?.bind(k);
  const orphans = k.findOrphans?.bind(k);
  return {
    ...wrapped,
    ...(del ? { delete: (ctx: AwsTaskContext, actual: unknown) => inAwsCallScope({ kind, phase: 'delete' }, () => del(ctx, actual)) } : {}),
    ...(orphans ? { findOrphans: (ctx: AwsTaskContext, tasks: Parameters<typeof orphans>[1], found: Parameters<typeof orphans>[2]) => inAwsCallScope({ kind, phase: 'find' }, () => orphans(ctx, tasks, found)) } : {}),
  };
}
