/**
 * `kops-ts edit cluster|instancegroup`: the object in `$KUBE_EDITOR`/`$EDITOR`; invalid input
 * re-opens the editor with the errors as comments at the top; an unchanged file cancels; the save
 * is conditional on the version read (a concurrent change is a conflict, never overwritten).
 * The editor loop is edit-object.ts, imported with the spec checks when the command runs.
 * `--set`/`--unset` edit without an editor, with the same checks and conditional save
 * (src/cloudup/edit-fields.ts).
 */
import type { Command } from 'commander';
import { KopsError, type Diagnostic } from '../../diagnostics.js';
import type { Cluster, InstanceGroup } from '../../model/api/types.js';
import type { CommandContext } from '../context.js';

const repeat = (v: string, prev: string[] = []) => [...prev, v];

interface FieldFlags {
  readonly set?: string[];
  readonly unset?: string[];
}

/** `--set`/`--unset` on an edit command: no editor is opened when either is given. */
function withFieldFlags(cmd: Command, example: string): Command {
  return cmd
    .option('--set <path=value>', `set a field without opening an editor, e.g. ${example} (repeatable)`, repeat)
    .option('--unset <path>', 'unset a field without opening an editor (repeatable; applied before --set)', repeat);
}

const usesFields = (f: FieldFlags) => Boolean(f.set?.length || f.unset?.length);

/** Prints what the editor path prints: the outcome, then how to apply it. */
function reportFields(c: CommandContext, r: { changed: boolean; warnings: readonly Diagnostic[] }, updated: string, name: string): void {
  if (!r.changed) {
    c.io.stdout('Edit cancelled: no changes made.\n');
    return;
  }
  for (const w of r.warnings) if (w.severity === 'warning') c.warn(`${w.path ? `${w.path}: ` : ''}${w.summary}`);
  c.io.stdout(`${updated} updated. Apply the change with: kops-ts update cluster --name ${name} --yes\n`);
}

/** The editor loop and the spec checks, imported when an edit runs. */
async function editing() {
  const [{ editObject }, { checkSpec }] = await Promise.all([import('./edit-object.js'), import('../../cloudup/create-cluster.js')]);
  return { editObject, checkSpec };
}

export function registerEdit(program: Command, ctx: () => CommandContext): void {
  const edit = program.command('edit').description('Edit a cluster or instance group spec, in your editor or with --set/--unset');
  withFieldFlags(edit.command('cluster [name]').description('Edit the cluster spec (in your editor, or with --set/--unset)'), 'spec.kubernetesVersion=1.35.0')
    .action(async (positional: string | undefined, f: FieldFlags) => {
      const c = ctx();
      const cs = c.clientset();
      const name = c.clusterName(positional);
      if (usesFields(f)) {
        const { editClusterFields } = await import('../../cloudup/edit-fields.js');
        return reportFields(c, await editClusterFields({ clientset: cs, clusterName: name, ...f }), `Cluster ${name}`, name);
      }
      const { editObject, checkSpec } = await editing();
      const current = (await cs.inspectCluster(name)) ?? (await cs.getCluster(name)); // absent: ClusterNotFound
      const igs = (await cs.listInstanceGroups(name)).map((v) => v.object);
      // A config that cannot be read is opened as stored, its problem on top: saving a valid
      // Cluster replaces it (conditional on the corrupt version).
      const stub = { apiVersion: 'kops.k8s.io/v1alpha2', kind: 'Cluster', metadata: { name }, spec: {} } as Cluster;
      const unreadable = 'problem' in current && current.problem ? { text: new TextDecoder().decode(current.data), problem: current.problem.message } : undefined;
      const edited = editObject(c, current.object ?? stub, (obj) => checkSpec(obj as Cluster, igs), unreadable);
      if (!edited) {
        c.io.stdout('Edit cancelled: no changes made.\n');
        return;
      }
      await cs.updateCluster(edited as Cluster, current.version);
      c.io.stdout(`Cluster ${name} updated. Apply the change with: kops-ts update cluster --name ${name} --yes\n`);
    });
  withFieldFlags(edit.command('instancegroup <name>').aliases(['ig', 'instancegroups']).description('Edit an instance group spec (in your editor, or with --set/--unset)'), 'spec.maxSize=5')
    .action(async (igName: string, f: FieldFlags) => {
      const c = ctx();
      const cs = c.clientset();
      const name = c.clusterName();
      if (usesFields(f)) {
        const { editInstanceGroupFields } = await import('../../cloudup/edit-fields.js');
        return reportFields(c, await editInstanceGroupFields({ clientset: cs, clusterName: name, instanceGroup: igName, ...f }), `InstanceGroup ${igName}`, name);
      }
      const { editObject, checkSpec } = await editing();
      const cluster = (await cs.getCluster(name)).object;
      const all = await cs.inspectInstanceGroups(name);
      const current = all.find((v) => v.name === igName);
      if (!current) throw new KopsError('InstanceGroupNotFound', `instance group "${igName}" not found in cluster "${name}"`, { hint: `list them with kops-ts get instancegroups --name ${name}` });
      // The others are validated against: each must be readable. This one may not be: it opens
      // as stored, with what is wrong on top, and saving a valid InstanceGroup replaces it.
      const others = all.filter((v) => v !== current).map((v) => {
        if (!v.object) throw v.problem!;
        return v.object;
      });
      const stub = { apiVersion: 'kops.k8s.io/v1alpha2', kind: 'InstanceGroup', metadata: { name: igName }, spec: {} } as InstanceGroup;
      const unreadable = current.problem ? { text: new TextDecoder().decode(current.data), problem: current.problem.message } : undefined;
      const edited = editObject(c, current.object ?? stub, (obj) => checkSpec(cluster, [...others, obj as InstanceGroup]), unreadable);
      if (!edited) {
        c.io.stdout('Edit cancelled: no changes made.\n');
        return;
      }
      await cs.updateInstanceGroup(name, edited as InstanceGroup, current.version);
      c.io.stdout(`InstanceGroup ${igName} updated. Apply the change with: kops-ts update cluster --name ${name} --yes\n`);
    });
}
