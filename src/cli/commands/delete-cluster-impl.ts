/**
 * `kops-ts delete cluster`'s implementation (see delete-cluster.ts): imported by the command's
 * action, so the cloud side and the store's lock load only when a cluster is deleted.
 */
import { KopsError } from '../../diagnostics.js';
import { stringifyKopsYaml } from '../../model/api/yaml.js';
import type { DeleteOutcome, DeleteResourcesResult, OwnedResource, Remaining } from '../../cloudup/delete-cluster.js';
import { deleteKnownClusterState } from '../../cloudup/delete-cluster-state.js';
import { InterruptedError } from '../../cloudup/interrupted.js';
import { clusterPaths } from '../../statestore/layout.js';
import { forceUnlock, withClusterLock } from '../../statestore/lock.js';
import type { StateStore } from '../../statestore/types.js';
import type { CommandContext } from '../context.js';
import { commandLine, switchFlag, type CommandLine } from '../command-line.js';
import { storeCommandInterrupts } from '../interrupt.js';
import { parseOutputFormat, renderTable } from '../output.js';
import { parseDuration } from '../timeouts.js';

import type { DeleteClusterFlags as Flags } from './delete-cluster.js';
import { deleteClusterHooks } from './delete-cluster.js';

const PROGRESS: Readonly<Record<DeleteOutcome, string>> = {
  ok: 'ok',
  dependencies: 'still has dependencies, will retry',
  'in-progress': 'deletion in progress, will retry',
  error: 'error deleting resources, will retry',
};

function durationFlag(flag: string, v: string): number {
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) throw new KopsError('InvalidFlag', `${flag} ${JSON.stringify(v)}: expected a duration above zero such as 10s, 5m or 1h`, { hint: `e.g. ${flag} 10m`, exitCode: 2 });
  return ms;
}

function countFlag(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new KopsError('InvalidFlag', `--count ${JSON.stringify(v)}: expected a whole number of rounds without progress (0: no limit)`, { hint: 'e.g. --count 5', exitCode: 2 });
  return Number(v.trim());
}

/** How another command runs this one (`delete -f`). */
export interface DeleteClusterRun {
  /** End a run without --yes with "Must specify --yes to delete cluster" (default true; `delete -f` ends with its own line). */
  readonly mustSpecifyLine?: boolean;
}

export async function deleteCluster(c: CommandContext, positional: string | undefined, flags: Flags, run: DeleteClusterRun = {}): Promise<void> {
  const name = c.clusterName(positional);
  const waitMs = durationFlag('--wait', flags.wait);
  const intervalMs = durationFlag('--interval', flags.interval);
  const count = countFlag(flags.count);
  const format = parseOutputFormat(flags.output);
  const store = c.clientset().store;
  // With -o json|yaml stdout holds one document and nothing else: the words for people go to stderr.
  const machine = format !== 'table';
  const say = machine ? c.io.stderr : c.io.stdout;
  // --yes before the extra words: the line is the whole command (storeCommandInterrupts adds none).
  const line = commandLine({ verb: ['delete', 'cluster'], cluster: name, globals: c.globals, flags: [...switchFlag('--unregister', flags.unregister), '--yes'] });
  const document = (doc: object) => {
    if (machine) c.io.stdout(format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : stringifyKopsYaml(doc));
  };
  // Without --yes the document is the listing; --unregister and an interrupted create's state list no cloud resources.
  const mustSpecify = (items?: Item[]) => {
    if (items) document({ items });
    if (run.mustSpecifyLine !== false) say('Must specify --yes to delete cluster\n');
  };
  const done = (doc: DeletedDocument) => document(doc);
  if (!(await store.read(clusterPaths.config(name)))) return deleteInterruptedCreate(c, name, flags, line, mustSpecify, say, done);
  if (flags.unregister) return unregister(c, name, flags, line, mustSpecify, say, done);

  const aws = { timeouts: c.awsTimeouts() };
  // The cloud side (and its SDKs) is imported only when there are cloud resources to list.
  const [{ deleteResources, listClusterResources }, { defaultKubeconfigPath, removeKubeconfigContext }] = await Promise.all([
    import('../../cloudup/delete-cluster.js'),
    import('../../cloudup/kubeconfig.js'),
  ]);
  const listed = await listClusterResources({ clientset: c.clientset(), clusterName: name, aws });
  if (!flags.yes) {
    printListing(c, listed.resources, format);
    if (run.mustSpecifyLine !== false && !machine) c.io.stdout('\n');
    mustSpecify();
    return;
  }
  const interrupts = storeCommandInterrupts(c.io, 'delete cluster', name, line);
  await interrupts.run(c.io.signals, async () => {
    if (flags.forceUnlock) await forceUnlock(store, name, flags.forceUnlock);
    await withClusterLock(store, name, 'delete cluster', async (lock) => {
      // Listed again under the lock: another run may have changed the cluster meanwhile.
      const inv = await listClusterResources({ clientset: c.clientset(), clusterName: name, aws });
      if (inv.resources.length > 0) say(listingTable(inv.resources));
      const signal = AbortSignal.any([lock.signal, interrupts.signal]);
      const result = await deleteResources(inv, {
        waitMs,
        count,
        intervalMs,
        ...(deleteClusterHooks.clock ? { clock: deleteClusterHooks.clock } : {}),
        signal,
        heartbeat: () => lock.heartbeat(),
        progress: (p) => say(`${p.resource.type}:${p.resource.id}\t${PROGRESS[p.outcome]}\n`),
        waiting: (left) => say(`Not all resources deleted; waiting before reattempting deletion\n${left.map((r) => `\t${r.type}:${r.id}\n`).join('')}`),
      });
      if (lock.signal.aborted) throw lock.signal.reason;
      if (result.gaveUp === 'interrupted') {
        throw new InterruptedError('delete cluster', name, 'apply', { total: inv.resources.length, applied: result.deleted.length, failed: 0, left: result.left.length });
      }
      if (result.left.length > 0) throw incomplete(name, result, inv.kept, line);
      const state = await deleteKnownClusterState(store, name);
      const kubeconfig = defaultKubeconfigPath(c.io.env);
      const kc = await removeKubeconfigContext(kubeconfig, name).catch((e: unknown) => {
        c.warn(`the kubeconfig context ${name} was not removed from ${kubeconfig}: ${e instanceof Error ? e.message : String(e)}`);
        return { removed: [] as string[] };
      });
      if (kc.removed.length > 0) say(`Removed ${kc.removed.join(', ')} from ${kubeconfig}\n`);
      say(`\nDeleted cluster: "${name}"\n`);
      const remains = [...inv.kept, ...unknownState(store.url, state.unknown)];
      printRemains(say, remains);
      done(deletedDocument(name, result.deleted, state.deleted.length, remains));
    }, interrupts.lockHooks());
  });
}

type Item = { type: string; name: string; id: string };

function itemsOf(resources: readonly OwnedResource[]): Item[] {
  return resources.map((r) => ({ type: r.type, name: r.name, id: r.id }));
}

function listingTable(resources: readonly OwnedResource[]): string {
  const items = itemsOf(resources);
  if (items.length === 0) return 'No cloud resources found for the cluster\n';
  return renderTable(['TYPE', 'NAME', 'ID'], items.map((i) => [i.type, i.name, i.id]));
}

function printListing(c: CommandContext, resources: readonly OwnedResource[], format: 'table' | 'yaml' | 'json'): void {
  const items = itemsOf(resources);
  if (format === 'json') return c.io.stdout(`${JSON.stringify({ items }, null, 2)}\n`);
  if (format === 'yaml') return c.io.stdout(stringifyKopsYaml({ items }));
  c.io.stdout(listingTable(resources));
}

/** `delete cluster --yes -o json|yaml`'s one document: what was deleted, and what remains and why. */
interface DeletedDocument {
  cluster: string;
  deleted: Item[];
  stateObjectsDeleted: number;
  notDeleted: { what: string; why: string }[];
}

function deletedDocument(name: string, deleted: readonly OwnedResource[], stateObjects: number, remains: readonly Remaining[]): DeletedDocument {
  return { cluster: name, deleted: itemsOf(deleted), stateObjectsDeleted: stateObjects, notDeleted: remains.map((r) => ({ what: r.what, why: r.why })) };
}

function unknownState(url: string, unknown: readonly string[]): Remaining[] {
  return unknown.map((p) => ({ what: `${url.replace(/\/$/, '')}/${p}`, why: 'kops-ts does not know this object, so it left it in the state store: delete it yourself if it is not needed' }));
}

function printRemains(say: (s: string) => void, remains: readonly Remaining[]): void {
  if (remains.length === 0) return;
  say(`\nNot deleted:\n${remains.map((r) => `  ${r.what}: ${r.why}\n`).join('')}`);
}

function incomplete(name: string, r: DeleteResourcesResult, kept: readonly Remaining[], line: CommandLine): KopsError {
  const why = r.gaveUp === 'count' ? `no progress in ${r.rounds > 1 ? 'the last rounds' : 'a round'} (--count)` : r.gaveUp === 'wait' ? 'the --wait time ran out' : 'it was interrupted';
  const left = r.left.map((x) => `${x.resource.type}:${x.resource.id} (${x.resource.name}): ${x.error}`);
  const blockers = r.blockers.map((b) => `${b.what}: ${b.why}`);
  return new KopsError('DeleteIncomplete', `cluster "${name}" was not fully deleted (${why}); ${r.deleted.length} resource(s) deleted, ${r.left.length} left:\n  ${left.join('\n  ')}${blockers.length > 0 ? `\nblocked by:\n  ${blockers.join('\n  ')}` : ''}${kept.length > 0 ? `\nnever deleted:\n  ${kept.map((k) => `${k.what}: ${k.why}`).join('\n  ')}` : ''}`, {
    hint: `the cluster's state is kept; once the blockers are gone, finish with: ${line([])}`,
    exitCode: 1,
  });
}

async function unregister(c: CommandContext, name: string, flags: Flags, line: CommandLine, mustSpecify: (items?: Item[]) => void, say: (s: string) => void, done: (doc: DeletedDocument) => void): Promise<void> {
  const store = c.clientset().store;
  if (!flags.yes) {
    say(`--unregister removes only the state of cluster ${name} in ${store.url}; its cloud resources are kept\n`);
    mustSpecify([]);
    return;
  }
  const it = storeCommandInterrupts(c.io, 'delete cluster', name, line);
  await it.run(c.io.signals, async () => {
    if (flags.forceUnlock) await forceUnlock(store, name, flags.forceUnlock);
    const state = await withClusterLock(store, name, 'delete cluster', () => deleteKnownClusterState(store, name), it.lockHooks());
    say(`Deleted cluster: "${name}" (its state only: ${state.deleted.length} object(s); its cloud resources were kept)\n`);
    const remains = unknownState(store.url, state.unknown);
    printRemains(say, remains);
    done(deletedDocument(name, [], state.deleted.length, remains));
  });
}

function clusterNotFound(name: string, url: string): KopsError {
  return new KopsError('ClusterNotFound', `cluster "${name}" not found in ${url}, and nothing is left of it`, {
    hint: 'list the clusters in this store with kops-ts get clusters, or check --state / KOPS_STATE_STORE',
  });
}

/**
 * Refuses, before anything is deleted, a cluster `deleteCluster` would refuse: one of which the
 * store holds nothing, not even the state of an interrupted create. Nothing is written.
 */
export async function checkClusterDeletable(store: StateStore, name: string): Promise<void> {
  if (await store.read(clusterPaths.config(name))) return;
  const lock = clusterPaths.lock(name);
  if ((await store.list(`${name}/`)).some((p) => p !== lock)) return;
  throw clusterNotFound(name, store.url);
}

/** The state an interrupted `create cluster` left (no `config`): no cloud resources to delete. */
async function deleteInterruptedCreate(c: CommandContext, name: string, flags: Flags, line: CommandLine, mustSpecify: (items?: Item[]) => void, say: (s: string) => void, done: (doc: DeletedDocument) => void): Promise<void> {
  const cs = c.clientset();
  const store = cs.store;
  const lock = clusterPaths.lock(name);
  const left = (await store.list(`${name}/`)).filter((p) => p !== lock);
  if (left.length === 0) throw clusterNotFound(name, store.url);
  say(`Cluster ${name} has no config (its create did not finish); its state holds:\n${left.map((p) => `  ${p}\n`).join('')}`);
  if (!flags.yes) {
    mustSpecify([]);
    return;
  }
  const refuseCreated = () =>
    new KopsError('ClusterCreatedMeanwhile', `cluster "${name}" got a config while the delete waited for the lock (a create finished)`, {
      hint: `nothing was deleted; run the delete again to delete the created cluster: ${line([])}`,
    });
  // A signal lets the deletes finish and the lock go, then exits 130.
  const it = storeCommandInterrupts(c.io, 'delete cluster', name, line);
  await it.run(c.io.signals, async () => {
    if (flags.forceUnlock) await forceUnlock(store, name, flags.forceUnlock);
    const deleted = await withClusterLock(
      store,
      name,
      'delete cluster',
      async () => {
        // Under the lock: a create that finished meanwhile made it a real cluster.
        if (await store.read(clusterPaths.config(name))) throw refuseCreated();
        return cs.deleteClusterState(name);
      },
      it.lockHooks(),
    );
    say(`Deleted ${deleted.length} object(s) of cluster ${name}. Create it again with: kops-ts create cluster --name ${name}\n`);
    done(deletedDocument(name, [], deleted.length, []));
  });
}
