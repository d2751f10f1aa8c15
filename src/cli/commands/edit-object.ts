/**
 * The edit loop of `kops-ts edit` and `create instancegroup`: the object in `$KUBE_EDITOR`/`$EDITOR`;
 * invalid input re-opens the editor with the errors as comments at the top; an unchanged file
 * cancels. Imported by the commands' actions (src/cli/commands/edit.ts), not at start-up.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { KopsError, formatDiagnostic, hasErrors, type Diagnostic } from '../../diagnostics.js';
import { checkEdited } from '../../cloudup/edit-fields.js';
import { manifestTooLarge } from '../../model/api/parse.js';
import { stringifyKopsYaml, parseKopsYaml } from '../../model/api/yaml.js';
import type { KopsObject } from '../../model/api/types.js';
import type { CommandContext } from '../context.js';

const HEADER = [
  '# Please edit the object below. Lines beginning with a \'#\' will be ignored,',
  '# and an empty file will abort the edit. If an error occurs while saving this file will be',
  '# reopened with the relevant failures.',
  '#',
];

function withoutComments(text: string): string {
  return text.split('\n').filter((l) => !l.startsWith('#')).join('\n');
}

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
  const opened = body;
  let errors: string[] = unreadable ? [`error: ${unreadable.problem}`] : [];
  // An edit that is given up on after errors is kept (kops keeps it too): the user's work is not lost.
  let keep = false;
  const given = (code: string, summary: string): KopsError => {
    keep = true;
    return new KopsError(code, summary, { hint: `your edit is kept in ${file}: fix it there and save it with kops-ts replace -f ${file}` });
  };
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const text = [...HEADER, ...errors.map((e) => `# ${e}`), ...(errors.length ? ['#'] : []), body].join('\n');
      writeFileSync(file, text);
      const code = ctx.io.edit(file);
      if (code !== 0) throw new KopsError('EditorFailed', `the editor exited with code ${code}`, { hint: 'set KUBE_EDITOR or EDITOR to a working editor' });
      const edited = readFileSync(file, 'utf8');
      const stripped = edited.split('\n').filter((l) => !l.startsWith('#')).join('\n');
      if (stripped.trim() === '') return undefined;
      // Saved unchanged after an error: re-opening the same errors would only loop. A damaged
      // stored object opened and closed untouched is a cancel; an invalid edit saved again is
      // given up on, and says so (kubectl: "Edit cancelled, no valid changes were saved").
      if (errors.length > 0 && stripped.trim() === withoutComments(body).trim()) {
        if (body === opened) return undefined;
        throw given('EditCancelled', 'Edit cancelled: no valid changes were saved');
      }
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
      const { object, diagnostics: diags } = checkEdited(original, value, check);
      if (!object || hasErrors(diags)) {
        errors = diags.filter((d) => d.severity === 'error').map(formatDiagnostic);
        body = stripped;
        continue;
      }
      for (const w of diags) if (w.severity === 'warning') ctx.warn(`${w.path ? `${w.path}: ` : ''}${w.summary}`);
      return object;
    }
    throw given('EditFailed', `the ${original.kind} still had errors after ${MAX_ROUNDS} attempts; nothing was saved`);
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}
