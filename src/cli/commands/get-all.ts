/**
 * `kops-ts get all [cluster]` and its older form `kops-ts get <cluster>` (kops's cmd/kops/get_all.go):
 * a cluster and its instance groups, as two tables or, with -o yaml|json, as one manifest that
 * `replace -f` and `create -f` take back unchanged (the objects as stored; no SSH key, no secret).
 * Imported by the command's action (get.ts); the tables and the handling of unreadable objects are
 * those of `get clusters` and `get instancegroups` (get-impl.ts).
 */
import { CommanderError } from 'commander';
import { KopsError } from '../../diagnostics.js';
import type { KopsObject } from '../../model/api/types.js';
import { isValidClusterName } from '../../model/validation-util.js';
import { editDistance } from '../../text/edit-distance.js';
import type { CommandContext } from '../context.js';
import { parseOutputFormat } from '../output.js';
import { clusterTable, instanceGroupTable, jsonWithErrors, unreadableError, unreadableGroups, type Unreadable } from './get-impl.js';

export interface GetAllFlags {
  readonly output?: string;
}

/** `get all [cluster]`: the words after `all`, at most one (a cluster name). */
export async function getAll(ctx: CommandContext, words: readonly string[], flags: GetAllFlags): Promise<void> {
  if (words.length > 1) throw tooManyNames('get all', words);
  return showAll(ctx, words[0], flags);
}

/** The cluster (the argument, else --name or KOPS_CLUSTER_NAME) and its instance groups. */
async function showAll(ctx: CommandContext, positional: string | undefined, flags: GetAllFlags): Promise<void> {
  const format = parseOutputFormat(flags.output);
  const name = ctx.clusterName(positional);
  const cs = ctx.clientset();
  const found = (await cs.inspectCluster(name)) ?? (await cs.getCluster(name)); // absent: ClusterNotFound, with its hint
  const cluster = found.object;
  const groups = await cs.inspectInstanceGroups(name);
  const igs = groups.flatMap((g) => (g.object ? [g.object] : []));
  // A corrupt object is named (exit 1) and does not hide the readable ones, as in get clusters / get ig.
  const broken: Unreadable[] = [...('problem' in found && found.problem ? [{ cluster: name, object: 'config', error: found.problem }] : []), ...unreadableGroups(name, groups)];
  // kops says so on stderr: stdout stays a manifest (or the tables) for whoever reads it.
  if (groups.length === 0) ctx.io.stderr('No instance groups found\n');
  const objects: KopsObject[] = [...(cluster ? [cluster] : []), ...igs];
  if (format === 'table') {
    ctx.io.stdout(`Cluster\n${clusterTable(cluster ? [cluster] : [])}\nInstance Groups\n${instanceGroupTable(igs, cluster)}`);
  } else if (format === 'json' && broken.length > 0) {
    ctx.io.stdout(await jsonWithErrors(objects, broken));
  } else {
    const { toJson, toYaml } = await import('../../model/api/serialize.js');
    // One array (JSON) or one multi-document stream (YAML): Cluster first, then the groups by name.
    ctx.io.stdout(format === 'yaml' ? toYaml(objects) : toJson(objects));
  }
  if (broken.length > 0) throw unreadableError(broken);
}

/**
 * `kops-ts get [word]`, kops's deprecated alias of `get all [word]`. No word: the cluster from
 * --name or KOPS_CLUSTER_NAME, as kops takes it; with neither, `help` (get's help: kops would say
 * "--name is required", which lists none of get's subcommands). A cluster of the word's name
 * always wins; otherwise a word close to a subcommand (`clsuters`) or that cannot be a cluster
 * name is the unknown command it was before the alias existed, with commander's wording and
 * "Did you mean". `subcommands`: the names and aliases of get's subcommands.
 */
export async function getBare(ctx: CommandContext, words: readonly string[], flags: GetAllFlags, subcommands: readonly string[], help: () => never): Promise<void> {
  const [word, ...extra] = words;
  if (word === undefined) return clusterNameGiven(ctx) ? showAll(ctx, undefined, flags) : help();
  // Only reached with options before the word (`get -o yaml all`): get itself has none.
  if (word === 'all') return getAll(ctx, extra, flags);
  if (subcommands.includes(word)) {
    throw new KopsError('InvalidArgument', `the options of "get ${word}" go after it`, { hint: `e.g. kops-ts get ${word} -o yaml`, exitCode: 2 });
  }
  // More than one word: a first word that cannot be a cluster is a mistyped subcommand (`get clsuters a.example.com`).
  if (extra.length > 0) throw isValidClusterName(word) ? tooManyNames('get', words) : unknownCommand(word, nearest(word, subcommands));
  if (isValidClusterName(word) && (await ctx.clientset().inspectCluster(word)) !== undefined) return showAll(ctx, word, flags);
  const near = nearest(word, subcommands);
  if (near.length > 0 || !isValidClusterName(word)) throw unknownCommand(word, near);
  return showAll(ctx, word, flags); // ClusterNotFound, as get all says it
}

/** --name or KOPS_CLUSTER_NAME is set (ctx.clusterName() would take it rather than fail). */
function clusterNameGiven(ctx: CommandContext): boolean {
  return Boolean(ctx.globals.name ?? ctx.io.env.KOPS_CLUSTER_NAME);
}

/** `get a.example.com b`: one cluster name at most, the extra words named (exit 2). */
function tooManyNames(command: 'get' | 'get all', words: readonly string[]): KopsError {
  const [first, ...extra] = words;
  const named = extra.map((w) => JSON.stringify(w));
  const list = named.length === 1 ? named[0]! : `${named.slice(0, -1).join(', ')} and ${named.at(-1)!}`;
  const shows = first !== undefined && isValidClusterName(first) ? `kops-ts ${command} ${first} shows that cluster; ` : '';
  return new KopsError('TooManyArguments', `${command} takes at most one cluster name, not ${words.length}: ${list} ${extra.length === 1 ? 'is' : 'are'} extra`, {
    hint: `${shows}kops-ts get --help lists get's subcommands`,
    exitCode: 2,
  });
}

/** The subcommand names closest to `word` (all at the least distance, as commander suggests), if close enough. */
function nearest(word: string, names: readonly string[]): string[] {
  const scored = names.map((n) => ({ n, d: editDistance(word, n) }));
  const best = Math.min(...scored.map((s) => s.d));
  return best <= Math.max(2, Math.floor(word.length / 3)) ? scored.filter((s) => s.d === best).map((s) => s.n) : [];
}

/** The usage error commander gives an unknown subcommand (parseAndReport prints it on one line, exit 2). */
function unknownCommand(word: string, near: readonly string[]): CommanderError {
  const suggestion = near.length === 0 ? '' : near.length === 1 ? `\n(Did you mean ${near[0]!}?)` : `\n(Did you mean one of ${near.join(', ')}?)`;
  return new CommanderError(1, 'commander.unknownCommand', `error: unknown command '${word}'${suggestion}`);
}
