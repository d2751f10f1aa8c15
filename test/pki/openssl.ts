/** The real `openssl` on files in a temp directory: what a node's TLS stack would accept. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'kops-ts-pki-'));
}

export function writeTemp(dir: string, name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content, { mode: 0o600 });
  return p;
}

/**
 * `openssl verify -x509_strict -CAfile bundle [-purpose p] cert`: the exit status and output. `at`
 * checks at that time (`-attime`), for lifetimes.
 */
export function opensslVerify(bundlePem: string, certPem: string, opts: { purpose?: 'sslserver' | 'sslclient'; at?: Date } = {}): { ok: boolean; output: string } {
  const dir = tempDir();
  const args = ['verify', '-x509_strict', '-CAfile', writeTemp(dir, 'bundle.pem', bundlePem)];
  if (opts.purpose) args.push('-purpose', opts.purpose);
  if (opts.at) args.push('-attime', String(Math.floor(opts.at.getTime() / 1000)));
  args.push(writeTemp(dir, 'cert.pem', certPem));
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** `openssl x509 -noout -text`. */
export function opensslText(certPem: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-text'], { input: certPem, encoding: 'utf8' });
}

/** The public key of a certificate and of a private key, as openssl prints them (to compare). */
export function opensslPubkeyOfCert(certPem: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-pubkey'], { input: certPem, encoding: 'utf8' });
}

export function opensslPubkeyOfKey(keyPem: string): string {
  return execFileSync('openssl', ['pkey', '-pubout'], { input: keyPem, encoding: 'utf8' });
}
