/**
 * `kops-ts edit cluster|instancegroup`: the object in `$KUBE_EDITOR`/`$EDITOR`; invalid input
 * re-opens the editor with the errors as comments at the top; an unchanged file cancels; the save
 * is conditional on the version read (a concurrent change is a conflict, never overwritten).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import { checkSpec } from '../../cloudup/create-cluster.js';
import { KopsError, formatDiagnostic, hasErrors, type Diagnostic } from '../../diagnostics.js';
import { checkObject, manifestTooLarge } from '../../model/api/parse.js';
import { stringifyKopsYaml, parseKopsYaml } from '../../model/api/yaml.js';
import type { Cluster, InstanceGroup, KopsObject } from '../../model/api/types.js';
import type { CommandContext } from '../context.js';

const HEADER = [
  '# Please edit the object below. Lines beginning with a \'#\' will be ignored,',
  '# and an empty file will abort the edit. If an error occurs while saving this file will be',
  '# reopened with the relevant failures.',
  '#',
];

/** At most this many re-opens after errors, so a script-driven editor cannot loop forever. */
const MAX_ROUNDS = 10;

type Check = (obj: KopsObject) => Diagnostic[];

/**
 * Runs the edit loop; returns the edited object, or undefined when cancelled. `unreadable` opens
 * the stored text of an object that cannot be decoded instead, with why as the first error, so a
 * corrupt spec can be repaired in place (`original` then only names the object).
 */
export function editObject(ctx: CommandContext, original: KopsObject, check: Check, unreadable?: { text: string; problem: string }): KopsObject | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'kops-ts-edit-'));
  const file = join(dir, `${original.kind.toLowerCase()}-${original.metadata.name}.yaml`);
  let body = unreadable ? unreadable.text : stringifyKopsYaml(original);
  let errors: string[] = unreadable ? [`error: ${unreadable.problem}`] : [];
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const text = [...HEADER, ...errors.map((e) => `# ${e}`), ...(errors.length ? ['#'] : []), body].join('\n');
      writeFileSync(file, text);
      const code = ctx.io.edit(file);
      if (code !== 0) throw new KopsError('EditorFailed', `the editor exited with code ${code}`, { hint: 'set KUBE_EDITOR or EDITOR to a working editor' });
      const edited = readFileSync(file, 'utf8');
      const stripped = edited.split('\n').filter((l) => !l.startsWith('#')).join('\n');
      if (stripped.trim() === '') return undefined;
      // Refused before parsing, and not re-opened: nothing this large is a spec to fix in an editor.
      // The temporary file is gone once this returns: name the object instead.
      const tooLarge = manifestTooLarge(stripped, `${original.kind}/${original.metadata.name} as edited`);
      if (tooLarge) throw new KopsError('ManifestTooLarge', tooLarge.summary, { diagnostics: [tooLarge], exitCode: 2 });
      let value: unknown;
      try {
        value = parseKopsYaml(stripped);
      } catch (e) {
        errors = [`error: invalid YAML: ${(e as Error).message.split('\n')[0]}`];
        body = stripped;
        continue;
      }
      if (isDeepStrictEqual(value, original)) return undefined;
      if (errors.length > 0 && stripped === body) return undefined;
      const r = checkObject(value);
      // An unknown field does not hide the spec's other problems: validate what can be.
      const target = r.object ?? r.validatable;
      const diags = target ? [...r.diagnostics, ...check(target).filter((d) => r.object || d.severity === 'error')] : r.diagnostics;
      if (r.object && (value as KopsObject).metadata?.name !== original.metadata.name) {
        diags.push({ severity: 'error', code: 'RenameNotSupported', summary: 'metadata.name cannot be changed', path: 'metadata.name' });
      }
      if (!r.object || hasErrors(diags)) {
        errors = diags.filter((d) => d.severity === 'error').map(formatDiagnostic);
        body = stripped;
        continue;
      }
      for (const w of diags) if (w.severity === 'warning') ctx.warn(`${w.path ? `${w.path}: ` : ''}${w.summary}`);
      return r.object;
    }
    throw new KopsError('EditFailed', `the ${original.kind} still had errors after ${MAX_ROUNDS} attempts; nothing was saved`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function registerEdit(program: Command, ctx: () => CommandContext): void {
  const edit = program.command('edit').description('Edit a cluster or instance group spec in your editor');
  edit
    .command('cluster [name]')
    .description('Edit the cluster spec')
    .action(async (positional: string | undefined) => {
      const c = ctx();
      const cs = c.clientset();
      const name = c.clusterName(positional);
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
  edit
    .command('instancegroup <name>')
    .aliases(['ig', 'instancegroups'])
    .description('Edit an instance group spec')
    .action(async (igName: string) => {
      const c = ctx();
      const cs = c.clientset();
      const name = c.clusterName();
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
