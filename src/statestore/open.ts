/**
 * Choosing and opening a state store from its URL: `--state`, else `KOPS_STATE_STORE`.
 *
 * Supported: `s3://bucket[/prefix]`, `gs://bucket[/prefix]`, `file:///abs/path` (or a bare
 * absolute path, as kops accepts) and `memory://name` (tests, in-process runs).
 */
import { isAbsolute, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AwsClients, AwsClientOptions } from '../cloud/aws/clients.js';
import { KopsError } from '../diagnostics.js';
import { FileStateStore, type FileStateStoreOptions } from './file.js';
import { GcsStateStore, type GcsStateStoreOptions } from './gcs.js';
import { LazyStateStore } from './lazy.js';
import { EnvelopeStateStore } from './envelope.js';
import { MemoryStateStore } from './memory.js';
import type { S3Encryption } from './s3.js';
import { StateErrorCode, type StateStore } from './types.js';

export const SUPPORTED_STATE_STORE_FORMS = ['s3://bucket[/prefix]', 'gs://bucket[/prefix]', 'file:///abs/path', 'memory://name'] as const;

export type ParsedStateStoreURL =
  | { readonly scheme: 's3'; readonly bucket: string; readonly prefix: string }
  | { readonly scheme: 'gs'; readonly bucket: string; readonly prefix: string }
  | { readonly scheme: 'file'; readonly path: string }
  | { readonly scheme: 'memory'; readonly name: string };

export interface OpenStateStoreOptions {
  /** Client options for `s3://` (region, credentials; tests add an endpoint and hooks). */
  readonly aws?: AwsClientOptions;
  /** Reuse the run's clients instead (shares retry state and request counting). */
  readonly awsClients?: AwsClients;
  /** `s3://` server-side encryption; default `auto` (see s3.ts). */
  readonly s3Encryption?: S3Encryption;
  /**
   * `gs://` options: a KMS key, an endpoint (default `STORAGE_EMULATOR_HOST` from `env`), retries
   * (gcs.ts). The client library is loaded on the store's first operation.
   */
  readonly gcs?: Partial<Omit<GcsStateStoreOptions, 'bucket' | 'prefix'>>;
  /** `file://` lock tuning (tests). */
  readonly file?: FileStateStoreOptions;
  /** Where `AWS_REGION` / `AWS_DEFAULT_REGION` and `STORAGE_EMULATOR_HOST` are read (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The 32-byte envelope key (src/secrets/key.ts loads it from `--secret-key` / `KOPS_SECRET_KEY`):
   * private keys and secrets are encrypted with it client-side (envelope.ts). Without it they are
   * written as they are, and reading an encrypted one fails with `SecretKeyRequired`.
   */
  readonly secretKey?: Uint8Array;
}

/**
 * Opens the store at `url`; nothing is contacted until the first operation. The backend is wrapped
 * in the envelope decorator, so `<cluster>/pki/private/*` and `<cluster>/secrets/*` are encrypted
 * with `opts.secretKey` when one is given and never returned as ciphertext.
 */
export function openStateStore(url: string, opts: OpenStateStoreOptions = {}): StateStore {
  return new EnvelopeStateStore(openBackend(url, opts), opts.secretKey);
}

function openBackend(url: string, opts: OpenStateStoreOptions): StateStore {
  const parsed = parseStateStoreURL(url);
  switch (parsed.scheme) {
    case 'memory':
      return new MemoryStateStore(parsed.name);
    case 'file':
      return new FileStateStore(parsed.path, opts.file);
    case 's3': {
      // The AWS SDK is imported on the store's first operation, not when it is opened: a command
      // that never reads its store (or reads a file:// one) does not pay for loading it.
      const { bucket, prefix } = parsed;
      return new LazyStateStore(prefix === '' ? `s3://${bucket}` : `s3://${bucket}/${prefix}`, async () => {
        const [{ S3StateStore }, { AwsClients }] = await Promise.all([import('./s3.js'), import('../cloud/aws/clients.js')]);
        const clients = opts.awsClients ?? new AwsClients(opts.aws ?? { region: defaultRegion(opts.env ?? process.env) });
        return new S3StateStore({ bucket, prefix, client: clients.s3, ...(opts.s3Encryption ? { serverSideEncryption: opts.s3Encryption } : {}) });
      });
    }
    case 'gs':
      return new GcsStateStore({ env: opts.env ?? process.env, ...opts.gcs, bucket: parsed.bucket, prefix: parsed.prefix });
  }
}

/** `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`. */
export function defaultRegion(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
}

/** The store URL: the `--state` flag, else `KOPS_STATE_STORE`, else a `MissingStateStore` error. */
export function resolveStateStoreURL(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const url = flag?.trim() || env.KOPS_STATE_STORE?.trim();
  if (url) return url;
  throw new KopsError('MissingStateStore', 'no state store given', {
    hint: 'pass --state or set KOPS_STATE_STORE, e.g. KOPS_STATE_STORE=s3://my-bucket, or file://$HOME/.kops-ts/state for a local trial',
    exitCode: 2,
  });
}

/** Parses and checks a state-store URL; an unsupported or malformed one is `InvalidStateStoreURL`. */
export function parseStateStoreURL(url: string): ParsedStateStoreURL {
  const raw = url.trim();
  if (raw.startsWith('/')) return { scheme: 'file', path: checkFilePath(url, normalize(raw)) };
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/.exec(raw);
  if (!m) throw invalidURL(url, 'it is not a URL or an absolute path');
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  switch (scheme) {
    case 's3':
      return parseS3(url, rest);
    case 'file':
      return { scheme: 'file', path: checkFilePath(url, fileURLPath(url, raw)) };
    case 'memory':
      if (rest === '' || !/^[A-Za-z0-9._-]+$/.test(rest)) throw invalidURL(url, 'the name after memory:// must be letters, digits, ".", "_" or "-"');
      return { scheme: 'memory', name: rest };
    case 'gs':
      return parseGs(url, rest);
    default:
      throw invalidURL(url, `the scheme "${scheme}://" is not supported`);
  }
}

function parseS3(url: string, rest: string): ParsedStateStoreURL {
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = (slash < 0 ? '' : rest.slice(slash + 1)).replace(/\/+$/, '');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    throw invalidURL(url, `"${bucket}" is not a valid S3 bucket name (3-63 lowercase letters, digits, "." and "-")`);
  }
  if (prefix !== '' && prefix.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw invalidURL(url, 'the prefix after the bucket has an empty, "." or ".." segment');
  }
  return { scheme: 's3', bucket, prefix };
}

/**
 * GCS bucket names: 3-63 characters of lowercase letters, digits, `-`, `_` and `.` (up to 222 with
 * dots, each dot-separated part at most 63), starting and ending with a letter or digit.
 */
function parseGs(url: string, rest: string): ParsedStateStoreURL {
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = (slash < 0 ? '' : rest.slice(slash + 1)).replace(/\/+$/, '');
  const valid =
    /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(bucket) &&
    bucket.length >= 3 &&
    bucket.length <= (bucket.includes('.') ? 222 : 63) &&
    bucket.split('.').every((part) => part.length > 0 && part.length <= 63) &&
    !bucket.startsWith('goog');
  if (!valid) {
    throw invalidURL(url, `"${bucket}" is not a valid GCS bucket name (3-63 lowercase letters, digits, "-", "_" and ".", starting and ending with a letter or digit)`);
  }
  if (prefix !== '' && prefix.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw invalidURL(url, 'the prefix after the bucket has an empty, "." or ".." segment');
  }
  return { scheme: 'gs', bucket, prefix };
}

function fileURLPath(url: string, raw: string): string {
  try {
    return fileURLToPath(raw);
  } catch (e) {
    throw invalidURL(url, 'a file URL needs an absolute path and no host: file:///abs/path', e);
  }
}

function checkFilePath(url: string, path: string): string {
  if (!isAbsolute(path)) throw invalidURL(url, 'the path must be absolute');
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') throw invalidURL(url, 'the path must name a folder, not the filesystem root');
  return trimmed;
}

function invalidURL(url: string, why: string, cause?: unknown): KopsError {
  return new KopsError(StateErrorCode.InvalidURL, `invalid state store URL "${url}": ${why}`, {
    // memory:// is named as what it is: the CLI refuses it (nothing in it outlives the command).
    hint: `use one of ${SUPPORTED_STATE_STORE_FORMS.filter((f) => !f.startsWith('memory:')).join(', ')} (memory://name only in tests and the library)`,
    exitCode: 2,
    ...(cause !== undefined ? { cause } : {}),
  });
}
