/**
 * Turns a failed pre-flight call into one diagnostic: the AWS error code, the IAM action that
 * failed and what to do. The SDK's error shapes differ by failure: an AWS error answer carries
 * `name`/`Code` and `$metadata.httpStatusCode`; a missing credential is a `CredentialsProviderError`
 * thrown before any request; a network failure is a plain `Error` with a `code` such as ENOTFOUND
 * (what an unknown region's endpoint gives); an answer the SDK could not parse (an emulator's HTML
 * page) is a plain `Error` with a status.
 */
import { error, type Diagnostic } from '../../diagnostics.js';
import { isKnownRegion, isOptInRegion } from './regions.js';

/** What pre-flight needs to know of a failure, whatever its shape. */
export interface AwsFailure {
  readonly kind: 'aws' | 'credentials' | 'network' | 'unparsed';
  /** AWS error code (`AccessDenied`), SDK error name, or socket code (`ENOTFOUND`). */
  readonly code: string;
  readonly message: string;
  readonly status?: number;
}

const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess']);

/** Codes meaning AWS would not accept the caller's credentials (or the region would not). */
const BAD_CREDENTIALS = new Set([
  'InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken', 'ExpiredTokenException', 'RequestExpired',
  'InvalidAccessKeyId', 'AuthFailure', 'UnrecognizedClientException', 'InvalidToken', 'TokenRefreshRequired',
  'IncompleteSignature', 'MissingAuthenticationToken', 'InvalidSignatureException',
]);

const SDK_CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'TokenProviderError']);

/** Reads any thrown value as an `AwsFailure`. */
export function inspectAwsFailure(e: unknown): AwsFailure {
  const o = (typeof e === 'object' && e !== null ? e : {}) as {
    name?: unknown; Code?: unknown; code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown };
  };
  const name = typeof o.name === 'string' ? o.name : 'Error';
  const message = oneLine(typeof o.message === 'string' ? o.message : String(e));
  const status = typeof o.$metadata?.httpStatusCode === 'number' ? o.$metadata.httpStatusCode : undefined;
  if (SDK_CREDENTIAL_ERRORS.has(name)) return { kind: 'credentials', code: name, message };
  if (typeof o.code === 'string' && NETWORK_CODES.has(o.code)) return { kind: 'network', code: o.code, message };
  if (name === 'TimeoutError' || name === 'EndpointTimeout' || name === 'EndpointUnreachable') return { kind: 'network', code: name, message };
  const code = typeof o.Code === 'string' ? o.Code : name;
  if (status !== undefined && code !== 'Error' && code !== 'Unknown') return { kind: 'aws', code, message, status };
  return { kind: 'unparsed', code, message, ...(status !== undefined ? { status } : {}) };
}

/** The facts about the call that failed, for the message. */
export interface FailedCall {
  /** IAM action, e.g. `ec2:DescribeAvailabilityZones`. */
  readonly action: string;
  readonly region: string;
  /** Spec path the call checks, when there is one (`spec.dnsZone`). */
  readonly path?: string;
  /** Whether the credentials were just proven to work (STS answered), so an auth failure means the region. */
  readonly credentialsWork: boolean;
}

/** The diagnostic for a failed call. */
export function failureDiagnostic(f: AwsFailure, call: FailedCall): Diagnostic {
  const where = call.path ? { path: call.path } : {};
  if (f.kind === 'credentials') return missingCredentials(f);
  if (f.kind === 'aws' && ACCESS_DENIED.has(f.code)) {
    const hint = f.code === 'UnauthorizedOperation'
      ? `allow ${call.action} in the caller's IAM policy; \`aws sts decode-authorization-message\` explains an encoded message`
      : `allow ${call.action} in the caller's IAM policy (and any SCP or permission boundary)`;
    return error('AccessDenied', `${call.action} was denied (${f.code}): ${f.message}`, { ...where, hint });
  }
  if (f.kind === 'aws' && BAD_CREDENTIALS.has(f.code)) {
    if (call.credentialsWork) return regionNotEnabled(f, call);
    return invalidCredentials(f, call);
  }
  if ((f.kind === 'network' || f.kind === 'unparsed') && !isKnownRegion(call.region)) return unknownRegion(call.region, f, call.action);
  const retryable = f.kind === 'network' || (f.status !== undefined && f.status >= 500) || /Throttl|LimitExceeded|SlowDown/.test(f.code);
  const hint = retryable
    ? 'AWS did not answer after the SDK\'s retries; try again later, or check the network and AWS_ENDPOINT_URL'
    : 'see the AWS error code in the AWS documentation for the API call';
  return error('AwsApiError', `${call.action} failed in ${call.region} (${f.code}${f.status ? `, HTTP ${f.status}` : ''}): ${f.message}`, { ...where, hint });
}

export function missingCredentials(f: AwsFailure): Diagnostic {
  return error('MissingCredentials', `no AWS credentials found (${f.code}: ${f.message})`, {
    hint: 'provide credentials: set AWS_PROFILE to a profile in ~/.aws/config, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY '
      + '(and AWS_SESSION_TOKEN for temporary ones), or run `aws sso login --profile <name>` for an SSO profile',
  });
}

function invalidCredentials(f: AwsFailure, call: FailedCall): Diagnostic {
  const expired = /Expired|RequestExpired|TokenRefreshRequired/.test(f.code);
  let hint = expired
    ? 'the credentials have expired: refresh them (`aws sso login`, or new session credentials) and run again'
    : 'check AWS_PROFILE / AWS_ACCESS_KEY_ID: the key is wrong, deleted or inactive; `aws sts get-caller-identity` shows the same';
  if (isOptInRegion(call.region)) hint += `; ${call.region} is an opt-in region: it must also be enabled for the account`;
  return error('InvalidCredentials', `AWS rejected the credentials (${f.code} from ${call.action}): ${f.message}`, { hint });
}

function regionNotEnabled(f: AwsFailure, call: FailedCall): Diagnostic {
  return error('RegionNotEnabled', `${call.action} in ${call.region} rejected credentials that work elsewhere (${f.code}): the region is not enabled for this account`, {
    path: 'spec.subnets',
    hint: `enable ${call.region} for the account (AWS console: Account > AWS Regions, or \`aws account enable-region --region-name ${call.region}\`), or use zones of an enabled region`,
  });
}

export function unknownRegion(region: string, f: AwsFailure | undefined, action?: string): Diagnostic {
  const why = f ? ` (${action ?? 'AWS'} answered ${f.code}${f.status ? `, HTTP ${f.status}` : ''})` : '';
  return error('UnknownRegion', `${region}, the region of the cluster's zones, is not an AWS region${why}`, {
    path: 'spec.subnets',
    hint: 'the region comes from the subnets\' zones, which are a region plus a letter: us-east-1a is in us-east-1; '
      + '`aws ec2 describe-regions` lists the regions',
  });
}

/** AWS messages end with a period; a diagnostic's summary has no trailing punctuation. */
function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
  return t.length > 300 ? `${t.slice(0, 297)}...` : t;
}

/** Whether a diagnostic is about the caller's credentials (so the same cause seen again is noise). */
export function isCredentialDiagnostic(d: Diagnostic): boolean {
  return d.code === 'MissingCredentials' || d.code === 'InvalidCredentials';
}
