import { describe, expect, it } from 'vitest';
import { currentAwsCallScope, type AwsCallScope } from '../../../src/cloud/aws/call-scope.js';
import { withAwsCallScope } from '../../../src/tasks/aws/call-scope.js';
import type { AwsTaskContext } from '../../../src/tasks/aws/context.js';
import type { AnyTaskKind, ApplyRequest } from '../../../src/tasks/types.js';

describe('withAwsCallScope', () => {
  it('runs find in the kind\'s scope, and apply in one that also names the task (the benchmarks weigh tasks by it)', async () => {
    const seen: (AwsCallScope | undefined)[] = [];
    const kind: AnyTaskKind<AwsTaskContext> = {
      kind: 'Thing',
      fields: {},
      async find() {
        await Promise.resolve();
        seen.push(currentAwsCallScope());
        return new Map();
      },
      view: () => ({}),
      actualView: () => ({}),
      async apply() {
        await Promise.resolve();
        seen.push(currentAwsCallScope());
        return {};
      },
      outputs: () => ({ id: 'x' }),
    };
    const wrapped = withAwsCallScope(kind);
    const ctx = {} as AwsTaskContext;
    await wrapped.find(ctx, []);
    await wrapped.apply(ctx, { action: 'create', name: 'thing-a', desired: {}, fields: [], refs: {} } as unknown as ApplyRequest<unknown, unknown>);
    expect(seen).toEqual([{ kind: 'Thing', phase: 'find' }, { kind: 'Thing', phase: 'apply', task: 'thing-a' }]);
    expect(currentAwsCallScope()).toBeUndefined();
  });
});
