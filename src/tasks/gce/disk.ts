/**
 * `Disk`: a zonal persistent disk (an etcd member's data volume), labelled with the cluster and
 * the etcd cluster/member as kops labels them. The type forces replacement; the size grows in
 * place (`disks.resize`; GCE never shrinks a disk, so a smaller size is refused with a clear error
 * instead of a replacement that would lose the member's data); labels are set with their
 * fingerprint, keeping labels kops-ts does not manage. Found by the cluster label, one list per
 * zone; orphans (disks of the cluster no task describes) with one aggregated list.
 *
 * Compute methods: disks.list (filter by cluster label), aggregatedList, insert, get, resize,
 * setLabels, delete.
 */
import { KopsError } from '../../diagnostics.js';
import type { NotOurs, TaskKind } from '../types.js';
import { clusterLabelFilter, done, drain, groupBy, ignoreGone, labelsOf, lastSegment, LIST_OPTS, nameFilter, num } from './common.js';
import { labelOwner, notOursRefusal } from './owned-names.js';
import { gceClusterLabel, type GceTaskContext } from './context.js';
import { GCE_LABEL_CLUSTER, type GceDiskDesired, type Labels } from './types.js';

export interface GceDiskActual {
  readonly id: string;
  readonly name: string;
  readonly selfLink: string;
  readonly zone: string;
  readonly sizeGb: number;
  /** The short type: `pd-ssd`. */
  readonly type: string;
  readonly labels: Labels;
  readonly labelFingerprint: string;
  /** Set by `find` for a disk with the task's name that lacks the cluster label (never adopted). */
  readonly notOurs?: NotOurs;
}

interface ApiDisk {
  id?: unknown;
  name?: string | null;
  selfLink?: string | null;
  zone?: string | null;
  sizeGb?: string | number | null | { toString(): string };
  type?: string | null;
  labels?: Record<string, string> | null;
  labelFingerprint?: string | null;
}

function toActual(d: ApiDisk): GceDiskActual {
  return {
    id: String(d.id ?? ''),
    name: d.name ?? '',
    selfLink: d.selfLink ?? '',
    zone: lastSegment(d.zone),
    sizeGb: num(d.sizeGb),
    type: lastSegment(d.type),
    labels: labelsOf(d.labels),
    labelFingerprint: d.labelFingerprint ?? '',
  };
}

async function get(ctx: GceTaskContext, zone: string, name: string): Promise<GceDiskActual> {
  const [d] = await ctx.clients.disks.get({ project: ctx.project, zone, disk: name });
  return toActual(d);
}

export const diskKind: TaskKind<GceDiskDesired, GceDiskActual, GceTaskContext> = {
  kind: 'Disk',
  fields: { type: { mode: 'replace' }, labels: { compare: 'tags' } },

  async find(ctx, tasks) {
    const found = new Map<string, GceDiskActual>();
    await Promise.all(
      [...groupBy(tasks, (t) => t.desired.zone)].map(async ([zone, ts]) => {
        const list = await drain(ctx.clients.disks.listAsync({ project: ctx.project, zone, filter: clusterLabelFilter(ctx) }, LIST_OPTS));
        for (const t of ts) {
          const d = list.find((x) => x.name === t.desired.name);
          if (d) found.set(t.name, toActual(d));
        }
        // A disk with the name but not the label is another cluster's or the user's: found, to be refused.
        const missing = ts.filter((t) => !found.has(t.name));
        if (missing.length === 0) return;
        const named = await drain(ctx.clients.disks.listAsync({ project: ctx.project, zone, filter: nameFilter(missing.map((t) => t.desired.name)) }, LIST_OPTS));
        for (const t of missing) {
          const d = named.find((x) => x.name === t.desired.name);
          if (!d) continue;
          const a = toActual(d);
          const todo = `if the disk is stale (its data no longer needed), delete it (gcloud compute disks delete ${a.name} --zone ${a.zone}); otherwise rename the cluster or the etcd member, then re-run`;
          found.set(t.name, { ...a, notOurs: notOursRefusal(ctx, `Disk ${a.zone}/${a.name} (id ${a.id})`, `it is labelled for ${labelOwner(a.labels)}`, todo) });
        }
      }),
    );
    return found;
  },

  notOurs: (a) => a.notOurs,

  view: (d) => ({ sizeGb: d.sizeGb, type: d.type, labels: d.labels }),
  actualView: (a) => ({ sizeGb: a.sizeGb, type: a.type, labels: a.labels }),

  async apply(ctx, req) {
    const d = req.desired;
    const a = req.actual;
    if (d.labels[GCE_LABEL_CLUSTER] !== gceClusterLabel(ctx.clusterName)) {
      throw new KopsError('GceDiskUnlabelled', `Disk ${req.name}: labels must include ${GCE_LABEL_CLUSTER}=${gceClusterLabel(ctx.clusterName)}`, {
        hint: 'the kind finds the cluster\'s disks by that label (src/model/gce builds it); without it the disk could never be found again',
      });
    }
    if (!a || req.action !== 'update') {
      await done(
        ctx,
        ctx.clients.disks.insert({
          project: ctx.project,
          zone: d.zone,
          diskResource: { name: d.name, sizeGb: String(d.sizeGb), type: `projects/${ctx.project}/zones/${d.zone}/diskTypes/${d.type}`, labels: { ...d.labels } },
        }),
        req.signal,
      );
      return get(ctx, d.zone, d.name);
    }
    if (d.sizeGb < a.sizeGb) {
      throw new KopsError('DiskShrink', `Disk "${d.name}" in ${a.zone} is ${a.sizeGb} GB; GCE cannot shrink it to ${d.sizeGb} GB`, {
        hint: 'set the etcd volume size back to at least its current size (kops-ts does not replace a disk that holds etcd data)',
      });
    }
    if (d.sizeGb > a.sizeGb) {
      await done(ctx, ctx.clients.disks.resize({ project: ctx.project, zone: a.zone, disk: a.name, disksResizeRequestResource: { sizeGb: String(d.sizeGb) } }), req.signal);
    }
    if (Object.entries(d.labels).some(([k, v]) => a.labels[k] !== v)) {
      await done(
        ctx,
        ctx.clients.disks.setLabels({
          project: ctx.project,
          zone: a.zone,
          resource: a.name,
          zoneSetLabelsRequestResource: { labels: { ...a.labels, ...d.labels }, labelFingerprint: a.labelFingerprint },
        }),
        req.signal,
      );
    }
    return get(ctx, a.zone, a.name);
  },

  outputs: (a) => ({ id: a.id, name: a.name, selfLink: a.selfLink }),

  async delete(ctx, a, opts) {
    await ignoreGone(() => done(ctx, ctx.clients.disks.delete({ project: ctx.project, zone: a.zone, disk: a.name }), opts?.signal));
  },

  async findOrphans(ctx, tasks) {
    const described = new Set(tasks.map((t) => `${t.desired.zone}/${t.desired.name}`));
    const out: { name: string; actual: GceDiskActual }[] = [];
    for await (const [, scoped] of ctx.clients.disks.aggregatedListAsync({ project: ctx.project, filter: clusterLabelFilter(ctx) }, LIST_OPTS)) {
      for (const d of scoped.disks ?? []) {
        const a = toActual(d);
        if (!described.has(`${a.zone}/${a.name}`)) out.push({ name: `${a.zone}/${a.name}`, actual: a });
      }
    }
    return out;
  },
};
