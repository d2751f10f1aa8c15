/** `kops-ts get clusters|instancegroups|sshpublickeys` with kops's table columns, or -o yaml|json. */
import type { Command } from 'commander';
import { completeCluster } from '../../model/completion.js';
import { toJson, toYaml } from '../../model/api/serialize.js';
import { cloudProviderOf, type Cluster, type InstanceGroup, type KopsObject } from '../../model/api/types.js';
import { KopsError } from '../../diagnostics.js';
import type { CommandContext } from '../context.js';
import { parseOutputFormat, renderTable, type OutputFormat } from '../output.js';
import { registerGetIamPolicy } from './get-iam-policy.js';

function zonesOf(c: Cluster): string {
  return [...new Set((c.spec.subnets ?? []).map((s) => s.zone).filter((z): z is string => Boolean(z)))].sort().join(',');
}

function igZones(ig: InstanceGroup, c: Cluster | undefined): string {
  const byName = new Map((c?.spec.subnets ?? []).map((s) => [s.name, s.zone]));
  return [...new Set((ig.spec.subnets ?? []).map((s) => byName.get(s) ?? s).concat(ig.spec.zones ?? []))].sort().join(',');
}

function emit(ctx: CommandContext, format: OutputFormat, objects: KopsObject[], table: () => string, single = false): void {
  if (format === 'yaml') ctx.io.stdout(toYaml(objects));
  else if (format === 'json') ctx.io.stdout(single && objects[0] ? toJson(objects[0]) : toJson(objects));
  else ctx.io.stdout(table());
}

async function getClusters(ctx: CommandContext, names: string[], flags: { output?: string; full?: boolean }): Promise<void> {
  const format = parseOutputFormat(flags.output);
  const cs = ctx.clientset();
  const wanted = names.length > 0 ? names.map((n) => ctx.clusterName(n)) : ctx.globals.name ? [ctx.clusterName()] : await cs.listClusters();
  const clusters: Cluster[] = [];
  for (const n of wanted) {
    let c = (await cs.getCluster(n)).object;
    if (flags.full) {
      const stored = await cs.readCompletedSpec(n);
      c = stored?.object ?? completeCluster(c, (await cs.listInstanceGroups(n)).map((v) => v.object)).cluster;
    }
    clusters.push(c);
  }
  if (format === 'table' && clusters.length === 0) {
    throw new KopsError('NoClusters', `no clusters found in ${cs.store.url}`, { hint: 'create one with kops-ts create cluster' });
  }
  emit(ctx, format, clusters, () => renderTable(['NAME', 'CLOUD', 'ZONES'], clusters.map((c) => [c.metadata.name, cloudProviderOf(c.spec) ?? '', zonesOf(c)])), names.length === 1);
}

async function getInstanceGroups(ctx: CommandContext, names: string[], flags: { output?: string; full?: boolean }): Promise<void> {
  const format = parseOutputFormat(flags.output);
  const cs = ctx.clientset();
  const cluster = ctx.clusterName();
  const c = (await cs.getCluster(cluster)).object;
  let igs = (await cs.listInstanceGroups(cluster)).map((v) => v.object);
  if (flags.full) igs = completeCluster(c, igs).instanceGroups;
  if (names.length > 0) {
    const missing = names.filter((n) => !igs.some((g) => g.metadata.name === n));
    if (missing.length > 0) throw new KopsError('InstanceGroupNotFound', `instance group ${missing.join(', ')} not found in cluster "${cluster}"`, { hint: 'list them with kops-ts get ig' });
    igs = igs.filter((g) => names.includes(g.metadata.name));
  }
  emit(ctx, format, igs, () =>
    renderTable(
      ['NAME', 'ROLE', 'MACHINETYPE', 'MIN', 'MAX', 'ZONES'],
      igs.map((g) => [g.metadata.name, g.spec.role === 'Master' ? 'ControlPlane' : g.spec.role, g.spec.machineType ?? '', String(g.spec.minSize ?? ''), String(g.spec.maxSize ?? ''), igZones(g, c)]),
    ),
  );
}

export function registerGet(program: Command, ctx: () => CommandContext): void {
  const get = program.command('get').description('Get clusters, instance groups, SSH keys or IAM policies');
  get
    .command('clusters [names...]')
    .alias('cluster')
    .description('List clusters (NAME CLOUD ZONES)')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .option('--full', 'the completed spec (as applied), with every default filled in')
    .action(async (names: string[], flags: { output?: string; full?: boolean }) => getClusters(ctx(), names, flags));
  get
    .command('instancegroups [names...]')
    .aliases(['instancegroup', 'ig', 'igs'])
    .description('List instance groups (NAME ROLE MACHINETYPE MIN MAX ZONES)')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .option('--full', 'with defaults filled in')
    .action(async (names: string[], flags: { output?: string; full?: boolean }) => getInstanceGroups(ctx(), names, flags));
  get
    .command('sshpublickeys')
    .alias('sshpublickey')
    .description('List admin SSH public keys')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .action(async (flags: { output?: string }) => {
      const c = ctx();
      const format = parseOutputFormat(flags.output);
      const keys = await c.clientset().listSSHPublicKeys(c.clusterName());
      if (format === 'json') c.io.stdout(`${JSON.stringify(keys.map((k) => ({ id: k.id, publicKey: k.publicKey })), null, 2)}\n`);
      else if (format === 'yaml') c.io.stdout(keys.map((k) => `id: ${k.id}\npublicKey: ${k.publicKey}\n`).join('---\n'));
      else c.io.stdout(renderTable(['ID'], keys.map((k) => [k.id])));
    });
  registerGetIamPolicy(get, ctx);
}
