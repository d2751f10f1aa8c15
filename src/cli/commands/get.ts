/**
 * `kops-ts get clusters|instancegroups|sshpublickeys|instances|iam-policy|secrets|keypairs`: the
 * command tree; each action imports its implementation (get-impl.ts and the get-*.ts files).
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { parseOutputFormat, renderTable } from '../output.js';
import { registerGetIamPolicy } from './get-iam-policy.js';
import { registerGetInstances } from './get-instances.js';
import { registerGetSecrets } from './get-secrets.js';

export function registerGet(program: Command, ctx: () => CommandContext): void {
  const get = program.command('get').description('Get clusters, instance groups, instances, SSH keys, keypairs or IAM policies');
  get
    .command('clusters [names...]')
    .alias('cluster')
    .description('List clusters (NAME CLOUD ZONES)')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .option('--full', 'the completed spec (as applied), with every default filled in')
    .option('--history', "the kept earlier versions of one cluster's spec (for kops-ts rollback cluster)")
    .action(async (names: string[], flags: { output?: string; full?: boolean; history?: boolean }) => (await import('./get-impl.js')).getClusters(ctx(), names, flags));
  get
    .command('instancegroups [names...]')
    .aliases(['instancegroup', 'ig', 'igs'])
    .description('List instance groups (NAME ROLE MACHINETYPE MIN MAX ZONES)')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .option('--full', 'with defaults filled in')
    .option('--history', 'the kept earlier versions of one instance group (for kops-ts rollback instancegroup)')
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
