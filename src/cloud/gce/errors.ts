/**
 * Compute API errors as `@google-cloud/compute` throws them. With the REST transport, v6 throws a
 * `GaxiosError` (`code`/`status` = the HTTP status, the body `{error:{code,message,errors:[{reason}]}}`
 * in `response.data` or as the message text); v7 throws a `GoogleError` with a gRPC code (5 for
 * NOT_FOUND, 6 ALREADY_EXISTS, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE) and `reason`. Both are read here.
 */

export interface GceErrorInfo {
  /** The HTTP status (mapped from the gRPC code for v7 errors), if any. */
  readonly status?: number;
  /** Google's reason (`notFound`, `alreadyExists`, `resourceInUseByAnotherResource`, ...). */
  readonly reason?: string;
  readonly message: string;
}

const GRPC_TO_HTTP: Readonly<Record<number, number>> = { 3: 400, 5: 404, 6: 409, 7: 403, 8: 429, 9: 412, 13: 500, 14: 503, 4: 504, 16: 401 };

interface ErrorBody {
  error?: { code?: number; message?: string; status?: string; errors?: { reason?: string; message?: string }[] };
}

function bodyOf(e: Record<string, unknown>): ErrorBody | undefined {
  const data = (e.response as { data?: unknown } | undefined)?.data;
  if (data && typeof data === 'object') return data as ErrorBody;
  if (typeof data === 'string' && data.startsWith('{')) {
    try {
      return JSON.parse(data) as ErrorBody;
    } catch {
      /* not JSON */
    }
  }
  if (typeof e.message === 'string' && e.message.trimStart().startsWith('{')) {
    try {
      return JSON.parse(e.message) as ErrorBody;
    } catch {
      /* not JSON */
    }
  }
  return undefined;
}

export function describeGceError(e: unknown): GceErrorInfo {
  if (typeof e !== 'object' || e === null) return { message: String(e) };
  const x = e as Record<string, unknown>;
  const body = bodyOf(x);
  let status: number | undefined;
  if (typeof body?.error?.code === 'number') status = body.error.code;
  else if (typeof x.status === 'number') status = x.status;
  else if (typeof (x.response as { status?: unknown } | undefined)?.status === 'number') status = (x.response as { status: number }).status;
  else if (typeof x.code === 'number') status = x.code >= 100 ? x.code : GRPC_TO_HTTP[x.code];
  // IAM and Resource Manager give no `errors[]`, only the canonical status (`ALREADY_EXISTS`, `ABORTED`).
  const reason = body?.error?.errors?.[0]?.reason ?? (typeof x.reason === 'string' ? x.reason : undefined) ?? (typeof body?.error?.status === 'string' ? body.error.status : undefined);
  const message = body?.error?.message ?? (typeof x.details === 'string' && x.details !== '' ? x.details : typeof x.message === 'string' ? x.message : String(e));
  return { ...(status === undefined ? {} : { status }), ...(reason === undefined ? {} : { reason }), message };
}

/** A stable code for messages and diagnostics: the reason, else `HTTP <status>`. */
export function gceErrorCode(e: unknown): string | undefined {
  if (e instanceof GceOperationError) return e.reason;
  const d = describeGceError(e);
  return d.reason ?? (d.status === undefined ? undefined : `HTTP ${d.status}`);
}

/** 404 in either shape (v6 GaxiosError 404, v7 GoogleError code 5). */
export function isGceNotFound(e: unknown): boolean {
  if (e instanceof GceOperationError) return false;
  const x = e as { code?: unknown; status?: unknown } | null;
  if (x && (x.code === 404 || x.code === 5 || x.status === 404)) return true;
  return describeGceError(e).status === 404;
}

export function isGceAlreadyExists(e: unknown): boolean {
  const d = describeGceError(e);
  return d.status === 409 || d.reason === 'alreadyExists';
}

const RETRYABLE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'resourceNotReady', 'backendError', 'internalError']);

/** Throttling, server errors and "not ready yet": worth another try with backoff. */
export function isRetryableGceError(e: unknown): boolean {
  if (e instanceof GceOperationError) return RETRYABLE_REASONS.has(e.reason) || e.reason === 'RESOURCE_NOT_READY' || e.reason === 'RATE_LIMIT_EXCEEDED' || e.reason === 'INTERNAL_ERROR';
  const d = describeGceError(e);
  if (d.reason !== undefined && RETRYABLE_REASONS.has(d.reason)) return true;
  return d.status === 429 || (d.status !== undefined && d.status >= 500);
}

/** For deletions also "still used by another resource" (a template its group still names, a network with subnets). */
export function isRetryableGceDeleteError(e: unknown): boolean {
  if (isRetryableGceError(e)) return true;
  const reason = e instanceof GceOperationError ? e.reason : describeGceError(e).reason;
  return reason === 'resourceInUseByAnotherResource' || reason === 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE';
}

/** Runs `fn`, treating "not found" as done (deleting what is already gone). */
export async function ignoreGceNotFound(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!isGceNotFound(e)) throw e;
  }
}

/** An operation that finished with an error (`operation.error.errors[0]`). */
export class GceOperationError extends Error {
  readonly reason: string;
  constructor(
    readonly operation: string,
    readonly target: string,
    reason: string,
    detail: string,
    readonly status?: number,
  ) {
    super(`GCE operation ${operation} on ${target} failed: ${reason}: ${detail}${status === undefined ? '' : ` (HTTP ${status})`}`);
    this.name = 'GceOperationError';
    this.reason = reason;
  }
}
