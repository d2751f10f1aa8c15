/**
 * The environment a test gives the CLI (run in-process or as a child) to reach its emulator account.
 * The CLI's own AWS clients send no account header, so the test account issues an IAM user's access
 * key and the CLI signs with it: moto (and LocalStack) put a request in the account whose IAM issued
 * its key.
 */
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { vi } from 'vitest';
import type { TestAws } from './aws.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../fakes/aws-fault-proxy.js';

export interface OperatorEnvOptions {
  /** The endpoint the CLI talks to (default the emulator's; e.g. a fault proxy in front of it). */
  readonly endpoint?: string;
  /** Also set it in this process's environment (`vi.stubEnv`): the in-process CLI's SDK reads it there. Default true. */
  readonly stub?: boolean;
}

/** `AWS_ENDPOINT_URL`, the key of a new IAM user `operator` in `aws`'s account, and `AWS_REGION` us-east-1. */
export async function operatorEnv(aws: TestAws, o: OperatorEnvOptions = {}): Promise<Record<string, string>> {
  await aws.clients.iam.send(new CreateUserCommand({ UserName: 'operator' }));
  const key = (await aws.clients.iam.send(new CreateAccessKeyCommand({ UserName: 'operator' }))).AccessKey!;
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL: o.endpoint ?? aws.endpoint,
    AWS_ACCESS_KEY_ID: key.AccessKeyId!,
    AWS_SECRET_ACCESS_KEY: key.SecretAccessKey!,
    AWS_REGION: 'us-east-1',
  };
  if (o.stub ?? true) for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  return env;
}

/**
 * A fault proxy in front of `aws`'s emulator that hands every request to `record` in the order
 * they arrive, made the CLI's endpoint: in `env` and in this process's environment (the in-process
 * CLI's SDK reads it there). Close it, and unstub the environment, when done.
 */
export async function recordThroughProxy(aws: TestAws, env: Record<string, string>, record: (q: ProxiedRequest) => void): Promise<FaultProxy> {
  const proxy = await startFaultProxy(aws.endpoint, {}, { beforeForward: (q) => void record(q) });
  env.AWS_ENDPOINT_URL = proxy.endpoint;
  vi.stubEnv('AWS_ENDPOINT_URL', proxy.endpoint);
  return proxy;
}
