/**
 * `kops-ts get clusters|instancegroups` with kops's table columns, or -o yaml|json: the
 * implementation, imported by the commands' actions (get.ts). The spec completion (--full), the
 * serializers (-o yaml|json) and the history are imported only by the runs that use them.
 */
import type { StoredSpec } from '../../statestore/clientset.js';
import type { HistoryObject } from '../../statestore/history.js';
import { movedSummary } from '../../statestore/moved.js';
import { cloudProviderOf, type Cluster, type InstanceGroup, type KopsObject } from '../../model/api/types.js';
import { KopsError } from '../../diagnostics.js';
import type { CommandContext } from '../context.js';
import { parseOutputFormat, renderDocument, renderTable, type OutputFormat } from '../output.js';

function zonesOf(c: Cluster): string {
  return [...new Set((c.spec.subnets ?? []).map((s) => s.zone).filter((z): z is string => Boolean(z)))].sort().join(',');
}

function igZones(ig: InstanceGroup, c: Cluster | undefined): string {
  const byName = new Map((c?.spec.subnets ?? []).map((s) => [s.name, s.zone]));
  return [...new Set((ig.spec.subnets ?? []).map((s) => byName.get(s) ?? s).concat(ig.spec.zones ?? []))].sort().join(',');
}

async function emit(ctx: CommandContext, format: OutputFormat, objects: KopsObject[], table: () => string, single = false): Promise<void> {
  if (format === 'table') return ctx.io.stdout(table());
  const { toJson, toYaml } = await import('../../model/api/serialize.js');
  ctx.io.stdout(format === 'yaml' ? toYaml(objects) : single && objects[0] ? toJson(objects[0]) : toJson(objects));
}

/** kops's clusters table: NAME CLOUD ZONES. */
export function clusterTable(clusters: readonly Cluster[]): string {
  return renderTable(['NAME', 'CLOUD', 'ZONES'], clusters.map((c) => [c.metadata.name, cloudProviderOf(c.spec) ?? '', zonesOf(c)]));
}

/** kops's instance-group table: NAME ROLE MACHINETYPE MIN MAX ZONES (zones from the cluster's subnets when it is known). */
export function instanceGroupTable(igs: readonly InstanceGroup[], c: Cluster | undefined): string {
  return renderTable(
    ['NAME', 'ROLE', 'MACHINETYPE', 'MIN', 'MAX', 'ZONES'],
    igs.map((g) => [g.metadata.name, g.spec.role === 'Master' ? 'ControlPlane' : g.spec.role, g.spec.machineType ?? '', String(g.spec.minSize ?? ''), String(g.spec.maxSize ?? ''), igZones(g, c)]),
  );
}

/** One stored object that could not be read: reported, while the readable ones are still listed. */
export interface Unreadable {
  readonly cluster: string;
  readonly object: string;
  readonly error: KopsError;
}

/** The instance groups of `inspectInstanceGroups` that could not be read, each named. */
export function unreadableGroups(cluster: string, stored: readonly StoredSpec<InstanceGroup>[]): Unreadable[] {
  return stored.flatMap((g) => (g.object ? [] : [{ cluster, object: `instancegroup/${g.name}`, error: g.problem! }]));
}

/**
 * The objects that could not be read, as one error (exit 1) with a line each naming the object,
 * what is wrong and how to repair it; thrown after the readable ones were printed.
 */
export function unreadableError(broken: readonly Unreadable[]): KopsError {
  const diagnostics = broken.flatMap((b) => b.error.diagnostics);
  return new KopsError('UnreadableStateObjects', `${broken.length} object(s) in the state store could not be read`, { diagnostics, exitCode: 1 });
}

/** JSON with the readable objects as `items` and the unreadable ones as `errors` (only when some are unreadable). */
export async function jsonWithErrors(objects: KopsObject[], broken: readonly Unreadable[]): Promise<string> {
  const { sortObjects } = await import('../../model/api/serialize.js');
  const errors = broken.map((b) => {
    const d = b.error.diagnostics[0];
    return { cluster: b.cluster, object: b.object, code: b.error.code, message: b.error.message, ...(d?.hint ? { hint: d.hint } : {}) };
  });
  return `${JSON.stringify({ items: sortObjects(objects), errors }, null, 2)}\n`;
}

export async function getClusters(ctx: CommandContext, names: string[], flags: { output?: string; full?: boolean; history?: boolean }): Promise<void> {
  const format = parseOutputFormat(flags.output);
  const cs = ctx.clientset();
  if (flags.history) return printHistory(ctx, format, names.length > 0 ? names : [ctx.clusterName()], 'config');
  const wanted = names.length > 0 ? names.map((n) => ctx.clusterName(n)) : ctx.globals.name ? [ctx.clusterName()] : await cs.listClusters();
  const clusters: Cluster[] = [];
  const broken: Unreadable[] = [];
  for (const n of wanted) {
    // One corrupt object must not hide the healthy clusters: name it and go on.
    let object = 'config';
    try {
      let c = (await cs.getCluster(n)).object;
      if (flags.full) {
        object = 'cluster-completed.spec';
        const stored = await cs.readCompletedSpec(n);
        object = 'instancegroup/';
        const { completeCluster } = await import('../../model/completion.js');
        c = stored?.object ?? completeCluster(c, (await cs.listInstanceGroups(n)).map((v) => v.object)).cluster;
      }
      clusters.push(c);
    } catch (e) {
      if (!KopsError.is(e, 'InvalidStateObject')) throw e;
      broken.push({ cluster: n, object, error: e });
    }
  }
  // Clusters moved away are not listed; in a table listing of the whole store, say where they went.
  const moved = format === 'table' && names.length === 0 && !ctx.globals.name ? await cs.listMovedClusters() : [];
  for (const m of moved) ctx.warn(movedSummary(m.name, m.marker));
  if (format === 'table' && clusters.length === 0 && broken.length === 0 && moved.length === 0) {
    throw new KopsError('NoClusters', `no clusters found in ${cs.store.url}`, { hint: 'create one with kops-ts create cluster --name <cluster> --zones <zone>' });
  }
  if (format === 'json' && broken.length > 0) ctx.io.stdout(await jsonWithErrors(clusters, broken));
  else if (clusters.length > 0 || format !== 'table') {
    await emit(ctx, format, clusters, () => clusterTable(clusters), names.length === 1);
  }
  if (broken.length > 0) throw unreadableError(broken);
}

export async function getInstanceGroups(ctx: CommandContext, names: string[], flags: { output?: string; full?: boolean; history?: boolean }): Promise<void> {
  const format = parseOutputFormat(flags.output);
  const cs = ctx.clientset();
  const cluster = ctx.clusterName();
  if (flags.history) {
    if (names.length !== 1) throw new KopsError('InvalidFlag', '--history needs exactly one instance group', { hint: `e.g. kops-ts get instancegroup nodes --name ${cluster} --history`, exitCode: 2 });
    return printHistory(ctx, format, [cluster], `instancegroup/${names[0]!}`);
  }
  const c = (await cs.getCluster(cluster)).object;
  const stored = await cs.inspectInstanceGroups(cluster);
  const broken = unreadableGroups(cluster, stored.filter((g) => names.length === 0 || names.includes(g.name)));
  let igs = stored.flatMap((g) => (g.object ? [g.object] : []));
  if (flags.full) igs = (await import('../../model/completion.js')).completeCluster(c, igs).instanceGroups;
  if (names.length > 0) {
    const missing = names.filter((n) => !stored.some((g) => g.name === n));
    if (missing.length > 0) throw new KopsError('InstanceGroupNotFound', `instance group ${missing.join(', ')} not found in cluster "${cluster}"`, { hint: `list them with kops-ts get instancegroups --name ${cluster}` });
    igs = igs.filter((g) => names.includes(g.metadata.name));
  }
  if (format === 'json' && broken.length > 0) ctx.io.stdout(await jsonWithErrors(igs, broken));
  else if (igs.length > 0 || broken.length === 0 || format !== 'table') {
    await emit(ctx, format, igs, () => instanceGroupTable(igs, c));
  }
  if (broken.length > 0) throw unreadableError(broken);
}

/** `--history`: the kept versions of one cluster's config or instance group, newest first. */
async function printHistory(ctx: CommandContext, format: OutputFormat, clusters: readonly string[], object: HistoryObject): Promise<void> {
  if (clusters.length !== 1) throw new KopsError('InvalidFlag', '--history needs exactly one cluster', { hint: 'e.g. kops-ts get cluster my.example.com --history', exitCode: 2 });
  const cluster = clusters[0]!;
  const cs = ctx.clientset();
  const current = object === 'config' ? await cs.inspectCluster(cluster) : (await cs.inspectInstanceGroups(cluster)).find((g) => `instancegroup/${g.name}` === object);
  const { describeHistory } = await import('../../statestore/history.js');
  const versions = await describeHistory(cs.store, cluster, object);
  if (!current && versions.length === 0) {
    if (object === 'config') await cs.getCluster(cluster); // ClusterNotFound, with its hint
    throw new KopsError('InstanceGroupNotFound', `instance group "${object.slice('instancegroup/'.length)}" of cluster "${cluster}" has no current or kept version`, { hint: `list them with kops-ts get instancegroups --name ${cluster}` });
  }
  const doc = {
    cluster,
    object,
    current: current ? { readable: current.object !== undefined, ...(typeof current.object?.metadata.generation === 'number' ? { generation: current.object.metadata.generation } : {}) } : null,
    versions: versions.map((v) => ({ version: v.stamp, superseded: v.time.toISOString(), size: v.size, readable: v.readable, ...(v.generation !== undefined ? { generation: v.generation } : {}) })),
  };
  if (format !== 'table') ctx.io.stdout(await renderDocument(doc, format));
  else {
    ctx.io.stdout(
      renderTable(
        ['VERSION', 'SUPERSEDED', 'GENERATION', 'SIZE', 'READABLE'],
        versions.map((v) => [v.stamp, v.time.toISOString(), v.generation === undefined ? '' : String(v.generation), String(v.size), v.readable ? 'yes' : 'no']),
      ),
    );
    if (versions.length === 0) ctx.io.stdout(`(no earlier versions of ${object} are kept)\n`);
  }
}
