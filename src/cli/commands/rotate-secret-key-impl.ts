/**
 * `rotate secret-key`'s implementation: the preview (objects per area and key, no lock, no write),
 * or under the cluster lock the re-encryption of src/cloudup/rotate-secret-key.ts, with
 * SIGINT/SIGTERM handled as `rotate bootstrap-token`'s (no new write starts, the lock is released,
 * exit 130, the same command finishes). Key ids and object paths are printed; keys and the
 * objects' content never are (both keys are registered with the redactor as they are loaded).
 */
import { ExitCode, KopsError, error } from '../../diagnostics.js';
import {
  checkKeysDiffer,
  planSecretKeyRotation,
  rotateSecretKey,
  SecretKeyRotationStopped,
  type SecretKeyPlan,
  type SecretKeyProgress,
  type SecretKeyResult,
} from '../../cloudup/rotate-secret-key.js';
import { loadNewSecretKey, loadSecretKey, NEW_SECRET_KEY_ENV } from '../../secrets/key.js';
import { forceUnlock, withClusterLock } from '../../statestore/lock.js';
import type { CommandContext } from '../context.js';
import { commandLine, valueFlag, type CommandLine } from '../command-line.js';
import { commandInterrupts } from '../interrupt.js';
import { parseOutputFormat, renderDocument, renderTable } from '../output.js';
import type { RotateSecretKeyFlags } from './rotate-secret-key.js';
/** The same command, for the re-run and `--force-unlock` lines: the key files' paths, never a key. */
function rotateLine(c: CommandContext, cluster: string, raw: RotateSecretKeyFlags): CommandLine {
  const flags = [...valueFlag('--secret-key', c.globals.secretKey), ...valueFlag('--new-secret-key', raw.newSecretKey)];
  return commandLine({ verb: ['rotate', 'secret-key'], cluster, globals: c.globals, flags });
}

function missingNewKey(): KopsError {
  const summary = 'no new secret key given';
  const hint = `pass --new-secret-key <file> (a file holding a base64 32-byte key, e.g. made with: openssl rand -base64 32) or set ${NEW_SECRET_KEY_ENV} to the key`;
  return new KopsError('MissingSecretKey', summary, { exitCode: 2, diagnostics: [error('MissingSecretKey', summary, { path: '--new-secret-key', hint })] });
}

function planDoc(p: SecretKeyPlan) {
  return { cluster: p.cluster, currentKeyId: p.currentKeyId ?? null, newKeyId: p.newKeyId, areas: p.areas, toRewrite: p.toRewrite };
}

function table(p: SecretKeyPlan): string {
  const rows = p.areas.map((a) => [a.area, String(a.plaintext), String(a.current), String(a.new), String(a.total)]);
  return renderTable(['AREA', 'PLAINTEXT', `CURRENT KEY (${p.currentKeyId ?? 'none given'})`, `NEW KEY (${p.newKeyId})`, 'TOTAL'], rows);
}

const NOT_AFFECTED =
  "Not affected: the control planes' plaintext copies of the CA keys under igconfig/ (IAM protects them), the CAs themselves and the bootstrap token.";

function previewText(p: SecretKeyPlan): string {
  return [
    `Cluster ${p.cluster}: private keys and secrets in the state store, by the key they are under`,
    table(p).trimEnd(),
    `With --yes: the cluster is locked, every object is read and decrypted, then the ${p.toRewrite} not under the new key are rewritten under it (each only if unchanged since it was read).`,
    NOT_AFFECTED,
    '',
  ].join('\n');
}

function resultText(r: SecretKeyResult): string {
  const was = r.areas.reduce((n, a) => ({ plaintext: n.plaintext + a.plaintext, current: n.current + a.current, new: n.new + a.new }), { plaintext: 0, current: 0, new: 0 });
  return [
    `Cluster ${r.cluster}: ${r.rewritten.length} object(s) re-encrypted under the secret key ${r.newKeyId} (${was.plaintext} were plaintext${r.currentKeyId ? `, ${was.current} under ${r.currentKeyId}` : ''}); ${was.new} were already under it.`,
    `From now on every command needs the new key (key id ${r.newKeyId}): --secret-key <file> or KOPS_SECRET_KEY.`,
    'Earlier versions of each object in a versioned bucket still hold the old ciphertext (docs/security.md, "Secrets at rest").',
    NOT_AFFECTED,
    '',
  ].join('\n');
}

function progressLine(p: SecretKeyProgress): string | undefined {
  if (p.step === 'rewritten') return `Re-encrypted ${p.path} (${p.done}/${p.total})`;
  if (p.step === 'read') return undefined;
  return p.done === p.total ? `Checked ${p.total} object(s): each decrypts with its key` : undefined;
}

export async function rotateSecretKeyCommand(c: CommandContext, name: string, raw: RotateSecretKeyFlags): Promise<void> {
  const format = parseOutputFormat(raw.output === 'text' ? 'table' : raw.output, ['table', 'yaml', 'json']);
  if (raw.forceUnlock !== undefined && !raw.yes) {
    throw new KopsError('InvalidFlag', '--force-unlock needs --yes', { hint: 'breaking a lock is only useful to re-encrypt: add --yes', exitCode: 2 });
  }
  const sources = { env: c.io.env, readFile: c.io.readFile };
  const newKey = loadNewSecretKey({ ...sources, ...(raw.newSecretKey !== undefined ? { file: raw.newSecretKey } : {}) });
  if (newKey === undefined) throw missingNewKey();
  const currentKey = loadSecretKey({ ...sources, ...(c.globals.secretKey !== undefined ? { file: c.globals.secretKey } : {}) });
  checkKeysDiffer(currentKey, newKey);
  const cs = c.clientset();
  await cs.getCluster(name); // a cluster that does not exist is said so as such
  const input = { store: cs.store, cluster: name, newKey, ...(currentKey ? { currentKey } : {}) };
  if (!raw.yes) {
    const plan = await planSecretKeyRotation(input);
    c.io.stdout(format === 'table' ? previewText(plan) : await renderDocument(planDoc(plan), format));
    if (format === 'table') c.io.stdout('\nMust specify --yes to re-encrypt the private keys and secrets\n');
    return;
  }
  const line = rotateLine(c, name, raw);
  const it = commandInterrupts(c.io, 'rotate secret-key', name, line);
  await it.run(c.io.signals, async () => {
    if (raw.forceUnlock) await forceUnlock(cs.store, name, raw.forceUnlock);
    let r: SecretKeyResult;
    try {
      r = await withClusterLock(cs.store, name, 'rotate secret-key', (lock) =>
        rotateSecretKey({
          ...input,
          signal: AbortSignal.any([it.signal, lock.signal]),
          progress: (p) => {
            lock.heartbeat();
            const l = progressLine(p);
            if (l) c.io.stderr(`${l}\n`);
          },
        }),
        it.lockHooks(),
      );
    } catch (e) {
      if (!(e instanceof SecretKeyRotationStopped)) throw e;
      const interrupted = it.signal.aborted;
      const lost = KopsError.is(e.reason, 'LockLost');
      const why = interrupted ? `interrupted by ${it.received ?? 'a signal'}` : `${e.reason instanceof Error ? e.reason.message : String(e.reason)}`;
      throw new KopsError(interrupted ? 'Interrupted' : 'SecretKeyRotationIncomplete', `${why}: ${e.message}${lost ? '' : '; the cluster lock is released'}`, {
        hint: `a re-run finishes it (objects already under the new key are skipped): ${line(['--yes'])}`,
        exitCode: interrupted ? ExitCode.INTERRUPTED : ExitCode.ERROR,
        cause: e,
      });
    }
    c.io.stdout(format === 'table' ? resultText(r) : await renderDocument({ ...planDoc(r), rewritten: r.rewritten }, format));
  });
}
