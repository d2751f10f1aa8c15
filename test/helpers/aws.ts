/**
 * AWS access for tests: the emulator endpoint from globalSetup, and a fresh emulator account per
 * call, so test files never see each other's resources.
 *
 * How a request names its account differs by emulator (`accountAccess`): LocalStack takes a
 * 12-digit access key id as the account id; moto ignores the access key for that (it maps only
 * keys its own IAM issued) and reads its `x-moto-account-id` header instead, a header that is
 * moto's alone. Every test client sends the account as its access key id, and the header only
 * where moto may be the emulator.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { inject } from 'vitest';
import { AwsClients, RequestCounter, type AwsClientOptions, type AwsRequestHook } from '../../src/cloud/aws/clients.js';

export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

export function awsEndpoint(): string {
  return inject('awsEndpoint');
}

/** A fresh 12-digit emulator account id. */
export function newAccountId(): string {
  return String(randomInt(100_000_000_000, 999_999_999_999));
}

export function accountHook(account: string): AwsRequestHook {
  return (req) => {
    req.headers['x-moto-account-id'] = account;
  };
}

/** The emulator globalSetup started: `moto`, `localstack`, or `external` (`AWS_TEST_ENDPOINT`: either). */
export type EmulatorKind = 'moto' | 'localstack' | 'external';

export function emulatorKind(): EmulatorKind {
  const e = inject('emulator');
  if (e === 'moto' || e === 'localstack' || e === 'external') return e;
  throw new Error(`test setup: unknown emulator "${e}" (expected moto, localstack or external)`);
}

/**
 * Credentials and hooks that put every request in `account`: the account id as access key id
 * (LocalStack's way) and, unless the emulator is known to be LocalStack, moto's header.
 */
export function accountAccess(account: string, emulator: EmulatorKind = emulatorKind()): { credentials: { accessKeyId: string; secretAccessKey: string }; hooks: AwsRequestHook[] } {
  if (!/^\d{12}$/.test(account)) throw new Error(`test setup: account "${account}" is not a 12-digit AWS account id`);
  return {
    credentials: { accessKeyId: account, secretAccessKey: TEST_CREDENTIALS.secretAccessKey },
    hooks: emulator === 'localstack' ? [] : [accountHook(account)],
  };
}

export interface TestAws {
  readonly account: string;
  readonly endpoint: string;
  readonly clients: AwsClients;
  readonly counter: RequestCounter;
  /** Options to build more clients in the same account (e.g. for the code under test). */
  readonly options: AwsClientOptions;
}

/** Clients in a new, empty emulator account. maxAttempts 1: moto's 500s for unimplemented calls fail fast. */
export function testAws(opts: { region?: string; maxAttempts?: number; endpoint?: string; emulator?: EmulatorKind } = {}): TestAws {
  const account = newAccountId();
  const counter = new RequestCounter();
  const endpoint = opts.endpoint ?? awsEndpoint();
  const access = accountAccess(account, opts.emulator ?? emulatorKind());
  const options: AwsClientOptions = {
    region: opts.region ?? 'us-east-1',
    endpoint,
    credentials: access.credentials,
    maxAttempts: opts.maxAttempts ?? 1,
    hooks: [...access.hooks, counter.hook],
  };
  return { account, endpoint, clients: new AwsClients(options), counter, options };
}

/** A bucket name no other test uses (S3 names are global even across emulator accounts). */
export function uniqueBucket(prefix = 'kops-ts-test'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}
