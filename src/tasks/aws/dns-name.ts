/**
 * `DNSName`: one Route53 record set (name + type) in the cluster's hosted zone, e.g. `api.<cluster>`
 * type A, either an alias to the API load balancer (its `dnsName` and `hostedZoneId` outputs) or
 * plain addresses (TTL 60, as kops's dns-controller writes them). kops names the task after the
 * record (`api.<cluster>`, `api.<cluster>-AAAA` for the AAAA twin).
 *
 * Written with UPSERT (create and update alike: no failure when the record appeared meanwhile);
 * deleted with the exact record set found, as Route53 requires. Records have no tags: they are
 * matched by (name, type) within the zone, names compared as Route53 does (case-insensitive,
 * trailing dot, `\052` for `*`). Weighted/latency records (with a SetIdentifier) are not ours.
 *
 * find lists each referenced zone once (paged by 300, Route53's maximum); a cluster has one zone.
 * The zone is resolved at find time the way `DNSZone` finds it (shared memo), since refs are not
 * known yet.
 */
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  type Route53Client,
  type RRType,
} from '@aws-sdk/client-route-53';
import { KopsError } from '../../diagnostics.js';
import { isRef, type RefResolver, type TaskKind, type Val, type View } from '../types.js';
import type { AwsTaskContext } from './context.js';
import { hostedZoneCandidates, matchZone, normalizeDnsName, stripZoneIdPrefix, zoneLookupOf } from './dns-zone.js';

export interface DnsAlias {
  /** The target's DNS name: `ref('NetworkLoadBalancer', 'api.<cluster>', 'dnsName')`. */
  readonly dnsName: Val<string>;
  /** The target's hosted zone: `ref('NetworkLoadBalancer', 'api.<cluster>', 'hostedZoneId')`. */
  readonly hostedZoneId: Val<string>;
  /** Default false (kops). */
  readonly evaluateTargetHealth?: boolean;
}

export interface DnsNameDesired {
  /** The zone's id: `ref('DNSZone', '<zone name or id>')`, or a literal hosted-zone id. */
  readonly zone: Val<string>;
  /** The referenced zone is private (kops: `topology.dns: Private`); picks it when a public one has the same name. */
  readonly zonePrivate?: boolean;
  /** The record's name, e.g. `api.example.com` (a trailing dot is optional). */
  readonly name: string;
  readonly type: 'A' | 'AAAA' | 'CNAME' | 'TXT';
  /** Either an alias… */
  readonly alias?: DnsAlias;
  /** …or values (IP addresses for A/AAAA). */
  readonly values?: readonly string[];
  /** Seconds, for values; default 60. */
  readonly ttl?: number;
}

export interface DnsNameActual {
  readonly zoneId: string;
  /** The record set exactly as Route53 returned it (a DELETE must repeat it). */
  readonly record: ResourceRecordSet;
}

export const DEFAULT_TTL = 60;

/** One page of up to `maxItems` (Route53 allows 300) and where the next starts. */
export async function listRecordSets(route53: Route53Client, zoneId: string, maxItems = 300): Promise<ResourceRecordSet[]> {
  const out: ResourceRecordSet[] = [];
  let start: { StartRecordName?: string; StartRecordType?: RRType; StartRecordIdentifier?: string } = {};
  for (;;) {
    const page = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: maxItems, ...start }));
    out.push(...(page.ResourceRecordSets ?? []));
    if (!page.IsTruncated || page.NextRecordName === undefined) return out;
    start = {
      StartRecordName: page.NextRecordName,
      ...(page.NextRecordType ? { StartRecordType: page.NextRecordType } : {}),
      ...(page.NextRecordIdentifier ? { StartRecordIdentifier: page.NextRecordIdentifier } : {}),
    };
  }
}

/** The zone id a task's records live in, as far as find can tell; undefined if the zone does not exist. */
async function zoneIdAtFind(ctx: AwsTaskContext, d: DnsNameDesired): Promise<string | undefined> {
  if (!isRef(d.zone)) return stripZoneIdPrefix(d.zone);
  const lookup = zoneLookupOf({ name: d.zone.name, ...(d.zonePrivate !== undefined ? { private: d.zonePrivate } : {}) });
  const zones = await hostedZoneCandidates(ctx, [lookup]);
  return matchZone(zones, lookup, `DNSName ${d.name}`)?.id;
}

/** A DNS name as the plan shows it: lowercase, no trailing dot. */
function shownName(name: string): string {
  return normalizeDnsName(name).replace(/\.$/, '');
}

function recordSetOf(d: DnsNameDesired, refs: RefResolver): ResourceRecordSet {
  const base = { Name: normalizeDnsName(d.name), Type: d.type };
  if (d.alias) {
    return {
      ...base,
      AliasTarget: { DNSName: refs.known(d.alias.dnsName), HostedZoneId: refs.known(d.alias.hostedZoneId), EvaluateTargetHealth: d.alias.evaluateTargetHealth ?? false },
    };
  }
  if (!d.values || d.values.length === 0) {
    throw new KopsError('InvalidDNSName', `DNSName ${d.name} has neither an alias nor values`, { hint: 'this is a bug in the model builder that made the task' });
  }
  return { ...base, TTL: d.ttl ?? DEFAULT_TTL, ResourceRecords: d.values.map((Value) => ({ Value })) };
}

async function change(ctx: AwsTaskContext, zoneId: string, action: 'UPSERT' | 'DELETE', record: ResourceRecordSet, what: string): Promise<void> {
  await ctx.clients.route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Comment: `kops-ts: ${what}`, Changes: [{ Action: action, ResourceRecordSet: record }] },
    }),
  );
}

async function deleteRecord(ctx: AwsTaskContext, a: DnsNameActual): Promise<void> {
  try {
    await change(ctx, a.zoneId, 'DELETE', a.record, `delete ${a.record.Name ?? ''} ${a.record.Type ?? ''}`);
  } catch (e) {
    // Already gone (or the zone is): Route53 answers InvalidChangeBatch "not found" / NoSuchHostedZone.
    const name = (e as { name?: unknown }).name;
    const message = String((e as { message?: unknown }).message ?? '');
    if (name === 'NoSuchHostedZone' || (name === 'InvalidChangeBatch' && /not found/i.test(message))) return;
    throw e;
  }
}

/** Alias targets compare without case or trailing dot (Route53 returns `name.` in lowercase). */
function aliasName(v: string): string {
  return v.toLowerCase().replace(/\.$/, '');
}

export const dnsNameKind: TaskKind<DnsNameDesired, DnsNameActual, AwsTaskContext> = {
  kind: 'DNSName',
  fields: {
    zone: { mode: 'replace' },
    values: { compare: 'set' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, DnsNameActual>();
    if (tasks.length === 0) return found;
    const zoneOf = await Promise.all(tasks.map((t) => zoneIdAtFind(ctx, t.desired)));
    const zoneIds = [...new Set(zoneOf.filter((z): z is string => z !== undefined))];
    const records = new Map(await Promise.all(zoneIds.map(async (z) => [z, await listRecordSets(ctx.clients.route53, z)] as const)));
    tasks.forEach((t, i) => {
      const zoneId = zoneOf[i];
      if (zoneId === undefined) return;
      const name = normalizeDnsName(t.desired.name);
      const hit = records.get(zoneId)?.find((r) => r.Type === t.desired.type && r.SetIdentifier === undefined && normalizeDnsName(r.Name ?? '') === name);
      if (hit) found.set(t.name, { zoneId, record: hit });
    });
    return found;
  },

  view(d, refs): View {
    const alias = d.alias;
    const dnsName = alias ? refs.resolve(alias.dnsName) : undefined;
    const zone = refs.resolve(d.zone);
    return {
      zone: typeof zone === 'string' ? stripZoneIdPrefix(zone) : zone,
      name: shownName(d.name),
      type: d.type,
      aliasDnsName: alias ? (typeof dnsName === 'string' ? aliasName(dnsName) : dnsName) : null,
      aliasHostedZoneId: alias ? refs.resolve(alias.hostedZoneId) : null,
      aliasEvaluateTargetHealth: alias ? (alias.evaluateTargetHealth ?? false) : null,
      values: alias ? null : [...(d.values ?? [])].sort(),
      ttl: alias ? null : (d.ttl ?? DEFAULT_TTL),
    };
  },

  actualView(a): View {
    const r = a.record;
    const alias = r.AliasTarget;
    return {
      zone: a.zoneId,
      name: shownName(r.Name ?? ''),
      type: r.Type,
      aliasDnsName: alias ? aliasName(alias.DNSName ?? '') : null,
      aliasHostedZoneId: alias ? (alias.HostedZoneId ?? '') : null,
      aliasEvaluateTargetHealth: alias ? (alias.EvaluateTargetHealth ?? false) : null,
      values: alias ? null : (r.ResourceRecords ?? []).map((v) => v.Value ?? '').sort(),
      ttl: alias ? null : (r.TTL ?? null),
    };
  },

  async apply(ctx, req) {
    const { desired: d, refs } = req;
    if ((req.action === 'replace' || req.action === 'delete') && req.actual) {
      await deleteRecord(ctx, req.actual);
      if (req.action === 'delete') return req.actual;
    }
    const zoneId = stripZoneIdPrefix(refs.known(d.zone));
    const record = recordSetOf(d, refs);
    await change(ctx, zoneId, 'UPSERT', record, `${req.action} ${record.Name ?? ''} ${record.Type ?? ''}`);
    return { zoneId, record };
  },

  outputs: (a) => ({ id: `${a.zoneId}/${a.record.Name ?? ''}/${a.record.Type ?? ''}`, name: shownName(a.record.Name ?? ''), zoneId: a.zoneId }),

  delete: deleteRecord,
};
