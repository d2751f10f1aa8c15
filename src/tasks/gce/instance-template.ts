/**
 * `InstanceTemplate`: immutable in GCE. Its full name is `<namePrefix>-<hash>`, the hash (8 hex)
 * of every desired property (refs by their identity, as find cannot resolve them), so a change to
 * any property is a different template: planned as a create, its `selfLink` is unknown until
 * applied, the group's `InstanceGroupManager` switches to it (setInstanceTemplate), and the old
 * template, no task's any more, is deleted as an orphan after every write of the run (the engine
 * orders orphan deletions after all writes, so the group has moved off it by then).
 *
 * Properties as kops sets them: machine type, boot disk (image, size, type), the subnetwork with
 * an ephemeral external IP in public topology, network tags for the firewall rules, labels
 * (cluster, role, instance group), metadata with the bootstrap script, the service account and
 * scopes, scheduling (preemptible, or Spot: kops's `buildScheduling`), Shielded VM.
 *
 * Found by the cluster label (`properties.labels`) with one list shared by find and findOrphans.
 * Compute methods: instanceTemplates.list (filter by cluster label), insert, get, delete.
 */
import { createHash } from 'node:crypto';
import type { protos } from '@google-cloud/compute';
import { isGceAlreadyExists } from '../../cloud/gce/errors.js';
import { KopsError } from '../../diagnostics.js';
import type { NotOurs, RefResolver, TaskKind } from '../types.js';
import { done, drain, ignoreGone, labelsOf, lastSegment, LIST_OPTS, nameFilter, num, relLink, valIdentity } from './common.js';
import { clusterTemplates, type ApiTemplate } from './cluster-templates.js';
import { labelOwner, notOursRefusal } from './owned-names.js';
import { gceClusterLabel, type GceTaskContext } from './context.js';
import { GCE_LABEL_CLUSTER, type GceInstanceTemplateDesired, type GceTemplateDisk, type Labels } from './types.js';

export interface GceInstanceTemplateActual {
  readonly id: string;
  /** The full name, `<prefix>-<hash>`. */
  readonly name: string;
  readonly selfLink: string;
  readonly machineType: string;
  readonly subnetwork: string;
  readonly network: string;
  readonly externalIp: boolean;
  readonly canIpForward: boolean;
  readonly disks: readonly GceTemplateDisk[];
  readonly tags: readonly string[];
  readonly labels: Labels;
  readonly metadata: Readonly<Record<string, string>>;
  readonly serviceAccount: { readonly email: string; readonly scopes: readonly string[] };
  readonly preemptible: boolean;
  /** `SPOT` for a Spot template; absent for a standard one (GCE answers `STANDARD`, or nothing). */
  readonly provisioningModel?: 'SPOT';
  readonly shieldedVm?: { readonly secureBoot: boolean; readonly vtpm: boolean; readonly integrityMonitoring: boolean };
  /** Set by `find` for a template with the task's full name that lacks the cluster label (never adopted). */
  readonly notOurs?: NotOurs;
}

const MAX_NAME = 63;

/** The template's full name for a desired state: `<prefix>-<8 hex of the properties>`. */
export function templateName(d: GceInstanceTemplateDesired): string {
  const canonical = JSON.stringify({
    ...d,
    subnetwork: valIdentity(d.subnetwork),
    network: valIdentity(d.network),
    tags: [...d.tags].sort(),
    labels: sortKeys(d.labels),
    metadata: sortKeys(d.metadata),
    serviceAccount: { email: d.serviceAccount.email, scopes: [...d.serviceAccount.scopes].sort() },
    namePrefix: undefined,
  });
  const hash = createHash('sha256').update(canonical).digest('hex').slice(0, 8);
  const prefix = d.namePrefix.slice(0, MAX_NAME - hash.length - 1).replace(/-+$/, '');
  return `${prefix}-${hash}`;
}

function sortKeys(m: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The bootstrap keys shown as line diffs. */
const BLOB_KEYS = ['user-data', 'startup-script'];

function metadataView(m: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const rest: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    if (BLOB_KEYS.includes(k)) out[`metadata.${k}`] = v;
    else rest[k] = v;
  }
  out.metadata = sortKeys(rest);
  return out;
}

function toActual(t: ApiTemplate): GceInstanceTemplateActual {
  const p = t.properties ?? {};
  const nic = p.networkInterfaces?.[0] ?? {};
  const sa = p.serviceAccounts?.[0];
  const metadata: Record<string, string> = {};
  for (const i of p.metadata?.items ?? []) if (i.key) metadata[i.key] = i.value ?? '';
  const sh = p.shieldedInstanceConfig;
  return {
    id: String(t.id ?? ''),
    name: t.name ?? '',
    selfLink: t.selfLink ?? '',
    machineType: lastSegment(p.machineType),
    subnetwork: relLink(nic.subnetwork),
    network: relLink(nic.network),
    externalIp: (nic.accessConfigs ?? []).length > 0,
    canIpForward: p.canIpForward ?? false,
    disks: (p.disks ?? []).map((d) => ({
      boot: d.boot ?? false,
      sizeGb: num(d.initializeParams?.diskSizeGb),
      type: lastSegment(d.initializeParams?.diskType),
      ...(d.initializeParams?.sourceImage ? { sourceImage: d.initializeParams.sourceImage } : {}),
    })),
    tags: [...(p.tags?.items ?? [])].sort(),
    labels: labelsOf(p.labels),
    metadata,
    serviceAccount: { email: sa?.email ?? '', scopes: [...(sa?.scopes ?? [])].sort() },
    preemptible: p.scheduling?.preemptible ?? false,
    ...(p.scheduling?.provisioningModel === 'SPOT' ? { provisioningModel: 'SPOT' as const } : {}),
    ...(sh ? { shieldedVm: { secureBoot: sh.enableSecureBoot ?? false, vtpm: sh.enableVtpm ?? false, integrityMonitoring: sh.enableIntegrityMonitoring ?? false } } : {}),
  };
}

function properties(d: GceInstanceTemplateDesired, refs: RefResolver): protos.google.cloud.compute.v1.IInstanceProperties {
  const spot = d.provisioningModel === 'SPOT';
  const preemptible = spot || (d.preemptible ?? false);
  return {
    machineType: d.machineType,
    canIpForward: d.canIpForward,
    tags: { items: [...d.tags].sort() },
    labels: { ...d.labels },
    metadata: { items: Object.entries(sortKeys(d.metadata)).map(([key, value]) => ({ key, value })) },
    disks: d.disks.map((disk) => ({
      boot: disk.boot,
      autoDelete: true,
      type: 'PERSISTENT',
      mode: 'READ_WRITE',
      initializeParams: { diskSizeGb: String(disk.sizeGb), diskType: disk.type, ...(disk.sourceImage ? { sourceImage: disk.sourceImage } : {}) },
    })),
    networkInterfaces: [
      {
        network: refs.known(d.network),
        subnetwork: refs.known(d.subnetwork),
        accessConfigs: d.externalIp ? [{ name: 'external-nat', type: 'ONE_TO_ONE_NAT' }] : [],
      },
    ],
    serviceAccounts: [{ email: d.serviceAccount.email, scopes: [...d.serviceAccount.scopes].sort() }],
    scheduling: { preemptible, automaticRestart: !preemptible, onHostMaintenance: preemptible ? 'TERMINATE' : 'MIGRATE', ...(spot ? { provisioningModel: 'SPOT' } : {}) },
    ...(d.shieldedVm
      ? { shieldedInstanceConfig: { enableSecureBoot: d.shieldedVm.secureBoot, enableVtpm: d.shieldedVm.vtpm, enableIntegrityMonitoring: d.shieldedVm.integrityMonitoring } }
      : {}),
  };
}

const linkView = (v: string | { toString(): string }): unknown => (typeof v === 'string' ? relLink(v) : v);

export const instanceTemplateKind: TaskKind<GceInstanceTemplateDesired, GceInstanceTemplateActual, GceTaskContext> = {
  kind: 'InstanceTemplate',
  fields: {
    network: { mode: 'replace' },
    subnetwork: { mode: 'replace' },
    tags: { compare: 'set' },
    'metadata.user-data': { blob: true },
    'metadata.startup-script': { blob: true },
    serviceAccount: { security: 'iam' },
    externalIp: { security: 'exposure' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, GceInstanceTemplateActual>();
    if (tasks.length === 0) return found;
    const list = await clusterTemplates(ctx);
    for (const t of tasks) {
      const full = templateName(t.desired);
      const x = list.find((i) => i.name === full);
      if (x) found.set(t.name, toActual(x));
    }
    // A template with the full name but not the label is another cluster's or the user's: found,
    // to be refused (an insert would answer alreadyExists, which is otherwise taken as done).
    const missing = tasks.filter((t) => !found.has(t.name));
    if (missing.length === 0) return found;
    const named = await drain(ctx.clients.instanceTemplates.listAsync({ project: ctx.project, filter: nameFilter(missing.map((t) => templateName(t.desired))) }, LIST_OPTS));
    for (const t of missing) {
      const x = named.find((i) => i.name === templateName(t.desired));
      if (!x) continue;
      const a = toActual(x);
      const todo = `delete that template if it is stale (gcloud compute instance-templates delete ${a.name}), or rename the instance group or the cluster, then re-run`;
      found.set(t.name, { ...a, notOurs: notOursRefusal(ctx, `InstanceTemplate ${a.name} (id ${a.id})`, `it is labelled for ${labelOwner(a.labels)}`, todo) });
    }
    return found;
  },

  notOurs: (a) => a.notOurs,

  view: (d, refs) => ({
    machineType: d.machineType,
    network: linkView(refs.resolve(d.network)),
    subnetwork: linkView(refs.resolve(d.subnetwork)),
    externalIp: d.externalIp,
    canIpForward: d.canIpForward,
    disks: d.disks.map((x) => ({ boot: x.boot, sizeGb: x.sizeGb, type: x.type, ...(x.sourceImage ? { sourceImage: x.sourceImage } : {}) })),
    tags: [...d.tags].sort(),
    labels: sortKeys(d.labels),
    ...metadataView(d.metadata),
    serviceAccount: { email: d.serviceAccount.email, scopes: [...d.serviceAccount.scopes].sort() },
    preemptible: d.preemptible ?? false,
    ...(d.provisioningModel ? { provisioningModel: d.provisioningModel } : {}),
    shieldedVm: d.shieldedVm,
  }),
  actualView: (a) => ({
    machineType: a.machineType,
    network: a.network,
    subnetwork: a.subnetwork,
    externalIp: a.externalIp,
    canIpForward: a.canIpForward,
    disks: a.disks,
    tags: a.tags,
    labels: sortKeys(a.labels),
    ...metadataView(a.metadata),
    serviceAccount: a.serviceAccount,
    preemptible: a.preemptible,
    ...(a.provisioningModel ? { provisioningModel: a.provisioningModel } : {}),
    shieldedVm: a.shieldedVm,
  }),

  async apply(ctx, req) {
    // Immutable: every apply is an insert of the full (content-hashed) name.
    const name = templateName(req.desired);
    if (req.desired.labels[GCE_LABEL_CLUSTER] !== gceClusterLabel(ctx.clusterName)) {
      throw new KopsError('GceTemplateUnlabelled', `InstanceTemplate ${req.name}: labels must include ${GCE_LABEL_CLUSTER}=${gceClusterLabel(ctx.clusterName)}`, {
        hint: 'the kind finds the cluster\'s templates by that label (src/model/gce builds it); without it every update would create the template again',
      });
    }
    try {
      await done(ctx, ctx.clients.instanceTemplates.insert({ project: ctx.project, instanceTemplateResource: { name, properties: properties(req.desired, req.refs) } }), req.signal);
    } catch (e) {
      // The name is a hash of the properties: a template of that name is this template (a run
      // that stopped after its insert, before recording it).
      if (!isGceAlreadyExists(e)) throw e;
    }
    const [t] = await ctx.clients.instanceTemplates.get({ project: ctx.project, instanceTemplate: name });
    return toActual(t);
  },

  outputs: (a) => ({ id: a.id, name: a.name, selfLink: a.selfLink }),

  async delete(ctx, a, opts) {
    await ignoreGone(() => done(ctx, ctx.clients.instanceTemplates.delete({ project: ctx.project, instanceTemplate: a.name }), opts?.signal));
  },

  async findOrphans(ctx, tasks) {
    const described = new Set(tasks.map((t) => templateName(t.desired)));
    return (await clusterTemplates(ctx)).filter((t) => t.name && !described.has(t.name)).map((t) => ({ name: t.name ?? '', actual: toActual(t) }));
  },
};
