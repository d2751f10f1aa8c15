/** The global flags every command shares, resolved once: state store, cluster name, verbosity. */
import { KopsError } from '../diagnostics.js';
import { Clientset } from '../statestore/clientset.js';
import type { AwsTimeouts } from '../cloud/aws/endpoint.js';
import { defaultRegion, openStateStore, resolveStateStoreURL } from '../statestore/open.js';
import { awsTimeoutsFrom } from './timeouts.js';
import type { CliIO } from './io.js';

export interface GlobalOptions {
  readonly state?: string;
  readonly name?: string;
  readonly v?: string;
  readonly awsConnectTimeout?: string;
  readonly awsRequestTimeout?: string;
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

export function commandContext(io: CliIO, globals: GlobalOptions): CommandContext {
  let cs: Clientset | undefined;
  return {
    io,
    globals,
    verbose: Number(globals.v ?? 0) > 0,
    clientset() {
      const env = io.env as NodeJS.ProcessEnv;
      cs ??= new Clientset(openStateStore(resolveStateStoreURL(globals.state, env), { env, aws: { region: defaultRegion(env), timeouts: this.awsTimeouts() } }));
      return cs;
    },
    awsTimeouts() {
      return awsTimeoutsFrom(globals, io.env);
    },
    clusterName(positional) {
      const name = positional ?? globals.name ?? io.env.KOPS_CLUSTER_NAME;
      if (!name) {
        throw new KopsError('MissingClusterName', 'no cluster name given', { hint: 'pass --name <cluster>, give it as an argument, or set KOPS_CLUSTER_NAME', exitCode: 2 });
      }
      return name;
    },
    warn(message) {
      io.stderr(`warning: ${message}\n`);
    },
  };
}
