/** `export kubeconfig [cluster] [--admin[=18h]] [--user U] [--internal] [--kubeconfig F]`, as kops's. */
import type { Command } from 'commander';
import { KopsError } from '../../diagnostics.js';
import type { CommandContext } from '../context.js';
import { parseDuration } from '../timeouts.js';

interface Flags {
  admin?: string | boolean;
  user?: string;
  internal?: boolean;
  kubeconfig?: string;
}

/**
 * `--admin`'s lifetime in ms (undefined: no admin credential). Async because the default lives in
 * src/cloudup/kubeconfig.ts (with @kubernetes/client-node and the PKI): it is imported only when
 * `--admin` is given.
 */
export async function adminLifetime(admin: string | boolean | undefined): Promise<number | undefined> {
  if (admin === undefined || admin === false) return undefined;
  if (admin === true) return (await import('../../cloudup/kubeconfig.js')).DEFAULT_ADMIN_LIFETIME_MS;
  const ms = parseDuration(admin);
  if (ms === undefined || ms <= 0) throw new KopsError('InvalidFlag', `--admin ${JSON.stringify(admin)}: expected a lifetime above zero such as 18h or 30m`, { hint: 'e.g. --admin=1h (without a value: 18h)', exitCode: 2 });
  return ms;
}

export function registerExportKubeconfig(program: Command, ctx: () => CommandContext): void {
  program
    .command('export')
    .description('Export configuration: a kubeconfig context for a cluster')
    .command('kubeconfig [cluster]')
    .alias('kubecfg')
    .description('Merge a context for the cluster into $KUBECONFIG or ~/.kube/config (and make it current)')
    .option('--admin [lifetime]', 'add an admin client certificate (system:masters) valid this long (default 18h)')
    .option('--user <name>', 'name an existing kubeconfig user in the context instead')
    .option('--internal', "use the API's internal name (api.internal.<cluster>), from inside the cluster's network")
    .option('--kubeconfig <file>', 'the kubeconfig file to write (default: the first of $KUBECONFIG, else ~/.kube/config)')
    .action(async (positional: string | undefined, flags: Flags) => {
      const c = ctx();
      const lifetime = await adminLifetime(flags.admin);
      if (lifetime !== undefined && flags.user !== undefined) throw new KopsError('InvalidFlag', '--admin and --user cannot be used together', { hint: 'pass --admin for a new admin credential, or --user for one already in the kubeconfig', exitCode: 2 });
      const name = c.clusterName(positional);
      const { defaultKubeconfigPath, exportKubeconfig } = await import('../../cloudup/kubeconfig.js');
      const path = flags.kubeconfig ?? defaultKubeconfigPath(c.io.env);
      const r = await exportKubeconfig({
        clientset: c.clientset(),
        clusterName: name,
        path,
        ...(lifetime !== undefined ? { adminLifetimeMs: lifetime } : {}),
        ...(flags.user !== undefined ? { user: flags.user } : {}),
        ...(flags.internal ? { internal: true } : {}),
        aws: { timeouts: c.awsTimeouts() },
      });
      c.io.stdout(`kops-ts has set your kubectl context to ${r.context} (${r.server}) in ${r.path}\n`);
      if (r.adminExpires) c.io.stdout(`The admin credential expires ${r.adminExpires.toISOString()}\n`);
      if (r.user === undefined) c.warn(`the context has no user: use --admin, or --user with a user of ${r.path}, to authenticate`);
    });
}
