/**
 * `kops-ts get all|clusters|instancegroups|sshpublickeys|instances|iam-policy|secrets|keypairs`
 * and `kops-ts get <cluster>`: the command tree; each action imports its implementation
 * (get-impl.ts and the get-*.ts files).
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { parseOutputFormat, renderTable } from '../output.js';
import { registerGetIamPolicy } from './get-iam-policy.js';
import { registerGetInstances } from './get-instances.js';
import { registerGetSecrets } from './get-secrets.js';

export function registerGet(program: Command, ctx: () => CommandContext): void {
  const get = program.command('get').description('Get a cluster with its instance groups (all), clusters, instance groups, instances, SSH keys, keypairs or IAM policies');
  registerGetAll(get, ctx);
  get
    .command('clusters [names...]')
    .alias('cluster')
    .description('List clusters (NAME CLOUD ZONES)')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .option('--full', 'the completed spec (as applied), with every default filled in')
    .option('--history', "the kept earlier versions of one cluster's spec (for kops-ts rollback cluster <cluster> --to <version>)")
    .action(async (names: string[], flags: { output?: string; full?: boolean; history?: boolean }) => (await import('./get-impl.js')).getClusters(ctx(), names, flags));
  get
    .command('instancegroups [names...]')
    .aliases(['instancegroup', 'ig', 'igs'])
    .description('List instance groups (NAME ROLE MACHINETYPE MIN MAX ZONES)')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .option('--full', 'with defaults filled in')
    .option('--history', 'the kept earlier versions of one instance group (for kops-ts rollback instancegroup <name> --name <cluster> --to <version>)')
    .action(async (names: string[], flags: { output?: string; full?: boolean; history?: boolean }) => (await import('./get-impl.js')).getInstanceGroups(ctx(), names, flags));
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
  registerGetInstances(get, ctx);
  registerGetIamPolicy(get, ctx);
  registerGetSecrets(get, ctx);
}

/**
 * `get all [cluster]`, also get's default subcommand: `kops-ts get <cluster>` is kops's older form
 * of it, and so is `kops-ts get` with --name or KOPS_CLUSTER_NAME; `kops-ts get` with no cluster
 * name at all prints get's help. Excess words reach the action (get-all.ts names them).
 */
function registerGetAll(get: Command, ctx: () => CommandContext): void {
  get
    .command('all [cluster]', { isDefault: true })
    .description('The cluster and its instance groups (-o yaml|json: a manifest for replace -f); kops-ts get <cluster>, or get with --name, is the same')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .allowExcessArguments()
    .action(async (_cluster: string | undefined, flags: { output?: string }, all: Command) => {
      const impl = await import('./get-all.js');
      // get.args: the words get was given, `all` first unless commander chose `all` as the default;
      // all.args: the words after `all` (all of them, with the default).
      if (get.args[0] === 'all') return impl.getAll(ctx(), all.args, flags);
      const subcommands = get.commands.flatMap((c) => [c.name(), ...c.aliases()]);
      return impl.getBare(ctx(), all.args, flags, subcommands, () => get.help({ error: true }));
    });
}
