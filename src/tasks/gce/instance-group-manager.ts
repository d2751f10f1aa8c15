/**
 * `InstanceGroupManager`: a zonal managed instance group, one per kops instance group and zone.
 * Its template changes in place (setInstanceTemplate: only new instances use it; the rolling
 * update replaces the running ones), its size through resize, its target pools through
 * setTargetPools (with the group's fingerprint). The base instance name forces replacement.
 * Found by exact name with one list per zone; orphans (groups of removed instance groups or
 * zones) with one aggregated list, only a MIG whose name is exactly what the model names the MIG
 * of its base instance name (its instance group) in its zone, cut or not (`ownedMigName`,
 * owned-names.ts; no suffix match) and whose instance template, when it still exists, carries the
 * cluster label (`ownedMigTemplate`; read from the cluster's template list, cluster-templates.ts,
 * or with instanceTemplates.get for a template not in it). Deleting a group deletes
 * its instances.
 *
 * Compute methods: instanceGroupManagers.list (filter by name), aggregatedList, insert, get,
 * setInstanceTemplate, resize, setTargetPools, delete; instanceTemplates.list (the cluster's, shared
 * with the InstanceTemplate kind) and get (a template not in that list).
 */
import type { protos } from '@google-cloud/compute';
import type { TaskKind } from '../types.js';
import { done, drain, groupBy, ignoreGone, lastSegment, LIST_OPTS, nameFilter, relLink } from './common.js';
import { globalTemplateLabels, migNotOurs, notOursRefusal, ownedMigName, ownedMigNameFilter, ownedMigTemplate } from './owned-names.js';
import type { NotOurs } from '../types.js';
import type { GceTaskContext } from './context.js';
import { clusterTemplates } from './cluster-templates.js';
import type { GceInstanceGroupManagerDesired } from './types.js';

type ApiMig = protos.google.cloud.compute.v1.IInstanceGroupManager;

export interface GceInstanceGroupManagerActual {
  readonly id: string;
  readonly name: string;
  readonly selfLink: string;
  readonly zone: string;
  /** Project-relative link: `projects/p/global/instanceTemplates/t`. */
  readonly instanceTemplate: string;
  readonly baseInstanceName: string;
  readonly targetSize: number;
  readonly targetPools: readonly string[];
  readonly fingerprint: string;
  /** Set by `find` when the group with the task's name is another cluster's or the user's (never adopted). */
  readonly notOurs?: NotOurs;
}

function toActual(m: ApiMig): GceInstanceGroupManagerActual {
  return {
    id: String(m.id ?? ''),
    name: m.name ?? '',
    selfLink: m.selfLink ?? '',
    zone: lastSegment(m.zone),
    instanceTemplate: relLink(m.instanceTemplate),
    baseInstanceName: m.baseInstanceName ?? '',
    targetSize: m.targetSize ?? 0,
    targetPools: (m.targetPools ?? []).map(relLink).sort(),
    fingerprint: m.fingerprint ?? '',
  };
}

function refusal(ctx: GceTaskContext, a: GceInstanceGroupManagerActual, why: string): NotOurs {
  return notOursRefusal(
    ctx,
    `InstanceGroupManager ${a.zone}/${a.name} (id ${a.id})`,
    why,
    `rename the instance group (or the cluster) so that its MIG gets another name, or, if its owner no longer needs it, delete it (gcloud compute instance-groups managed delete ${a.name} --zone ${a.zone}) and re-run`,
  );
}

/**
 * A MIG's template labels, for `migNotOurs`/`ownedMigTemplate`: a template of the cluster's own
 * list (read once per run, instance-template.ts) carries the cluster's label; only a template not
 * in it (another cluster's, the user's, unlabelled, or gone) is read with instanceTemplates.get.
 * So a no-op plan reads the same for 3 groups as for 100.
 */
async function templateLabels(ctx: GceTaskContext, link: string): Promise<Record<string, string> | null | undefined> {
  const prefix = `projects/${ctx.project}/global/instanceTemplates/`;
  if (link.startsWith(prefix)) {
    const name = link.slice(prefix.length);
    const listed = (await clusterTemplates(ctx)).find((t) => t.name === name);
    if (listed) return listed.properties?.labels ?? null;
  }
  return globalTemplateLabels(ctx.clients, link);
}

async function get(ctx: GceTaskContext, zone: string, name: string): Promise<GceInstanceGroupManagerActual> {
  const [m] = await ctx.clients.instanceGroupManagers.get({ project: ctx.project, zone, instanceGroupManager: name });
  return toActual(m);
}

export const instanceGroupManagerKind: TaskKind<GceInstanceGroupManagerDesired, GceInstanceGroupManagerActual, GceTaskContext> = {
  kind: 'InstanceGroupManager',
  fields: { baseInstanceName: { mode: 'replace' }, targetPools: { compare: 'set', security: 'exposure' } },

  async find(ctx, tasks) {
    const found = new Map<string, GceInstanceGroupManagerActual>();
    await Promise.all(
      [...groupBy(tasks, (t) => t.desired.zone)].map(async ([zone, ts]) => {
        const list = await drain(ctx.clients.instanceGroupManagers.listAsync({ project: ctx.project, zone, filter: nameFilter(ts.map((t) => t.desired.name)) }, LIST_OPTS));
        await Promise.all(
          ts.map(async (t) => {
            const m = list.find((x) => x.name === t.desired.name);
            if (!m) return;
            const a = toActual(m);
            const why = migNotOurs(ctx, m, await templateLabels(ctx, a.instanceTemplate));
            found.set(t.name, why ? { ...a, notOurs: refusal(ctx, a, why) } : a);
          }),
        );
      }),
    );
    return found;
  },

  notOurs: (a) => a.notOurs,

  view: (d, refs) => {
    const tpl = refs.resolve(d.instanceTemplate);
    const pools = (d.targetPools ?? []).map((p) => refs.resolve(p));
    return {
      instanceTemplate: typeof tpl === 'string' ? relLink(tpl) : tpl,
      baseInstanceName: d.baseInstanceName,
      targetSize: d.targetSize,
      targetPools: pools.map((p) => (typeof p === 'string' ? relLink(p) : p)),
    };
  },
  actualView: (a) => ({ instanceTemplate: a.instanceTemplate, baseInstanceName: a.baseInstanceName, targetSize: a.targetSize, targetPools: a.targetPools }),

  async apply(ctx, req) {
    const d = req.desired;
    const a = req.actual;
    const project = ctx.project;
    const template = req.refs.known(d.instanceTemplate);
    const pools = (d.targetPools ?? []).map((p) => req.refs.known(p));
    if (!a || req.action !== 'update') {
      await done(
        ctx,
        ctx.clients.instanceGroupManagers.insert({
          project,
          zone: d.zone,
          instanceGroupManagerResource: { name: d.name, baseInstanceName: d.baseInstanceName, instanceTemplate: template, targetSize: d.targetSize, targetPools: pools },
        }),
        req.signal,
      );
      return get(ctx, d.zone, d.name);
    }
    const mig = { project, zone: a.zone, instanceGroupManager: a.name };
    if (relLink(template) !== a.instanceTemplate) {
      await done(ctx, ctx.clients.instanceGroupManagers.setInstanceTemplate({ ...mig, instanceGroupManagersSetInstanceTemplateRequestResource: { instanceTemplate: template } }), req.signal);
    }
    const wantPools = pools.map(relLink).sort();
    if (JSON.stringify(wantPools) !== JSON.stringify(a.targetPools)) {
      await done(ctx, ctx.clients.instanceGroupManagers.setTargetPools({ ...mig, instanceGroupManagersSetTargetPoolsRequestResource: { targetPools: pools, fingerprint: a.fingerprint } }), req.signal);
    }
    if (d.targetSize !== a.targetSize) {
      await done(ctx, ctx.clients.instanceGroupManagers.resize({ ...mig, size: d.targetSize }), req.signal);
    }
    return get(ctx, a.zone, a.name);
  },

  outputs: (a) => ({ id: a.id, name: a.name, selfLink: a.selfLink }),

  async delete(ctx, a, opts) {
    await ignoreGone(() => done(ctx, ctx.clients.instanceGroupManagers.delete({ project: ctx.project, zone: a.zone, instanceGroupManager: a.name }), opts?.signal));
  },

  async findOrphans(ctx, tasks) {
    const described = new Set(tasks.map((t) => `${t.desired.zone}/${t.desired.name}`));
    const out: { name: string; actual: GceInstanceGroupManagerActual }[] = [];
    for await (const [, scoped] of ctx.clients.instanceGroupManagers.aggregatedListAsync({ project: ctx.project, filter: ownedMigNameFilter(ctx) }, LIST_OPTS)) {
      for (const m of scoped.instanceGroupManagers ?? []) {
        if (ownedMigName(ctx, m) && !described.has(`${lastSegment(m.zone)}/${m.name ?? ''}`)) out.push({ name: `${lastSegment(m.zone)}/${m.name ?? ''}`, actual: toActual(m) });
      }
    }
    const checked = await Promise.all(out.map(async (o) => ownedMigTemplate(ctx, await templateLabels(ctx, o.actual.instanceTemplate))));
    return out.filter((_, i) => checked[i]);
  },
};
