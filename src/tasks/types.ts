/**
 * The task-engine contract. A task kind is a plain typed object registered in an explicit registry
 * (`registry.ts`); nothing is found by reflection. Model builders (`src/model/<provider>`) turn a
 * completed spec into `Task`s; tasks never see the spec.
 *
 * Life of a task in `update cluster`:
 *   1. find   — each kind's `find` reads the actual state of all its tasks in one batched, paged,
 *               tag-filtered call (all kinds concurrently: find needs no refs);
 *   2. diff   — pure: `view(desired)` (refs resolved to known values or UNKNOWN) is compared with
 *               `actualView(actual)` under the kind's `fields` rules, giving a `Change`;
 *   3. apply  — in dependency order, with every ref resolved, `apply` makes reality match and
 *               returns the new actual state, whose `outputs` feed the dependents.
 */

// ---------------------------------------------------------------------------------------------
// References between tasks

/** A typed reference to another task's output (`id` unless stated). Refs are how edges are made. */
export interface Ref<K extends string = string> {
  readonly $ref: true;
  readonly kind: K;
  readonly name: string;
  /** Which output of the target (see `TaskKind.outputs`); default `id`. */
  readonly output: string;
}

export function ref<K extends string>(kind: K, name: string, output = 'id'): Ref<K> {
  return { $ref: true, kind, name, output };
}

export function isRef(v: unknown): v is Ref {
  return typeof v === 'object' && v !== null && (v as { $ref?: unknown }).$ref === true;
}

/** A string that is known now, or another task's output. */
export type Val<T = string> = T | Ref;

/** Stands for a value that will only be known after apply (the plan prints "(known after apply)"). */
export const UNKNOWN = Object.freeze({ $unknown: true as const, toString: () => '(known after apply)' });
export type Unknown = typeof UNKNOWN;
export function isUnknown(v: unknown): v is Unknown {
  return v === UNKNOWN;
}

export type TaskKey = string; // `${kind}/${name}`
export function taskKey(kind: string, name: string): TaskKey {
  return `${kind}/${name}`;
}
export function refKey(r: Ref): TaskKey {
  return taskKey(r.kind, r.name);
}

// ---------------------------------------------------------------------------------------------
// Tasks

/** kops's lifecycles; `--lifecycle-overrides Kind=Lifecycle` sets them per kind. */
export type Lifecycle = 'Sync' | 'Ignore' | 'WarnIfInsufficientAccess' | 'ExistsAndValidates' | 'ExistsAndWarnIfChanges';

export interface Task<D = unknown> {
  readonly kind: string;
  /** Unique within the kind; with the kind it is the task key, e.g. `Subnet/us-east-1a.example.com`. */
  readonly name: string;
  /** Desired state; may hold `Ref`s at any depth (each one is a dependency edge). */
  readonly desired: D;
  /**
   * A resource the user owns (given by id: a shared VPC or subnet). It is found by id and must
   * exist; it is never created, modified or deleted.
   */
  readonly shared?: boolean;
  /** Ordering-only dependencies (no value flows), e.g. a route after the gateway attaches. */
  readonly dependsOn?: readonly Ref[];
  readonly lifecycle?: Lifecycle;
}

/** Values a task exposes to the tasks that reference it. */
export type Outputs = Readonly<Record<string, string | undefined>>;

/** Resolves refs: to the target's output, or `UNKNOWN` while the target is still to be created/replaced. */
export interface RefResolver {
  resolve(v: Val<string>): string | Unknown;
  /** Like `resolve`, but throws if the value is not known (apply time: every dependency is done). */
  known(v: Val<string>): string;
}

// ---------------------------------------------------------------------------------------------
// Fields and changes

/** How a field is compared and what a difference in it means. */
export interface FieldRule {
  /** `in-place` (default): updatable; `replace`: a change forces replacement; `ignore`: not compared. */
  readonly mode?: 'in-place' | 'replace' | 'ignore';
  /**
   * `exact` (default: deep equality), `set` (arrays as unordered sets), `tags` (maps compared on
   * the desired keys only: extra actual keys, such as aws:* tags, are not a difference),
   * `includes` (arrays: each desired element must be among the actual ones, the others are left;
   * a change only adds members, and the plan shows it as the members added).
   */
  readonly compare?: 'exact' | 'set' | 'tags' | 'includes';
  /**
   * The change is security-sensitive: shown first under a banner in the plan. A function of the
   * desired view when the category depends on the task (a security-group rule's direction).
   */
  readonly security?: SecurityCategory | ((desired: View) => SecurityCategory);
  /** Print `(sensitive)` instead of the values (user-data blobs are shown as a line diff instead). */
  readonly redact?: boolean;
  /** Rendered as a unified line diff of the two values (strings, e.g. user-data, policy documents). */
  readonly blob?: boolean;
  /**
   * Also compared (and updated in place) for a shared task, whose other fields are never acted
   * on: kops adds its tags to the user's subnets. Only for `compare: 'tags'` or `'includes'` (additions only).
   */
  readonly updateShared?: boolean;
}

export type FieldRules = Readonly<Record<string, FieldRule>>;

/** A flat comparable view of desired or actual state: field name → value. */
export type View = Readonly<Record<string, unknown>>;

/** `ingress`/`egress`: who may reach what (firewall rules, security groups, SSH keys); `iam`: grants; `exposure`: public reach. */
export type SecurityCategory = 'ingress' | 'egress' | 'iam' | 'exposure';

export type Action = 'create' | 'update' | 'replace' | 'delete' | 'noop';

export interface FieldChange {
  readonly field: string;
  readonly before: unknown;
  /** May be `UNKNOWN`. */
  readonly after: unknown;
  readonly forcesReplacement: boolean;
  readonly security?: SecurityCategory;
  readonly redact?: boolean;
  readonly blob?: boolean;
  /** `after` lists members to add to `before`, whose other members stay (`compare: 'includes'`). */
  readonly additive?: boolean;
}

/** A planned change of one task. Plain data: serialisable (refs and UNKNOWN render as text). */
export interface Change<D = unknown, A = unknown> {
  readonly key: TaskKey;
  readonly kind: string;
  readonly name: string;
  readonly action: Action;
  /** The desired state (with refs), absent for deletes. */
  readonly desired?: D;
  /** The actual state found, absent for creates. */
  readonly actual?: A;
  /** Field changes; for a create, every desired field with `before: undefined`. */
  readonly fields: readonly FieldChange[];
  /** Why, for display only (e.g. "launch template changed"). */
  readonly reason?: string;
  /** Security categories touched by this change (for the banner). */
  readonly security: readonly SecurityCategory[];
}

// ---------------------------------------------------------------------------------------------
// Kinds

export interface ApplyRequest<D, A> {
  readonly action: Exclude<Action, 'noop'>;
  readonly name: string;
  readonly desired: D;
  readonly actual?: A;
  readonly fields: readonly FieldChange[];
  /** Every ref is known at apply time. */
  readonly refs: RefResolver;
  /**
   * The run's cancellation (an interrupt, or the endpoint found down): a kind passes it to its long
   * waits (the SDK's waiters), which otherwise poll on through connection errors until their own
   * limit. Calls already on the wire finish or time out.
   */
  readonly signal?: AbortSignal;
}

/**
 * A task kind. `C` is the provider's context (clients, cluster name, tags), e.g. `AwsTaskContext`.
 * All functions but `find`, `apply` and `delete` are pure.
 */
export interface TaskKind<D, A, C> {
  /** kops's type name, shown in plans: `VPC`, `Subnet`, `SecurityGroupRule`, `LaunchTemplate`. */
  readonly kind: string;
  readonly fields: FieldRules;
  /** At most this many of this kind's applies run at once (the executor also has a global limit). */
  readonly concurrency?: number;
  /** Batched and pure: the actual state of every given task, by task name; absent names do not exist. */
  find(ctx: C, tasks: readonly Task<D>[]): Promise<ReadonlyMap<string, A>>;
  /** The comparable view of the desired state, refs resolved (possibly to UNKNOWN). */
  view(desired: D, refs: RefResolver): View;
  /** The comparable view of an actual state; normalisation (sorting, defaults) belongs here. */
  actualView(actual: A): View;
  /** Make reality match; returns the actual state afterwards. */
  apply(ctx: C, req: ApplyRequest<D, A>): Promise<A>;
  /** The values dependents can reference (`id` at least). */
  outputs(actual: A): Outputs;
  /** Delete a resource this kind found (used for `replace`, orphans and `delete cluster`). */
  delete?(ctx: C, actual: A, opts?: { readonly signal?: AbortSignal }): Promise<void>;
  /**
   * Resources of this kind that the cluster owns but no task describes any more (e.g. the launch
   * template of a deleted instance group). Planned as deletions.
   */
  findOrphans?(ctx: C, tasks: readonly Task<D>[], found: ReadonlyMap<string, A>): Promise<readonly { name: string; actual: A }[]>;
  /**
   * Why a resource `find` found by the task's name is not the cluster's (another cluster's, or
   * made by hand with the same name), as `find` recorded it in the actual state; `undefined` when
   * it is the cluster's. Pure. A plan with such a resource is refused (an error diagnostic, before
   * anything is applied) and `delete cluster` keeps it.
   */
  notOurs?(actual: A): NotOurs | undefined;
}

/** A found resource that belongs to someone else: `code`, what it is and whose, and what to do. */
export interface NotOurs {
  readonly code: string;
  readonly summary: string;
  readonly hint: string;
}

/**
 * A kind with its types erased, as held by the registry. (Members use method syntax, so a
 * `TaskKind<VpcDesired, VpcActual, C>` is assignable here without an `any`.)
 */
export type AnyTaskKind<C> = TaskKind<unknown, unknown, C>;
