/**
 * AWS access for tests: the emulator endpoint from globalSetup, and a fresh emulator account per
 * call (moto keeps fully separate state per `x-moto-account-id`), so test files never see each
 * other's resources.
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

export interface TestAws {
  readonly account: string;
  readonly endpoint: string;
  readonly clients: AwsClients;
  readonly counter: RequestCounter;
  /** Options to build more clients in the same account (e.g. for the code under test). */
  readonly options: AwsClientOptions;
}

/** Clients in a new, empty emulator account. maxAttempts 1: moto's 500s for unimplemented calls fail fast. */
export function testAws(opts: { region?: string; maxAttempts?: number } = {}): TestAws {
  const account = newAccountId();
  const counter = new RequestCounter();
  const options: AwsClientOptions = {
    region: opts.region ?? 'us-east-1',
    endpoint: awsEndpoint(),
    credentials: TEST_CREDENTIALS,
    maxAttempts: opts.maxAttempts ?? 1,
    hooks: [accountHook(account), counter.hook],
  };
  return { account, endpoint: awsEndpoint(), clients: new AwsClients(options), counter, options };
}

/** A bucket name no other test uses (S3 names are global even across emulator accounts). */
export function uniqueBucket(prefix = 'kops-ts-test'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}
