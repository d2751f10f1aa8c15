/**
 * `kops-ts get instances [cluster] [--name X] [-o table|json|yaml]`, as kops's: every instance of the
 * cluster's instance groups from the cloud (ID STATUS INTERNAL-IP EXTERNAL-IP INSTANCE-GROUP
 * MACHINE-TYPE STATE), joined with its Kubernetes Node (NODE-NAME, ROLES) through the kubeconfig
 * context named after the cluster. When the API cannot be reached the listing still comes out,
 * NODE-NAME being the name the cloud predicts (the private DNS name), after a one-line warning on
 * stderr saying why (kops's "cannot list node names").
 */
import type { Command } from 'commander';
import type { InstanceRow } from '../../cloudup/inspect.js';
import type { CommandContext } from '../context.js';
import { parseOutputFormat, renderTable } from '../output.js';

interface Flags {
  output?: string;
  kubeconfig?: string;
}

export const INSTANCE_COLUMNS = ['ID', 'NODE-NAME', 'STATUS', 'ROLES', 'INTERNAL-IP', 'EXTERNAL-IP', 'INSTANCE-GROUP', 'MACHINE-TYPE', 'STATE'] as const;

function cells(r: InstanceRow): string[] {
  return [r.id, r.nodeName, r.status, r.roles.join(', '), r.internalIP, r.externalIP, r.instanceGroup, r.machineType, r.state];
}

export function registerGetInstances(get: Command, ctx: () => CommandContext): void {
  get
    .command('instances [cluster]')
    .alias('instance')
    .description('List the cluster\'s instances (ID NODE-NAME STATUS ROLES INTERNAL-IP EXTERNAL-IP INSTANCE-GROUP MACHINE-TYPE STATE)')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .option('--kubeconfig <file>', 'the kubeconfig to read the cluster context from (default: $KUBECONFIG, else ~/.kube/config)')
    .addHelpText('after', '\nExamples:\n  kops-ts get instances --name my.example.com\n  kops-ts get instances --name my.example.com -o json\n')
    .action(async (positional: string | undefined, f: Flags) => {
      const c = ctx();
      const format = parseOutputFormat(f.output);
      const name = c.clusterName(positional);
      const cs = c.clientset();
      const cluster = (await cs.getCluster(name)).object;
      const [{ listInstances }, { openCloudProvider }, { stringifyKopsYaml }] = await Promise.all([
        import('../../cloudup/inspect.js'),
        import('../../rolling-update/providers.js'),
        import('../../model/api/yaml.js'),
      ]);
      const instanceGroups = (await cs.listInstanceGroups(name)).map((v) => v.object);
      const cloud = await openCloudProvider(cluster, { aws: { timeouts: c.awsTimeouts() }, operation: 'get instances' });
      const listing = await listInstances({
        clusterName: name,
        instanceGroups,
        cloud,
        listNodes: async () => {
          const [{ kubeClient }, { kubeOps }] = await Promise.all([import('../../kube/client.js'), import('../../kube/ops.js')]);
          const client = kubeClient({ clusterName: name, env: c.io.env, ...(f.kubeconfig !== undefined ? { kubeconfig: f.kubeconfig } : {}) });
          return kubeOps(client).listNodes();
        },
      });
      if (listing.nodesUnavailable !== undefined) {
        c.io.stderr(`warning: cannot list node names, the Kubernetes API is unavailable (${listing.nodesUnavailable}); NODE-NAME is the instance's private DNS name\n`);
      }
      const rows = listing.instances;
      if (format === 'json') c.io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
      else if (format === 'yaml') c.io.stdout(rows.map((r) => stringifyKopsYaml(r)).join('---\n'));
      else if (rows.length === 0) c.io.stderr(`No instances found for cluster ${name}\n`);
      else c.io.stdout(renderTable(INSTANCE_COLUMNS, rows.map(cells)));
    });
}
