/**
 * `kops-ts edit cluster|instancegroup`: the object in `$KUBE_EDITOR`/`$EDITOR`; invalid input
 * re-opens the editor with the errors as comments at the top; an unchanged file cancels; the save
 * is conditional on the version read (a concurrent change is a conflict, never overwritten).
 * `--set`/`--unset` edit without an editor. Both work on the same edit target (the stored object,
 * its checks with the cluster's other objects, its conditional save: src/cloudup/edit-fields.ts,
 * imported when the command runs); the editor loop is edit-object.ts.
 */
import type { Command } from 'commander';
import type { Diagnostic } from '../../diagnostics.js';
import type { EditTarget } from '../../cloudup/edit-fields.js';
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

/** The outcome of an edit, as both paths print it: cancelled, or saved and how to apply it. */
function report(c: CommandContext, t: EditTarget, changed: boolean, clusterName: string, warnings: readonly Diagnostic[] = []): void {
  if (!changed) {
    c.io.stdout('Edit cancelled: no changes made.\n');
    return;
  }
  for (const w of warnings) if (w.severity === 'warning') c.warn(`${w.path ? `${w.path}: ` : ''}${w.summary}`);
  c.io.stdout(`${t.kind} ${t.name} updated. Apply the change with: kops-ts update cluster --name ${clusterName} --yes\n`);
}

/**
 * Edits `t` in the editor, or with `--set/--unset` when given. A stored object that cannot be
 * read opens in the editor as stored, its problem on top: saving a valid one replaces it
 * (conditional on the corrupt version).
 */
async function run(c: CommandContext, t: EditTarget, f: FieldFlags, clusterName: string, editCommand: string): Promise<void> {
  if (usesFields(f)) {
    const { editFields } = await import('../../cloudup/edit-fields.js');
    const r = await editFields(t, f, editCommand);
    report(c, t, r.changed, clusterName, r.warnings);
    return;
  }
  const { editObject } = await import('./edit-object.js');
  const stub = { apiVersion: 'kops.k8s.io/v1alpha2', kind: t.kind, metadata: { name: t.name }, spec: {} } as Cluster | InstanceGroup;
  const unreadable = t.unreadable ? { text: t.unreadable.text, problem: t.unreadable.problem.message } : undefined;
  const edited = editObject(c, t.object ?? stub, t.check, unreadable);
  // An edit that leaves the object as stored (metadata the store keeps anyway) is a cancel too.
  const saved = edited !== undefined && (await t.save(edited));
  report(c, t, saved, clusterName);
}

/** The edit targets (the stored object, its checks and save), imported when an edit runs. */
const targets = () => import('../../cloudup/edit-fields.js');

export function registerEdit(program: Command, ctx: () => CommandContext): void {
  const edit = program.command('edit').description('Edit a cluster or instance group spec, in your editor or with --set/--unset');
  withFieldFlags(edit.command('cluster [name]').description('Edit the cluster spec (in your editor, or with --set/--unset)'), 'spec.cloudLabels.team=platform')
    .action(async (positional: string | undefined, f: FieldFlags) => {
      const c = ctx();
      const cs = c.clientset();
      const name = c.clusterName(positional);
      const t = await (await targets()).clusterEditTarget(cs, name);
      await run(c, t, f, name, `kops-ts edit cluster ${name}`);
    });
  withFieldFlags(edit.command('instancegroup <name>').aliases(['ig', 'instancegroups']).description('Edit an instance group spec (in your editor, or with --set/--unset)'), 'spec.maxSize=5')
    .action(async (igName: string, f: FieldFlags) => {
      const c = ctx();
      const cs = c.clientset();
      const name = c.clusterName();
      const t = await (await targets()).instanceGroupEditTarget(cs, name, igName);
      await run(c, t, f, name, `kops-ts edit instancegroup ${igName} --name ${name}`);
    });
}
