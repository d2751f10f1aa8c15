/** The global flags every command shares, resolved once: state store, cluster name, verbosity. */
import { KopsError, error } from '../diagnostics.js';
import { isValidClusterName } from '../model/validation-util.js';
import type { Clientset } from '../statestore/clientset.js';
import type { AwsTimeouts } from '../cloud/aws/endpoint.js';
import type { S3Encryption } from '../statestore/s3.js';
import { awsTimeoutsFrom } from './timeouts.js';
import type { CliIO } from './io.js';

export interface GlobalOptions {
  readonly state?: string;
  readonly name?: string;
  readonly v?: string;
  readonly awsConnectTimeout?: string;
  readonly awsRequestTimeout?: string;
  /** `--secret-key <file>`: the envelope key (src/secrets/key.ts). */
  readonly secretKey?: string;
  /** `--state-kms-key <key>`: SSE-KMS for s3:// state-store writes. */
  readonly stateKmsKey?: string;
}

export interface CommandContext {
  readonly io: CliIO;
  readonly globals: GlobalOptions;
  readonly verbose: boolean;
  clientset(): Clientset;
  /** `--aws-connect-timeout` / `--aws-request-timeout` (or their env variables); checked on first use. */
  awsTimeouts(): AwsTimeouts;
  /** `--name`, the positional name, or `KOPS_CLUSTER_NAME`; an error naming all three when none. */
  clusterName(positional?: string): string;
  warn(message: string): void;
}

/** The state-store modules (and the YAML codec under them): loaded before an action that may use the store. */
type StoreModules = typeof import('./context-store.js');
let storeModules: StoreModules | undefined;

/**
 * Imports the state-store modules. main.ts runs it before every action except those that never
 * open a store (`version`, `completion`), so that those start without them; `clientset()` needs it.
 */
export async function loadStoreModules(): Promise<void> {
  storeModules ??= await import('./context-store.js');
}

function store(): StoreModules {
  if (!storeModules) throw new Error('internal error: the state-store modules were not loaded before the command ran (loadStoreModules in src/cli/main.ts)');
  return storeModules;
}

export function commandContext(io: CliIO, globals: GlobalOptions, opts: { allowMemoryStore?: boolean } = {}): CommandContext {
  let cs: Clientset | undefined;
  return {
    io,
    globals,
    verbose: Number(globals.v ?? 0) > 0,
    clientset() {
      if (!cs) {
        const { Clientset, defaultRegion, loadSecretKey, openStateStore, parseStateStoreURL, resolveStateStoreURL } = store();
        const env = io.env as NodeJS.ProcessEnv;
        const url = resolveStateStoreURL(globals.state, env);
        if (!opts.allowMemoryStore) refuseMemoryStore(url, globals.state?.trim() ? '--state' : 'KOPS_STATE_STORE');
        const secretKey = loadSecretKey({ ...(globals.secretKey !== undefined ? { file: globals.secretKey } : {}), env: io.env, readFile: io.readFile });
        const gs = parseStateStoreURL(url).scheme === 'gs';
        const s3Encryption = gs ? undefined : stateKmsKey(globals, env);
        const kmsKeyName = gs ? gcsKmsKey(globals, env) : undefined;
        cs = new Clientset(
          openStateStore(url, {
            env,
            aws: { region: defaultRegion(env), timeouts: this.awsTimeouts() },
            ...(secretKey ? { secretKey } : {}),
            ...(s3Encryption ? { s3Encryption } : {}),
            ...(kmsKeyName ? { gcs: { kmsKeyName } } : {}),
          }),
        );
      }
      return cs;
    },
    awsTimeouts() {
      return awsTimeoutsFrom(globals, io.env);
    },
    clusterName(positional) {
      // Two different names typed on one line: which one is meant cannot be told (kops refuses it
      // too); going with either could delete or change the other cluster than the user meant.
      if (positional !== undefined && globals.name !== undefined && positional !== globals.name) {
        throw new KopsError('AmbiguousClusterName', `two cluster names given: ${positional} (the argument) and ${globals.name} (--name)`, { hint: 'give the cluster once, as the argument or with --name', exitCode: 2 });
      }
      const name = positional ?? globals.name ?? io.env.KOPS_CLUSTER_NAME;
      if (!name) {
        throw new KopsError('MissingClusterName', 'no cluster name given', { hint: 'pass --name <cluster>, give it as an argument, or set KOPS_CLUSTER_NAME', exitCode: 2 });
      }
      checkClusterName(name, positional !== undefined ? 'the cluster argument' : globals.name !== undefined ? '--name' : 'KOPS_CLUSTER_NAME');
      return name;
    },
    warn(message) {
      io.stderr(`warning: ${message}\n`);
    },
  };
}

/** `--state-kms-key`, else `KOPS_STATE_S3_KMS_KEY`: SSE-KMS with that key on every s3:// write. */
function stateKmsKey(globals: GlobalOptions, env: NodeJS.ProcessEnv): S3Encryption | undefined {
  const fromFlag = globals.stateKmsKey?.trim();
  const key = fromFlag || env.KOPS_STATE_S3_KMS_KEY?.trim();
  if (!key) return undefined;
  if (!/^[A-Za-z0-9:/_+=,.@-]{1,2048}$/.test(key)) {
    const summary = 'the KMS key for the state store is not a key id, ARN or alias';
    const source = fromFlag ? '--state-kms-key' : 'KOPS_STATE_S3_KMS_KEY';
    throw new KopsError('InvalidKMSKey', summary, {
      exitCode: 2,
      diagnostics: [error('InvalidKMSKey', summary, { path: source, hint: 'give a key id, a key ARN or alias/<name>, e.g. alias/kops-state' })],
    });
  }
  return { kmsKeyId: key };
}

/**
 * `KOPS_STATE_GCS_KMS_KEY`: a Cloud KMS key every gs:// state-store write requests. `--state-kms-key`
 * is S3's (an id, ARN or alias): given with a gs:// store it is refused rather than ignored.
 */
function gcsKmsKey(globals: GlobalOptions, env: NodeJS.ProcessEnv): string | undefined {
  if (globals.stateKmsKey?.trim()) {
    const summary = '--state-kms-key applies to s3:// state stores only';
    const hint = 'for a gs:// store set KOPS_STATE_GCS_KMS_KEY=projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>';
    throw new KopsError('InvalidKMSKey', summary, { exitCode: 2, diagnostics: [error('InvalidKMSKey', summary, { path: '--state-kms-key', hint })] });
  }
  const key = env.KOPS_STATE_GCS_KMS_KEY?.trim();
  if (!key) return undefined;
  if (!/^projects\/[^/\s]+\/locations\/[^/\s]+\/keyRings\/[^/\s]+\/cryptoKeys\/[^/\s]+$/.test(key)) {
    const summary = 'the KMS key for the gs:// state store is not a Cloud KMS key name';
    const hint = 'give projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>';
    throw new KopsError('InvalidKMSKey', summary, { exitCode: 2, diagnostics: [error('InvalidKMSKey', summary, { path: 'KOPS_STATE_GCS_KMS_KEY', hint })] });
  }
  return key;
}

/**
 * A cluster name from the command line is checked as a DNS name before anything touches the store:
 * `--name ../../etc` is a usage error (exit 2), not a path. The rule is validation's (a lower-case
 * DNS-1123 subdomain with a dot), so no cluster that could exist is refused.
 */
export function checkClusterName(name: string, source: string): void {
  if (isValidClusterName(name)) return;
  const summary = `${JSON.stringify(name)} is not a valid cluster name: it must be a lower-case DNS name with at least one dot`;
  const hint = 'use a name such as my-cluster.example.com';
  throw new KopsError('InvalidClusterName', summary, { exitCode: 2, diagnostics: [error('InvalidClusterName', summary, { path: source, hint })] });
}

/**
 * The memory store lives only as long as the process: from the CLI, "created" would be a lie the
 * next command finds out. It is for tests and the library; the CLI refuses it.
 */
function refuseMemoryStore(url: string, source: string): void {
  if (store().parseStateStoreURL(url).scheme !== 'memory') return;
  const summary = `${url} is an in-memory store, which lives only as long as one command`;
  const hint = 'the memory store is for tests and the library; for a local trial use file:// (e.g. --state file://$HOME/.kops-ts/state), else s3://bucket (AWS) or gs://bucket (GCE)';
  throw new KopsError('MemoryStateStore', summary, { exitCode: 2, diagnostics: [error('MemoryStateStore', summary, { path: source, hint })] });
}
