/**
 * In-memory task kinds over a fake cloud (a Map), for engine tests without any emulator: `Network`,
 * `Subnet` (refs a network), `Rule` (ingress CIDRs: security-sensitive) and `Server` (refs a subnet
 * and rules; a user-data blob and a redacted secret).
 *
 * The fake cloud behaves like a small, strict provider: ids are allocated on create, every
 * resource carries an ownership tag, deleting a network that a subnet still uses fails with
 * `DependencyViolation`, and a hook can fail, delay or observe any call.
 */
import { TaskRegistry } from '../../src/tasks/registry.js';
import { isUnknown, ref, taskKey, type FieldRules, type RefResolver, type Task, type TaskKind, type Val, type View } from '../../src/tasks/types.js';

export interface FakeActual {
  readonly id: string;
  readonly name: string;
  readonly props: View;
  readonly tags: Readonly<Record<string, string>>;
}

export type FakeOp = 'find' | 'create' | 'update' | 'replace' | 'delete';

export class FakeCloud {
  readonly resources = new Map<string, FakeActual & { kind: string }>();
  /** Every call, e.g. `create Subnet/a`, in order. */
  readonly calls: string[] = [];
  /** Runs before every call; throw to fail it, await to delay it. */
  hook: (op: FakeOp, key: string) => void | Promise<void> = () => {};
  private next = 0;

  constructor(readonly cluster = 'test.example.com') {}

  nextId(kind: string): string {
    return `${kind.toLowerCase()}-${String(++this.next).padStart(4, '0')}`;
  }

  of(kind: string): (FakeActual & { kind: string })[] {
    return [...this.resources.values()].filter((r) => r.kind === kind);
  }

  byName(kind: string, name: string): FakeActual | undefined {
    return this.of(kind).find((r) => r.name === name);
  }
}

export interface FakeCtx {
  readonly cloud: FakeCloud;
}

/** An error shaped like an SDK service error (`name` is the code). */
export function serviceError(code: string, message = code): Error {
  const e = new Error(message);
  e.name = code;
  return e;
}

function knownRefs(refs: RefResolver): RefResolver {
  return { resolve: (v) => refs.known(v), known: (v) => refs.known(v) };
}

interface FakeKindSpec<D> {
  readonly kind: string;
  readonly fields: FieldRules;
  readonly view: (d: D, refs: RefResolver) => View;
  readonly concurrency?: number;
  /** Whether the kind deletes resources of the cluster that no task describes. */
  readonly orphans?: boolean;
  /** Called before deleting; throw to refuse (e.g. still in use). */
  readonly beforeDelete?: (cloud: FakeCloud, a: FakeActual) => void;
}

export function fakeKind<D>(spec: FakeKindSpec<D>): TaskKind<D, FakeActual, FakeCtx> {
  const call = async (ctx: FakeCtx, op: FakeOp, name: string) => {
    const key = taskKey(spec.kind, name);
    ctx.cloud.calls.push(`${op} ${key}`);
    await ctx.cloud.hook(op, key);
  };
  const kind: TaskKind<D, FakeActual, FakeCtx> = {
    kind: spec.kind,
    fields: spec.fields,
    ...(spec.concurrency === undefined ? {} : { concurrency: spec.concurrency }),
    async find(ctx, tasks) {
      await call(ctx, 'find', '*');
      const names = new Set(tasks.map((t) => t.name));
      return new Map(ctx.cloud.of(spec.kind).filter((r) => names.has(r.name)).map((r) => [r.name, strip(r)]));
    },
    view: spec.view,
    actualView: (a) => ({ ...a.props, tags: a.tags }),
    async apply(ctx, req) {
      await call(ctx, req.action, req.name);
      const props = spec.view(req.desired, knownRefs(req.refs));
      for (const [k, v] of Object.entries(props)) if (isUnknown(v)) throw new Error(`${k} is unknown at apply time`);
      const tags = { ...((props.tags as Record<string, string> | undefined) ?? {}), owner: ctx.cloud.cluster };
      const { tags: _t, ...rest } = props;
      const id = req.action === 'update' && req.actual ? req.actual.id : ctx.cloud.nextId(spec.kind);
      const actual: FakeActual = { id, name: req.name, props: rest, tags };
      ctx.cloud.resources.set(id, { ...actual, kind: spec.kind });
      return actual;
    },
    outputs: (a) => ({ id: a.id, name: a.name }),
    async delete(ctx, a) {
      await call(ctx, 'delete', a.name);
      if (!ctx.cloud.resources.has(a.id)) throw serviceError('NotFound', `${a.id} does not exist`);
      spec.beforeDelete?.(ctx.cloud, a);
      ctx.cloud.resources.delete(a.id);
    },
  };
  if (!spec.orphans) return kind;
  return {
    ...kind,
    async findOrphans(ctx, tasks) {
      const names = new Set(tasks.map((t) => t.name));
      return ctx.cloud
        .of(spec.kind)
        .filter((r) => r.tags.owner === ctx.cloud.cluster && !names.has(r.name))
        .map((r) => ({ name: r.name, actual: strip(r) }));
    },
  };
}

function strip(r: FakeActual & { kind: string }): FakeActual {
  const { kind: _k, ...a } = r;
  return a;
}

export interface NetworkDesired {
  readonly cidr: string;
  readonly tags?: Readonly<Record<string, string>>;
}
export interface SubnetDesired {
  readonly network: Val;
  readonly cidr: string;
  readonly public?: boolean;
}
export interface RuleDesired {
  readonly network: Val;
  readonly port: number;
  readonly cidrs: readonly string[];
}
export interface ServerDesired {
  readonly subnet: Val;
  readonly rules: readonly Val[];
  readonly userData: string;
  readonly secret?: string;
}

export const networkKind = fakeKind<NetworkDesired>({
  kind: 'Network',
  fields: { cidr: { mode: 'replace' }, tags: { compare: 'tags' } },
  view: (d) => ({ cidr: d.cidr, tags: d.tags }),
  orphans: true,
  beforeDelete(cloud, a) {
    const users = cloud.of('Subnet').filter((s) => s.props.network === a.id);
    if (users.length > 0) throw serviceError('DependencyViolation', `network ${a.id} has dependent subnets`);
  },
});

export const subnetKind = fakeKind<SubnetDesired>({
  kind: 'Subnet',
  fields: { network: { mode: 'replace' }, cidr: { mode: 'replace' } },
  view: (d, refs) => ({ network: refs.resolve(d.network), cidr: d.cidr, public: d.public }),
  concurrency: 2,
  orphans: true,
});

export const ruleKind = fakeKind<RuleDesired>({
  kind: 'Rule',
  fields: { network: { mode: 'replace' }, port: { mode: 'replace' }, cidrs: { compare: 'set', security: 'ingress' } },
  view: (d, refs) => ({ network: refs.resolve(d.network), port: d.port, cidrs: d.cidrs }),
});

export const serverKind = fakeKind<ServerDesired>({
  kind: 'Server',
  fields: { subnet: { mode: 'replace' }, rules: { compare: 'set' }, userData: { blob: true }, secret: { redact: true } },
  view: (d, refs) => ({ subnet: refs.resolve(d.subnet), rules: d.rules.map((r) => refs.resolve(r)), userData: d.userData, secret: d.secret }),
});

export function fakeRegistry(): TaskRegistry<FakeCtx> {
  return new TaskRegistry<FakeCtx>().register(networkKind).register(subnetKind).register(ruleKind).register(serverKind);
}

export const network = (name: string, cidr = '10.0.0.0/16', extra: Partial<Task<NetworkDesired>> = {}): Task<NetworkDesired> => ({ kind: 'Network', name, desired: { cidr }, ...extra });
export const subnet = (name: string, net: string, cidr: string, extra: Partial<SubnetDesired> = {}): Task<SubnetDesired> => ({
  kind: 'Subnet',
  name,
  desired: { network: ref('Network', net), cidr, ...extra },
});
export const rule = (name: string, net: string, port: number, cidrs: string[]): Task<RuleDesired> => ({ kind: 'Rule', name, desired: { network: ref('Network', net), port, cidrs } });
export const server = (name: string, sub: string, rules: string[], userData: string, secret?: string): Task<ServerDesired> => ({
  kind: 'Server',
  name,
  desired: { subnet: ref('Subnet', sub), rules: rules.map((r) => ref('Rule', r)), userData, ...(secret === undefined ? {} : { secret }) },
});

/** A small cluster: one network, two subnets, an SSH rule, a server. */
export function smallCluster(): Task[] {
  return [
    network('main'),
    subnet('a', 'main', '10.0.1.0/24'),
    subnet('b', 'main', '10.0.2.0/24', { public: true }),
    rule('ssh', 'main', 22, ['0.0.0.0/0']),
    server('web', 'a', ['ssh'], '#!/bin/sh\necho hello\n', 's3cr3t'),
  ];
}
