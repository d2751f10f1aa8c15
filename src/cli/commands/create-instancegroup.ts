/**
 * `kops-ts create instancegroup NAME... --role ControlPlane|Node|Bastion|APIServer --subnet a,b
 * [--zone z1,z2 (GCE)] [--edit=false]`: new groups with kops's defaults for the role; control-plane groups also add
 * their etcd members, all validated and written as one change (src/cloudup/new-instancegroup.ts).
 */
import type { Command } from 'commander';
import type { Diagnostic } from '../../diagnostics.js';
import type { InstanceGroup } from '../../model/api/types.js';
import type { CommandContext } from '../context.js';
import { boolFlag } from '../flags.js';
import { parseOutputFormat } from '../output.js';

interface Flags {
  dryRun?: boolean;
  output?: string;
  role?: string;
  subnet?: string;
  zone?: string;
  edit?: boolean;
}

export function registerCreateInstanceGroup(create: Command, ctx: () => CommandContext): void {
  create
    .command('instancegroup <names...>')
    .aliases(['ig', 'instancegroups'])
    .description("Create instance groups with kops's defaults for their role; control-plane groups also get their etcd members")
    .addHelpText(
      'after',
      '\nExamples:\n  kops-ts create instancegroup nodes-us-east-1b --name my.example.com --role Node --subnet us-east-1b --edit=false\n' +
        '  kops-ts create instancegroup control-plane-us-east-1b control-plane-us-east-1c --name my.example.com --role ControlPlane --subnet us-east-1b,us-east-1c --edit=false\n' +
        '  kops-ts create instancegroup nodes-us-central1-b --name gce.example.com --role Node --zone us-central1-b --edit=false   # GCE: regional subnets, zones with --zone\n',
    )
    .option('--role <role>', 'ControlPlane, Node or Bastion', 'Node')
    .option('--subnet <names>', "comma-separated subnet names; a control-plane group takes one, one per name in order (default: the cluster's subnets; on GCE a regional subnet)")
    .option('--zone <zones>', 'GCE (required there): comma-separated zones of the group, one MIG per zone; a control-plane group takes one, one per name in order')
    .option('--edit [bool]', 'open the new group in $EDITOR before it is written (--edit=false to skip)', boolFlag('--edit'), true)
    .option('--dry-run', 'validate and print the new groups (-o yaml|json) without writing them')
    .option('-o, --output <format>', 'with --dry-run: yaml or json', 'yaml')
    .action(async (names: string[], flags: Flags) => {
      const c = ctx();
      const format = parseOutputFormat(flags.output, ['yaml', 'json']);
      const name = c.clusterName();
      const [{ createInstanceGroups }, { stringifyKopsYaml }, { editObject }] = await Promise.all([import('../../cloudup/new-instancegroup.js'), import('../../model/api/yaml.js'), import('./edit-object.js')]);
      const subnets = flags.subnet?.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const zones = flags.zone?.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const r = await createInstanceGroups({
        clientset: c.clientset(),
        clusterName: name,
        names,
        ...(flags.role !== undefined ? { role: flags.role } : {}),
        ...(subnets ? { subnets } : {}),
        ...(zones ? { zones } : {}),
        ...(flags.dryRun ? { dryRun: true } : {}),
        ...(flags.edit !== false && !flags.dryRun ? { edit: (ig: InstanceGroup, check: (g: InstanceGroup) => Diagnostic[]) => editObject(c, ig, (o) => check(o as InstanceGroup)) as InstanceGroup | undefined } : {}),
      });
      if (flags.dryRun) {
        for (const w of r.warnings) c.warn(`${w.path ? `${w.path}: ` : ''}${w.summary}`);
        const objects = r.cluster ? [...r.instanceGroups, r.cluster] : r.instanceGroups;
        c.io.stdout(format === 'json' ? `${JSON.stringify(objects.length === 1 ? objects[0] : objects, null, 2)}\n` : objects.map((o) => stringifyKopsYaml(o)).join('---\n'));
        return;
      }
      if (!r.written) {
        c.io.stdout('Edit cancelled: nothing was created.\n');
        return;
      }
      for (const w of r.warnings) c.warn(`${w.path ? `${w.path}: ` : ''}${w.summary}`);
      for (const ig of r.instanceGroups) c.io.stdout(`Created InstanceGroup/${ig.metadata.name} in cluster ${name}\n`);
      for (const m of r.addedMembers) c.io.stdout(`Added member ${m.member} (instance group ${m.instanceGroup}) to etcd cluster ${m.etcdCluster}\n`);
      c.io.stdout(`Apply the change with: kops-ts update cluster --name ${name} --yes\n`);
    });
}
