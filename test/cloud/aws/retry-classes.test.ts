/**
 * The retry table: what can succeed later is retried (throttling, 5xx, connection failures,
 * timeouts, eventual consistency of something fresh), what cannot is not (a "not found" of
 * something found at plan time, validation, access denied, a host that does not resolve).
 */
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AwsEndpointError, EndpointHealth, endpointFailureOf, type EndpointFailure } from '../../../src/cloud/aws/endpoint.js';
import { classifyAwsError, isRetryableAwsError, namedValues, type AwsErrorClass, type ConsistencyContext } from '../../../src/cloud/aws/errors.js';

function ec2Error(code: string, message: string, status = 400): EC2ServiceException {
  const e = new EC2ServiceException({ name: code, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });
  return Object.assign(e, { Code: code });
}

function endpointError(failure: EndpointFailure): AwsEndpointError {
  return new AwsEndpointError('https://ec2.us-east-1.amazonaws.com', 'ec2', 'DescribeVpcs', failure, failure.endsWith('timeout') ? 300 : undefined, new Error('wire'));
}

/** Fresh: `dopt-fresh0001` (created by this run just now); old: `dopt-0ld00001` (found at plan time). */
function ages(values: Record<string, 'fresh' | 'old'>, anyFresh = true): ConsistencyContext {
  return { freshness: (v) => values[v] ?? 'unknown', anyFresh };
}

const TABLE: [string, unknown, AwsErrorClass][] = [
  ['EC2 throttling', ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503), 'throttling'],
  ['IAM throttling', ec2Error('Throttling', 'Rate exceeded'), 'throttling'],
  ['HTTP 429', ec2Error('Whatever', 'slow down', 429), 'throttling'],
  ['503 ServiceUnavailable', ec2Error('ServiceUnavailable', 'unavailable', 503), 'server'],
  ['InternalError', ec2Error('InternalError', 'An internal error has occurred', 500), 'server'],
  ['502 without a code', ec2Error('Unknown', 'bad gateway', 502), 'server'],
  ['connection refused', endpointError('connection refused'), 'connection'],
  ['connection reset', endpointError('connection reset'), 'connection'],
  ['network unreachable', endpointError('network unreachable'), 'connection'],
  ['request timeout', endpointError('request timeout'), 'timeout'],
  ['connect timeout', endpointError('connect timeout'), 'timeout'],
  ['host not found', endpointError('host not found'), 'fatal'],
  ['InvalidDhcpOptionID.NotFound', ec2Error('InvalidDhcpOptionID.NotFound', "The dhcpOption ID 'dopt-0ld00001' does not exist"), 'eventual-consistency'],
  ['instance profile not visible yet', ec2Error('InvalidParameterValue', 'Value (nodes.example.com) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name'), 'eventual-consistency'],
  ['validation', ec2Error('InvalidParameterValue', 'Value (10.0.0.0/33) for parameter cidrBlock is invalid.'), 'fatal'],
  ['access denied', ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403), 'fatal'],
  ['limit', ec2Error('VpcLimitExceeded', 'The maximum number of VPCs has been reached.'), 'fatal'],
  ['moto 500 for an unimplemented call', ec2Error('Error', 'not implemented', 500), 'fatal'],
];

describe('AWS retry classes', () => {
  it.each(TABLE)('%s is %s', (_what, e, cls) => {
    expect(classifyAwsError(e)).toBe(cls);
    expect(isRetryableAwsError(e)).toBe(cls !== 'fatal');
  });

  it('retries a "not found" of what this run just created, not of what was found at plan time', () => {
    const fresh = ec2Error('InvalidDhcpOptionID.NotFound', "The dhcpOption ID 'dopt-fresh0001' does not exist");
    const old = ec2Error('InvalidDhcpOptionID.NotFound', "The dhcpOption ID 'dopt-0ld00001' does not exist");
    const ctx = ages({ 'dopt-fresh0001': 'fresh', 'dopt-0ld00001': 'old' });
    expect(isRetryableAwsError(fresh, ctx)).toBe(true);
    expect(isRetryableAwsError(old, ctx)).toBe(false);
    // Fresh once, but the window has passed: old now.
    expect(isRetryableAwsError(fresh, ages({ 'dopt-fresh0001': 'old' }))).toBe(false);
  });

  it('for a "not found" naming nothing the run knows, retries only while something was created recently', () => {
    const e = ec2Error('InvalidGroup.NotFound', 'The security group does not exist');
    expect(isRetryableAwsError(e, ages({}, true))).toBe(true);
    expect(isRetryableAwsError(e, ages({}, false))).toBe(false);
    const profile = ec2Error('InvalidParameterValue', 'Value (nodes.example.com) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name');
    expect(isRetryableAwsError(profile, ages({ 'nodes.example.com': 'fresh' }, true))).toBe(true);
    expect(isRetryableAwsError(profile, ages({ 'nodes.example.com': 'old' }, true))).toBe(false);
  });

  it('consistency never turns throttling or an outage into a failure', () => {
    const none = ages({}, false);
    expect(isRetryableAwsError(ec2Error('RequestLimitExceeded', 'x', 503), none)).toBe(true);
    expect(isRetryableAwsError(endpointError('connection refused'), none)).toBe(true);
    expect(isRetryableAwsError(ec2Error('UnauthorizedOperation', 'no', 403), ages({}, true))).toBe(false);
  });

  it('reads the values an AWS message names', () => {
    expect(namedValues("The vpc ID 'vpc-1' does not exist")).toEqual(['vpc-1']);
    expect(namedValues('Value (nodes.example.com) for parameter iamInstanceProfile.name is invalid')).toEqual(['nodes.example.com']);
    expect(namedValues('The subnet subnet-0123456789abcdef0 has dependencies')).toEqual(['subnet-0123456789abcdef0']);
  });
});

describe('no-response failures', () => {
  const timeouts = { connectMs: 200, requestMs: 300 };
  it('reads the HTTP handler\'s timeouts and Node socket errors, not HTTP responses', () => {
    const request = Object.assign(new Error('@smithy/node-http-handler - [ERROR] a request has exceeded the configured 300 ms requestTimeout.'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
    const connect = Object.assign(new Error('@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 200 ms.'), { name: 'TimeoutError' });
    expect(endpointFailureOf(request, timeouts)).toEqual({ failure: 'request timeout', timeoutMs: 300 });
    expect(endpointFailureOf(connect, timeouts)).toEqual({ failure: 'connect timeout', timeoutMs: 200 });
    expect(endpointFailureOf(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), timeouts)).toEqual({ failure: 'connection refused' });
    expect(endpointFailureOf(ec2Error('RequestLimitExceeded', 'x', 503), timeouts)).toBeUndefined();
    expect(endpointFailureOf(new Error('plain'), timeouts)).toBeUndefined();
  });

  it('names the endpoint and what happened; only refused/reset are left to the SDK to retry', () => {
    const t = endpointError('request timeout');
    expect(t.message).toBe('the AWS endpoint https://ec2.us-east-1.amazonaws.com did not answer within 300ms (ec2:DescribeVpcs)');
    expect(t.name).toBe('EndpointTimeout');
    expect(t.$retryable).toBeUndefined();
    // No `cause`: the SDK's classification follows it and would retry the timeout.
    expect((t as { cause?: unknown }).cause).toBeUndefined();
    const r = endpointError('connection refused');
    expect(r.message).toContain('is unreachable (connection refused)');
    expect(r.name).toBe('EndpointUnreachable');
    expect(r.$retryable).toEqual({ throttling: false });
  });

  it('EndpointHealth: down after N attempts in a row without a response, for long enough; a response resets', () => {
    let now = 0;
    const h = new EndpointHealth({ failures: 3, downAfterMs: 1000, now: () => now });
    const e = endpointError('connection refused');
    h.failed(e);
    h.failed(e);
    h.responded(); // alive: the streak starts again
    now = 1500;
    h.failed(e);
    h.failed(e);
    expect(h.signal.aborted).toBe(false);
    h.failed(e);
    expect(h.signal.aborted).toBe(true);
    expect(h.down?.code).toBe('EndpointDown');
    expect(h.down?.message).toBe('the AWS endpoint https://ec2.us-east-1.amazonaws.com is unreachable (connection refused): 3 attempts in a row got no response over 2s');

    // Many failures at once, right after a response: not yet down (a blip).
    now = 0;
    const blip = new EndpointHealth({ failures: 3, downAfterMs: 1000, now: () => now });
    for (let i = 0; i < 10; i++) blip.failed(e);
    expect(blip.signal.aborted).toBe(false);

    // Timeouts come one per request timeout: two in a row over a long silence are enough.
    now = 0;
    const slow = new EndpointHealth({ failures: 6, downAfterMs: 1000, now: () => now });
    const timeout = endpointError('request timeout');
    now = 3000;
    slow.failed(timeout);
    now = 3999;
    slow.failed(timeout);
    expect(slow.signal.aborted).toBe(false);
    now = 4000;
    slow.failed(timeout);
    expect(slow.down?.message).toBe('the AWS endpoint https://ec2.us-east-1.amazonaws.com did not answer within 300ms: 3 attempts in a row got no response over 4s');
  });
});
