/**
 * The fake Compute API's instance templates and managed instance groups (test/fakes/gce-compute.ts):
 * `/compute/v1/projects/<p>/global/instanceTemplates[/<name>]` (insert, get, list, delete; a template
 * a group uses is refused deletion) and `/compute/v1/projects/<p>/zones/<z>/instanceGroupManagers
 * [/<name>]` with `resize`, `setInstanceTemplate` (new instances only), `setTargetPools`
 * (fingerprint checked), `listManagedInstances` (a read served by POST), `deleteInstances` and
 * `abandonInstances` (both lower `targetSize`, as GCE documents). A group runs `targetSize`
 * instances named `<baseInstanceName>-<4 chars>` (gce-compute-instances.ts); deleting it deletes
 * them.
 */
import { createInstance } from './gce-compute-instances.js';
import type { ComputeState, ResourceKind } from './gce-compute-store.js';
import { checkLabels, fingerprint, HttpError, need, type Json } from './gce-compute-wire.js';
import { paginate } from './gce-compute-listing.js';

function randomSuffix(random: () => number): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 4; i++) s += chars[Math.floor(random() * chars.length)];
  return s;
}

/** Creates or deletes the group's instances until it runs `targetSize`. */
function reconcile(s: ComputeState, scopePath: string, mig: Json): void {
  const members = mig.members as string[];
  const instances = s.coll(scopePath, 'instances');
  while (members.length > (mig.targetSize as number)) instances.delete(members.pop() as string);
  while (members.length < (mig.targetSize as number)) {
    let n: string;
    do n = `${mig.baseInstanceName as string}-${randomSuffix(s.knobs.random)}`;
    while (instances.has(n));
    members.push(n);
    createInstance(s, scopePath, mig, n);
  }
}

function memberNames(mig: Json, body: Json): string[] {
  const urls = (body.instances as string[] | undefined) ?? [];
  return urls.map((u) => {
    const n = u.split('/').pop() ?? '';
    if (!(mig.members as string[]).includes(n)) {
      throw new HttpError(400, 'invalid', `Instance '${u}' is not a member of instance group manager '${mig.name as string}'`);
    }
    return n;
  });
}

/** Managed instances, with the template each was created from. */
function managedInstances(s: ComputeState, scopePath: string, mig: Json): Json[] {
  const instances = s.coll(scopePath, 'instances');
  return (mig.members as string[]).map((n) => {
    const i = instances.get(n) as Json;
    const tpl = ((i.metadata as { items: { key: string; value: string }[] }).items.find((x) => x.key === 'instance-template')?.value ?? '') as string;
    const booting = typeof i.bootLeft === 'number' && i.bootLeft > 0;
    if (booting) {
      i.bootLeft = (i.bootLeft as number) - 1;
      if (i.bootLeft === 0) i.status = 'RUNNING';
    }
    return { instance: i.selfLink, id: i.id, instanceStatus: booting ? 'PROVISIONING' : i.status, currentAction: booting ? 'CREATING' : 'NONE', version: { instanceTemplate: s.url(tpl) } };
  });
}

export const INSTANCE_GROUP_KINDS: Readonly<Record<string, ResourceKind>> = {
  instanceTemplates: {
    scope: 'global',
    kind: 'compute#instanceTemplate',
    fields: ['properties'],
    labels: false,
    patch: false,
    build(_s, _r, body) {
      const props = (body.properties as Json | undefined) ?? {};
      if (!props.machineType) throw new HttpError(400, 'required', "Required field 'resource.properties.machineType' not specified");
      if (props.labels !== undefined) checkLabels(props.labels);
    },
    checkUnused(s, collection, link) {
      s.inUse(collection, link, 'instanceGroupManagers', (o) => o.instanceTemplate === link);
    },
  },
  instanceGroupManagers: {
    scope: 'zones',
    kind: 'compute#instanceGroupManager',
    fields: ['baseInstanceName', 'instanceTemplate', 'targetSize', 'targetPools', 'zone', 'versions', 'updatePolicy'],
    labels: false,
    patch: false,
    build(s, r, body, at) {
      need(body, 'baseInstanceName');
      const template = need(body, 'instanceTemplate') as string;
      s.refTo(template, 'instanceTemplates');
      r.targetSize = Number(body.targetSize ?? 0);
      r.targetPools = body.targetPools ?? [];
      r.versions = [{ instanceTemplate: template }];
      r.instanceGroup = s.url(`${at.scopePath}/instanceGroups/${body.name as string}`);
      r.fingerprint = fingerprint({ t: r.targetPools });
      r.status = { isStable: true };
      r.currentActions = { none: 0, creating: 0, deleting: 0, abandoning: 0, recreating: 0, refreshing: 0, restarting: 0 };
      r.members = [];
    },
    inserted(s, scopePath, r) {
      reconcile(s, scopePath, r);
    },
    present(_s, r, shown) {
      const size = (r.members as string[]).length;
      return { ...structuredClone(shown), currentActions: { ...(r.currentActions as Json), none: size } };
    },
    removed(s, scopePath, _name, r) {
      const instances = s.coll(scopePath, 'instances');
      for (const i of r.members as string[]) instances.delete(i);
    },
    read(s, scopePath, r, method, call) {
      if (method !== 'listManagedInstances') return undefined;
      // A read served by POST: data, not an operation.
      const { page, next } = paginate(managedInstances(s, scopePath, r), call.query);
      return { managedInstances: page, ...(next ? { nextPageToken: next } : {}) };
    },
    custom(s, scopePath, r, method, body, call) {
      switch (method) {
        case 'resize': {
          const size = Number(call.query.size);
          if (!Number.isInteger(size) || size < 0) throw new HttpError(400, 'invalid', `Invalid value for field 'size': '${call.query.size ?? ''}'. Must be greater than or equal to 0`);
          r.targetSize = size;
          reconcile(s, scopePath, r);
          return true;
        }
        case 'setInstanceTemplate': {
          const t = body.instanceTemplate as string | undefined;
          if (!t) throw new HttpError(400, 'required', "Required field 'instanceTemplate' not specified");
          s.refTo(t, 'instanceTemplates');
          r.instanceTemplate = t;
          r.versions = [{ instanceTemplate: t }];
          return true;
        }
        case 'setTargetPools': {
          if (body.fingerprint !== undefined && body.fingerprint !== r.fingerprint) throw new HttpError(412, 'conditionNotMet', 'Supplied fingerprint does not match current fingerprint.');
          const pools = (body.targetPools as string[] | undefined) ?? [];
          for (const p of pools) s.refTo(p, 'targetPools');
          r.targetPools = pools;
          r.fingerprint = fingerprint({ t: pools });
          return true;
        }
        case 'deleteInstances':
        case 'abandonInstances': {
          const names = memberNames(r, body);
          const instances = s.coll(scopePath, 'instances');
          r.members = (r.members as string[]).filter((m) => !names.includes(m));
          r.targetSize = Math.max(0, (r.targetSize as number) - names.length);
          if (method === 'deleteInstances') for (const n of names) instances.delete(n);
          else for (const n of names) (instances.get(n)?.metadata as { items?: { key: string }[] } | undefined)?.items?.splice(0);
          return true;
        }
        default:
          return false;
      }
    },
  },
};
