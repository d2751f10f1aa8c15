/**
 * `kops-ts toolbox dump [cluster] [--name X] [-o yaml|json]`, as kops's (`--cloud-resources` part): the
 * cluster's cloud resources as the engine's task kinds find them (VPC, subnets, security groups,
 * load balancers, autoscaling groups, etcd volumes, everything else as `resources`), and its
 * instances with their addresses and states. Read-only; nothing secret is printed (no user data,
 * no policy documents, no key material).
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { parseOutputFormat } from '../output.js';

export function registerToolboxDump(program: Command, ctx: () => CommandContext): void {
  program
    .command('toolbox')
    .description('Tools for operators: dump a cluster\'s cloud resources')
    .command('dump [cluster]')
    .description('Dump the cluster\'s cloud resources (VPC or network, subnets, security groups or firewall rules, load balancers, instances, autoscaling groups or managed instance groups, etcd volumes) as YAML or JSON')
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .addHelpText('after', '\nExamples:\n  kops-ts toolbox dump --name my.example.com\n  kops-ts toolbox dump --name my.example.com -o json\n')
    .action(async (positional: string | undefined, f: { output?: string }) => {
      const c = ctx();
      const format = parseOutputFormat(f.output, ['yaml', 'json']);
      const name = c.clusterName(positional);
      const cs = c.clientset();
      const cluster = (await cs.getCluster(name)).object;
      const [{ dumpCluster }, { openCloudProvider }, { stringifyKopsYaml }] = await Promise.all([
        import('../../cloudup/inspect.js'),
        import('../../rolling-update/providers.js'),
        import('../../model/api/yaml.js'),
      ]);
      const aws = { timeouts: c.awsTimeouts() };
      const cloud = await openCloudProvider(cluster, { aws, operation: 'toolbox dump' });
      const dump = await dumpCluster({ clientset: cs, clusterName: name, aws, cloud });
      c.io.stdout(format === 'json' ? `${JSON.stringify(dump, null, 2)}\n` : stringifyKopsYaml(dump));
    });
}
