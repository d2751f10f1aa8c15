/**
 * The redaction at the CLI's printing boundary: everything a command writes to stdout or stderr
 * (tables, YAML, error lines, `-v` stack traces) passes through `redact` first, so a private key or
 * secret that reached a message by mistake is replaced before it is printed.
 *
 * What is removed:
 * - PEM private keys (`-----BEGIN ... PRIVATE KEY-----` to its END line, or to the end of the text
 *   when the END is missing), and the same base64-encoded (as in a keyset's `privateMaterial`);
 * - `privateMaterial: ...` values (kops's keyset field) and `"Data": "..."` values (kops's secret
 *   file shape);
 * - the secret half of kubeadm bootstrap tokens (`abcdef.0123456789abcdef`: the id stays);
 * - every value registered with `registerSecretValue` (the secrets this process generated or read,
 *   the envelope key).
 *
 * Certificates (public) are left alone.
 */
import type { CliIO } from '../cli/io.js';

export const REDACTED = '<redacted>';

const known = new Set<string>();

/** Values shorter than this are not registered: they would redact ordinary words. */
const MIN_SECRET_CHARS = 8;

/** Remembers a secret value (and its base64 form) so `redact` removes it wherever it appears. */
export function registerSecretValue(value: string | Uint8Array): void {
  const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
  const b64 = Buffer.from(typeof value === 'string' ? Buffer.from(value, 'utf8') : value).toString('base64');
  for (const v of [text, b64]) if (v.trim().length >= MIN_SECRET_CHARS) known.add(v.trim());
}

/** Forgets the registered values (tests). */
export function clearSecretValues(): void {
  known.clear();
}

const PEM_PRIVATE = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g;
/** base64 of "-----BEGIN" at any of the three alignments a longer base64 text may put it. */
const B64_PEM = /LS0tLS1CRUdJTi[A-Za-z0-9+/=]*/g;
const PRIVATE_MATERIAL = /(privateMaterial["']?\s*:\s*)("[^"\n]*"|'[^'\n]*'|[^\s,}]+)/g;
const DATA_FIELD = /("Data"\s*:\s*)"[^"]*"/g;
const BOOTSTRAP_TOKEN = /(?<![\w.-])([a-z0-9]{6})\.[a-z0-9]{16}(?![\w.-])/g;

export function redact(text: string): string {
  let out = text.replace(PEM_PRIVATE, `-----BEGIN $1PRIVATE KEY----- ${REDACTED}`);
  out = out.replace(B64_PEM, (m) => (Buffer.from(m, 'base64').toString('latin1').includes('PRIVATE KEY') ? REDACTED : m));
  out = out.replace(PRIVATE_MATERIAL, `$1${REDACTED}`);
  out = out.replace(DATA_FIELD, `$1"${REDACTED}"`);
  out = out.replace(BOOTSTRAP_TOKEN, `$1.${REDACTED}`);
  // Longest first, so a value containing another is removed whole.
  for (const v of [...known].sort((a, b) => b.length - a.length)) if (out.includes(v)) out = out.split(v).join(REDACTED);
  return out;
}

/** `io` with its stdout and stderr passed through `redact`. */
export function redactingIO(io: CliIO): CliIO {
  return { ...io, stdout: (t) => io.stdout(redact(t)), stderr: (t) => io.stderr(redact(t)) };
}
