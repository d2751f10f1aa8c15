/**
 * What the network kinds (VPC, Subnet, RouteTable, Route, ...) share: the cluster's VPC, subnet
 * and route-table listings (one paged, tag-filtered describe per run, shared through `ctx.once`
 * because several kinds read the same listing), matching resources to tasks by their `Name` tag,
 * error-code checks for "already gone", and the guard that keeps shared resources untouched.
 */
import {
  CreateTagsCommand,
  paginateDescribeRouteTables,
  paginateDescribeSubnets,
  paginateDescribeVpcs,
  type RouteTable,
  type Subnet,
  type Vpc,
} from '@aws-sdk/client-ec2';
import { KopsError } from '../../diagnostics.js';
import { isRef, type Task, type Val } from '../types.js';
import { clusterFilters, fromAwsTags, tagsToSet, toAwsTags, type AwsTaskContext, type Tags } from './context.js';

// ---------------------------------------------------------------------------------------------
// Errors

/** The AWS error code of an SDK error (`InvalidVpcID.NotFound`, `DependencyViolation`, ...). */
export function awsErrorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const { Code, name } = e as { Code?: unknown; name?: unknown };
  if (typeof Code === 'string') return Code;
  return typeof name === 'string' ? name : undefined;
}

/** Runs a delete-like call; an error with one of `goneCodes` means "already gone", which is success. */
export async function ignoreGone(call: () => Promise<unknown>, goneCodes: readonly string[]): Promise<void> {
  try {
    await call();
  } catch (e) {
    const code = awsErrorCode(e);
    if (code === undefined || !goneCodes.includes(code)) throw e;
  }
}

/**
 * A shared resource (the user's, given by id) is never created, changed or deleted. Reaching
 * `apply` for one means it was not found (the planner should already have said so).
 */
export function sharedNotFound(kind: string, name: string, id: string | undefined): KopsError {
  return new KopsError('SharedResourceNotFound', `${kind} "${id ?? name}" (task ${kind}/${name}) is the user's and was not found in this account and region`, {
    hint: 'check the id given in the cluster spec (networkID, subnets[].id, egress) and the cluster\'s region',
  });
}

/** A shared task that does not say how to find the user's resource: a model-builder bug. */
export function sharedWithoutId(kind: string, name: string, what: string): KopsError {
  return new KopsError('SharedResourceWithoutId', `task ${kind}/${name} is shared (the user's) but does not say which resource it is`, {
    hint: `${what}; this is a bug in the model builder`,
  });
}

export function sharedReadOnly(kind: string, id: string): KopsError {
  return new KopsError('SharedResourceReadOnly', `${kind} ${id} is shared (the user's): kops-ts never modifies or deletes it`, {
    hint: 'change the shared resource yourself, or stop sharing it in the cluster spec',
  });
}

// ---------------------------------------------------------------------------------------------
// Refs as lookup keys

/**
 * `find` has no refs resolved, so another task's resource is located through what the ref says:
 * a literal is the resource's id (the user's, or known); a ref names the task that makes it, and
 * owned resources carry `Name` = task name.
 */
export type Lookup = { readonly id: string; readonly name?: undefined } | { readonly name: string; readonly id?: undefined };

export function lookupOf(v: Val<string>): Lookup {
  return isRef(v) ? { name: v.name } : { id: v };
}

/**
 * Owned resources by `Name` tag. Two with the same name are a broken state (an interrupted create
 * elsewhere, or a hand-made copy): refuse rather than manage an arbitrary one.
 */
export function indexByName<T>(kind: string, items: readonly T[], idOf: (t: T) => string, tagsOf: (t: T) => Tags): Map<string, T> {
  const out = new Map<string, T>();
  for (const item of items) {
    const name = tagsOf(item).Name;
    if (name === undefined) continue;
    const seen = out.get(name);
    if (seen !== undefined) {
      throw new KopsError('DuplicateResources', `found more than one ${kind} tagged Name=${name}: ${idOf(seen)} and ${idOf(item)}`, {
        hint: `delete the ${kind} that is not in use (both carry the cluster's tags), then run update again`,
      });
    }
    out.set(name, item);
  }
  return out;
}

/**
 * Splits a kind's tasks into owned ones (found by Name tag) and shared ones (found by `id`). A
 * shared task without an id is a model-builder bug; refusing it here keeps `apply` from ever
 * creating a resource that should have been the user's.
 */
export function partitionShared<D extends { readonly id?: string | undefined }>(kind: string, tasks: readonly Task<D>[]): { owned: Task<D>[]; sharedIds: string[] } {
  const missing = tasks.find((t) => t.shared && t.desired.id === undefined);
  if (missing) throw sharedWithoutId(kind, missing.name, 'give the resource\'s id (networkID, subnets[].id, egress) in desired.id');
  const owned = tasks.filter((t) => !t.shared);
  const sharedIds = [...new Set(tasks.flatMap((t) => (t.shared && t.desired.id !== undefined ? [t.desired.id] : [])))];
  return { owned, sharedIds };
}

// ---------------------------------------------------------------------------------------------
// Shared listings (one call per run, whichever kind asks first)

async function collect<P, T>(pages: AsyncIterable<P>, pick: (p: P) => readonly T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(pick(page) ?? []));
  return out;
}

export function clusterVpcs(ctx: AwsTaskContext): Promise<Vpc[]> {
  return ctx.once('ec2:DescribeVpcs:cluster', () =>
    collect(paginateDescribeVpcs({ client: ctx.clients.ec2 }, { Filters: clusterFilters(ctx.clusterName) }), (p) => p.Vpcs),
  );
}

/** VPCs by id (the user's); missing ids are simply absent (a filter, not `VpcIds`, which throws). */
export async function vpcsById(ctx: AwsTaskContext, ids: readonly string[]): Promise<Vpc[]> {
  if (ids.length === 0) return [];
  return collect(paginateDescribeVpcs({ client: ctx.clients.ec2 }, { Filters: [{ Name: 'vpc-id', Values: [...ids] }] }), (p) => p.Vpcs);
}

export function clusterSubnets(ctx: AwsTaskContext): Promise<Subnet[]> {
  return ctx.once('ec2:DescribeSubnets:cluster', () =>
    collect(paginateDescribeSubnets({ client: ctx.clients.ec2 }, { Filters: clusterFilters(ctx.clusterName) }), (p) => p.Subnets),
  );
}

export async function subnetsById(ctx: AwsTaskContext, ids: readonly string[]): Promise<Subnet[]> {
  if (ids.length === 0) return [];
  return collect(paginateDescribeSubnets({ client: ctx.clients.ec2 }, { Filters: [{ Name: 'subnet-id', Values: [...ids] }] }), (p) => p.Subnets);
}

/** The cluster's route tables with their routes and associations (RouteTable, Route, RouteTableAssociation). */
export function clusterRouteTables(ctx: AwsTaskContext): Promise<RouteTable[]> {
  return ctx.once('ec2:DescribeRouteTables:cluster', () =>
    collect(paginateDescribeRouteTables({ client: ctx.clients.ec2 }, { Filters: clusterFilters(ctx.clusterName) }), (p) => p.RouteTables),
  );
}

export async function routeTablesBy(ctx: AwsTaskContext, filter: 'route-table-id' | 'association.subnet-id', values: readonly string[]): Promise<RouteTable[]> {
  if (values.length === 0) return [];
  return collect(paginateDescribeRouteTables({ client: ctx.clients.ec2 }, { Filters: [{ Name: filter, Values: [...values] }] }), (p) => p.RouteTables);
}

/** The id of the resource a `Val` points at, from a listing indexed by Name tag; undefined if not there. */
export function idFromListing<T>(v: Val<string>, byName: ReadonlyMap<string, T>, idOf: (t: T) => string): string | undefined {
  const l = lookupOf(v);
  if (l.id !== undefined) return l.id;
  const hit = byName.get(l.name);
  return hit === undefined ? undefined : idOf(hit);
}

export function tagsOf(x: { Tags?: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined }): Record<string, string> {
  return fromAwsTags(x.Tags);
}

// ---------------------------------------------------------------------------------------------
// Tags

/**
 * Adds or changes the tags of `want` that `have` lacks (extra tags are left alone: AWS's and the
 * user's). Returns the tags the resource has afterwards.
 */
export async function ensureTags(ctx: AwsTaskContext, resourceId: string, have: Tags, want: Tags | undefined): Promise<Tags> {
  if (want === undefined) return have;
  const set = tagsToSet(have, want);
  if (Object.keys(set).length > 0) {
    await ctx.clients.ec2.send(new CreateTagsCommand({ Resources: [resourceId], Tags: toAwsTags(set) }));
  }
  return { ...have, ...set };
}
