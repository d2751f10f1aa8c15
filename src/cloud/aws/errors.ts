/**
 * What an AWS error means for the executor: worth retrying (throttling, a service hiccup, eventual
 * consistency right after a create, a flaky connection) or not (everything else: a bad
 * parameter stays bad).
 *
 * The SDK already retries throttling and 5xx a few times per call (adaptive mode, see
 * `clients.ts`); the executor's retry, with backoff until the task's deadline, covers what
 * outlasts those attempts and, above all, eventual consistency, which the SDK does not know about.
 *
 * The eventual-consistency "not found" codes are retried only for what this run created a short
 * while ago (`ConsistencyContext`): the same code for an id found at plan time that has gone since
 * will never succeed, and retrying it until the task's deadline only hides the problem.
 *
 * Shapes: SDK v3 service errors carry the AWS code as `name` (and `Code` for EC2's XML errors) and
 * the HTTP status in `$metadata.httpStatusCode`; Node network errors carry `code` (`ECONNRESET`).
 */

import { AwsEndpointError, ENDPOINT_TIMEOUT } from './endpoint.js';

export interface AwsErrorInfo {
  /** The AWS error code (`InvalidVpcID.NotFound`), the network error code, or `Error`. */
  readonly code: string;
  readonly message: string;
  readonly httpStatus?: number;
  readonly requestId?: string;
}

interface ErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
  $retryable?: { throttling?: unknown };
  cause?: unknown;
}

function shape(e: unknown): ErrorShape {
  return typeof e === 'object' && e !== null ? (e as ErrorShape) : {};
}

/** The code that names an AWS (or network) error: `Code`, then a non-generic `name`, then `code`. */
export function awsErrorCode(e: unknown): string | undefined {
  const s = shape(e);
  if (typeof s.Code === 'string' && s.Code !== '') return s.Code;
  if (typeof s.name === 'string' && s.name !== '' && s.name !== 'Error' && s.name !== 'KopsError') return s.name;
  if (typeof s.code === 'string' && s.code !== '') return s.code;
  return undefined;
}

export function describeAwsError(e: unknown): AwsErrorInfo {
  const s = shape(e);
  const status = s.$metadata?.httpStatusCode;
  const requestId = s.$metadata?.requestId;
  return {
    code: awsErrorCode(e) ?? 'Error',
    message: typeof s.message === 'string' ? s.message : String(e),
    ...(typeof status === 'number' ? { httpStatus: status } : {}),
    ...(typeof requestId === 'string' ? { requestId } : {}),
  };
}

/** One line for messages: `InvalidVpcID.NotFound: The vpc ID 'vpc-1' does not exist (HTTP 400)`. */
export function formatAwsError(e: unknown): string {
  const d = describeAwsError(e);
  return `${d.code}: ${d.message}${d.httpStatus !== undefined ? ` (HTTP ${d.httpStatus})` : ''}`;
}

/** Throttling and transient service faults. */
const TRANSIENT = new Set([
  'RequestLimitExceeded', // EC2
  'Throttling', // IAM, Auto Scaling, ELB
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown', // S3
  'PriorRequestNotComplete', // Route 53: a change to the same zone is still in flight
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'Unavailable',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError', // the SDK's socket timeout
  'EC2ThrottledException',
]);

/**
 * "Not found" codes of things this run has just created: EC2 reads are eventually consistent, so
 * using a VPC, subnet, group, ... right after creating it can fail this way for a few seconds.
 * (A shared resource given by a wrong id is caught at plan time, before apply.)
 */
const EVENTUALLY_CONSISTENT = new Set([
  'InvalidVpcID.NotFound',
  'InvalidSubnetID.NotFound',
  'InvalidGroup.NotFound',
  'InvalidRouteTableID.NotFound',
  'InvalidInternetGatewayID.NotFound',
  'InvalidAllocationID.NotFound',
  'InvalidNatGatewayID.NotFound',
  'InvalidDhcpOptionID.NotFound',
  'InvalidNetworkInterfaceID.NotFound',
  'InvalidInstanceID.NotFound',
  'InvalidVolume.NotFound',
  'InvalidKeyPair.NotFound',
  'InvalidLaunchTemplateId.NotFound',
  'InvalidLaunchTemplateName.NotFoundException',
]);

/**
 * Connection-level failures worth another try. A refused connection is one too (an endpoint
 * restarting, an outage): the run's `EndpointHealth` stops it early when the endpoint stays down.
 * ENOTFOUND (a name that does not resolve) is configuration, not retried.
 */
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET']);

/**
 * IAM is eventually consistent towards EC2 and Auto Scaling: an instance profile just created is
 * rejected for some seconds by CreateLaunchTemplate / RunInstances (`InvalidParameterValue:
 * Invalid IAM Instance Profile name`) and CreateAutoScalingGroup (`ValidationError: Invalid
 * IamInstanceProfile`). IAM's own `NoSuchEntity` is NOT retried: it also means a real mistake.
 */
function isIamPropagation(code: string, message: string): boolean {
  if (code !== 'InvalidParameterValue' && code !== 'ValidationError') return false;
  return /invalid iam ?instance ?profile/i.test(message) || (code === 'InvalidParameterValue' && /iamInstanceProfile/i.test(message));
}

export function isThrottlingAwsError(e: unknown): boolean {
  const s = shape(e);
  if (s.$retryable?.throttling === true) return true;
  const code = awsErrorCode(e);
  return code !== undefined && /^(RequestLimitExceeded|Throttl|TooManyRequests|SlowDown|RequestThrottled|EC2ThrottledException)/.test(code);
}

/**
 * What an error means for retrying:
 * - `throttling`, `server` (5xx, internal errors), `connection` (refused, reset, unreachable) and
 *   `timeout` (no answer within the request timeout) can succeed later: retried;
 * - `eventual-consistency`: a "not found" of something just created, or an instance profile EC2
 *   does not see yet: retried only while it is fresh (see `ConsistencyContext`);
 * - `fatal`: everything else (validation, access denied, limits, a DNS name that does not resolve).
 */
export type AwsErrorClass = 'throttling' | 'server' | 'connection' | 'timeout' | 'eventual-consistency' | 'fatal';

export function classifyAwsError(e: unknown): AwsErrorClass {
  if (e instanceof AwsEndpointError) {
    if (e.name === ENDPOINT_TIMEOUT) return 'timeout';
    return e.failure === 'host not found' ? 'fatal' : 'connection';
  }
  const { code, message, httpStatus } = describeAwsError(e);
  if (isThrottlingAwsError(e) || httpStatus === 429) return 'throttling';
  if (code === 'TimeoutError' || code === 'RequestTimeout' || code === 'RequestTimeoutException') return 'timeout';
  if (TRANSIENT.has(code) || httpStatus === 502 || httpStatus === 503 || httpStatus === 504) return 'server';
  if (EVENTUALLY_CONSISTENT.has(code) || isIamPropagation(code, message)) return 'eventual-consistency';
  if (NETWORK.has(code)) return 'connection';
  // A network error wrapped by the SDK or by fetch.
  const cause = shape(e).cause;
  if (cause !== undefined && cause !== e && NETWORK.has(awsErrorCode(cause) ?? '')) return 'connection';
  return 'fatal';
}

/**
 * What a run knows about the age of what an error names (`apply.ts` builds it): `fresh` if the run
 * created it within its consistency window, `old` if it was found at plan time (or created long
 * ago), `unknown` otherwise.
 */
export interface ConsistencyContext {
  freshness(value: string): 'fresh' | 'old' | 'unknown';
  /** Whether the run created anything within the window. */
  readonly anyFresh: boolean;
}

/**
 * Throttling, 5xx, connection failures and timeouts; eventual consistency after a create. With a
 * `ConsistencyContext`, a "not found" is retried only if it names something fresh, or names
 * nothing the run knows as old while something was created recently; without one (no knowledge),
 * it is retried.
 */
export function isRetryableAwsError(e: unknown, consistency?: ConsistencyContext): boolean {
  const cls = classifyAwsError(e);
  if (cls === 'fatal') return false;
  if (cls !== 'eventual-consistency' || consistency === undefined) return true;
  const named = namedValues(describeAwsError(e).message);
  const ages = named.map((v) => consistency.freshness(v));
  if (ages.includes('fresh')) return true;
  if (ages.includes('old')) return false;
  return consistency.anyFresh;
}

/** The ids and names an AWS message quotes: `'vpc-1'`, `"x"`, `(nodes.example.com)`, bare `sg-0123abcd`. */
export function namedValues(message: string): string[] {
  const out = new Set<string>();
  for (const m of message.matchAll(/'([^'\s]+)'|"([^"\s]+)"|\(([^()\s]+)\)/g)) out.add((m[1] ?? m[2] ?? m[3]) as string);
  for (const m of message.matchAll(/\b[a-z]{2,10}-[0-9a-f]{8,17}\b/g)) out.add(m[0]);
  return [...out];
}

/**
 * "Still in use": deleting a VPC whose subnets are still going, a security group an instance still
 * holds, a launch template an autoscaling group still uses. Retried only for deletions, where
 * waiting for the dependents to go is the point (kops' delete loop does the same).
 */
const IN_USE = new Set([
  'DependencyViolation', // EC2
  'InvalidGroup.InUse',
  'ResourceInUse', // Auto Scaling, ELBv2
  'ResourceInUseException',
  'ScalingActivityInProgress',
  'DeleteConflict', // IAM: the role is still in an instance profile, or has policies
  'InvalidIPAddress.InUse',
  'IncorrectState', // e.g. a volume still attaching or detaching
]);

export function isDependencyAwsError(e: unknown): boolean {
  return IN_USE.has(awsErrorCode(e) ?? '');
}

/** For deletions: everything `isRetryableAwsError` retries, plus "still has dependencies". */
export function isRetryableAwsDeleteError(e: unknown, consistency?: ConsistencyContext): boolean {
  return isRetryableAwsError(e, consistency) || isDependencyAwsError(e);
}
