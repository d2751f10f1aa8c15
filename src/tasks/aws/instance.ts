/**
 * `Instance`: an EC2 instance of the user's that the cluster routes through (a NAT instance named
 * by a private subnet's `egress: i-...`), as kops's shared `Instance` task (named by its id). It
 * is found by id so that a wrong or terminated instance is a planning error
 * (`SharedResourceNotFound`), not a failed route halfway through an apply; it is never created,
 * changed or deleted.
 */
import { paginateDescribeInstances } from '@aws-sdk/client-ec2';
import type { TaskKind } from '../types.js';
import type { AwsTaskContext } from './context.js';
import { partitionShared, sharedNotFound, sharedReadOnly } from './network-common.js';

export interface InstanceDesired {
  /** The instance's id (`i-...`); tasks of this kind are always `shared`. */
  readonly id: string;
}

export interface InstanceActual {
  readonly id: string;
  /** `running`, `stopped`, ... (terminated instances are not found). */
  readonly state: string;
}

const GONE = new Set(['shutting-down', 'terminated']);

export const instanceKind: TaskKind<InstanceDesired, InstanceActual, AwsTaskContext> = {
  kind: 'Instance',
  fields: {},

  async find(ctx, tasks) {
    const found = new Map<string, InstanceActual>();
    const { sharedIds } = partitionShared('Instance', tasks.map((t) => ({ ...t, shared: true })));
    if (sharedIds.length === 0) return found;
    const live = new Map<string, InstanceActual>();
    // A filter, not InstanceIds: an unknown id is simply absent (InstanceIds fails the whole call).
    for await (const page of paginateDescribeInstances({ client: ctx.clients.ec2 }, { Filters: [{ Name: 'instance-id', Values: sharedIds }] })) {
      for (const r of page.Reservations ?? []) {
        for (const i of r.Instances ?? []) {
          const state = i.State?.Name ?? '';
          if (i.InstanceId && !GONE.has(state)) live.set(i.InstanceId, { id: i.InstanceId, state });
        }
      }
    }
    for (const t of tasks) {
      const hit = live.get(t.desired.id);
      if (hit) found.set(t.name, hit);
    }
    return found;
  },

  view: () => ({}),

  actualView: () => ({}),

  /** Never reached for a found instance (shared tasks are not changed); a missing one is refused. */
  async apply(_ctx, req) {
    throw req.actual ? sharedReadOnly('Instance', req.actual.id) : sharedNotFound('Instance', req.name, req.desired.id);
  },

  outputs: (a) => ({ id: a.id }),
};
