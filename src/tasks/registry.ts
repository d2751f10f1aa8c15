/**
 * The explicit registry of task kinds (kops finds its tasks' methods by reflection; here the type
 * checker proves a kind is complete when it is registered, and lookup is a map).
 */
import { KopsError } from '../diagnostics.js';
import type { AnyTaskKind, TaskKind } from './types.js';

export interface TaskRegistryOptions<C> {
  /** Wraps every kind as it is registered (the AWS registry attributes each SDK call to its kind). */
  readonly wrap?: (kind: AnyTaskKind<C>) => AnyTaskKind<C>;
}

export class TaskRegistry<C> {
  private readonly byKind = new Map<string, AnyTaskKind<C>>();

  constructor(private readonly opts: TaskRegistryOptions<C> = {}) {}

  /** Adds a kind; registering two kinds with the same name is a programming error. */
  register<D, A>(kind: TaskKind<D, A, C>): this {
    if (this.byKind.has(kind.kind)) {
      throw new KopsError('DuplicateTaskKind', `task kind "${kind.kind}" is registered twice`, {
        hint: 'each kind must be registered once; check the provider\'s registry',
      });
    }
    const k = kind as AnyTaskKind<C>;
    this.byKind.set(kind.kind, this.opts.wrap ? this.opts.wrap(k) : k);
    return this;
  }

  /** Registers several kinds at once. */
  registerAll(kinds: readonly AnyTaskKind<C>[]): this {
    for (const k of kinds) this.register(k);
    return this;
  }

  has(kind: string): boolean {
    return this.byKind.has(kind);
  }

  get(kind: string): AnyTaskKind<C> {
    const k = this.byKind.get(kind);
    if (!k) {
      throw new KopsError('UnknownTaskKind', `no task kind "${kind}" is registered (known kinds: ${this.kinds().join(', ') || 'none'})`, {
        hint: 'register the kind in the provider\'s task registry, or fix the model builder that emitted the task',
      });
    }
    return k;
  }

  /** Registered kind names, sorted. */
  kinds(): string[] {
    return [...this.byKind.keys()].sort();
  }

  /** Per-kind concurrency limits declared by the kinds (`TaskKind.concurrency`). */
  concurrencyLimits(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, k] of this.byKind) if (k.concurrency !== undefined) out[name] = k.concurrency;
    return out;
  }
}
