/**
 * `--aws-connect-timeout` / `--aws-request-timeout` (env `KOPS_AWS_CONNECT_TIMEOUT`,
 * `KOPS_AWS_REQUEST_TIMEOUT`): Go-style durations (`500ms`, `5s`, `1m30s`), as kops's and kubectl's
 * duration flags take them. The flag wins over the environment; unset means the defaults
 * (connect 5s, request 60s). Zero is refused: every wait is bounded.
 */
import type { AwsTimeouts } from '../cloud/aws/endpoint.js';
import { KopsError } from '../diagnostics.js';
import { parseDuration } from '../text/duration.js';

export { parseDuration } from '../text/duration.js';

function one(flag: string, env: string, flagValue: string | undefined, envValue: string | undefined): number | undefined {
  const [value, from] = flagValue !== undefined ? [flagValue, flag] : envValue?.trim() ? [envValue, env] : [undefined, ''];
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    throw new KopsError('InvalidFlag', `${from} ${JSON.stringify(value)}: expected a duration above zero such as 500ms, 5s or 1m30s`, {
      hint: `e.g. ${flag} 10s`,
      exitCode: 2,
    });
  }
  return ms;
}

export function awsTimeoutsFrom(flags: { awsConnectTimeout?: string; awsRequestTimeout?: string }, env: Readonly<Record<string, string | undefined>>): AwsTimeouts {
  const connectMs = one('--aws-connect-timeout', 'KOPS_AWS_CONNECT_TIMEOUT', flags.awsConnectTimeout, env.KOPS_AWS_CONNECT_TIMEOUT);
  const requestMs = one('--aws-request-timeout', 'KOPS_AWS_REQUEST_TIMEOUT', flags.awsRequestTimeout, env.KOPS_AWS_REQUEST_TIMEOUT);
  return { ...(connectMs !== undefined ? { connectMs } : {}), ...(requestMs !== undefined ? { requestMs } : {}) };
}
