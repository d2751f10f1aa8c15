import { afterEach, describe, expect, it } from 'vitest';
import { endpointOptions, gceClients, GCE_ENDPOINT_ENV, closeGceClients } from '../../../src/cloud/gce/clients.js';
import { describeGceError, gceErrorCode, GceOperationError, isGceNotFound, isRetryableGceDeleteError, isRetryableGceError } from '../../../src/cloud/gce/errors.js';
import { GceApiError, readableGceError } from '../../../src/cloud/gce/endpoint.js';
import { awaitOperation } from '../../../src/cloud/gce/operations.js';
import { FakeGceCompute } from '../../fakes/gce-compute.js';

/** A v6 GaxiosError as the REST transport throws it: HTTP status, body as the message. */
function gaxios(status: number, reason: string, message = 'm'): Error & { code: number; status: number } {
  const e = new Error(JSON.stringify({ error: { code: status, message, errors: [{ message, domain: 'global', reason }] } })) as Error & { code: number; status: number };
  e.code = status;
  e.status = status;
  return e;
}

/** A v7 GoogleError: gRPC code, reason. */
function googleError(code: number, reason?: string): Error {
  return Object.assign(new Error('5 NOT_FOUND: not found'), { code, details: 'not found', ...(reason ? { reason } : {}) });
}

describe('GCE error classification', () => {
  it('reads 404 in both the v6 GaxiosError and v7 GoogleError (code 5) shapes', () => {
    expect(isGceNotFound(gaxios(404, 'notFound'))).toBe(true);
    expect(isGceNotFound(googleError(5))).toBe(true);
    expect(isGceNotFound(gaxios(409, 'alreadyExists'))).toBe(false);
    expect(describeGceError(googleError(5))).toMatchObject({ status: 404 });
    expect(describeGceError(gaxios(400, 'invalid', 'bad name'))).toEqual({ status: 400, reason: 'invalid', message: 'bad name' });
  });

  it('retries throttling, 5xx and resourceNotReady; not bad input', () => {
    expect(isRetryableGceError(gaxios(429, 'rateLimitExceeded'))).toBe(true);
    expect(isRetryableGceError(gaxios(403, 'rateLimitExceeded'))).toBe(true);
    expect(isRetryableGceError(gaxios(503, 'backendError'))).toBe(true);
    expect(isRetryableGceError(gaxios(400, 'resourceNotReady'))).toBe(true);
    expect(isRetryableGceError(googleError(14))).toBe(true);
    expect(isRetryableGceError(gaxios(400, 'invalid'))).toBe(false);
    expect(isRetryableGceError(gaxios(404, 'notFound'))).toBe(false);
  });

  it('deletes also retry "in use by another resource", as an error or a failed operation', () => {
    expect(isRetryableGceDeleteError(gaxios(400, 'resourceInUseByAnotherResource'))).toBe(true);
    expect(isRetryableGceDeleteError(new GceOperationError('op-1', 'projects/p/global/networks/n', 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE', 'in use'))).toBe(true);
    expect(isRetryableGceError(gaxios(400, 'resourceInUseByAnotherResource'))).toBe(false);
    expect(gceErrorCode(gaxios(409, 'alreadyExists'))).toBe('alreadyExists');
  });
});

describe('GCE error text', () => {
  const bodyError = (reason: string, message: string) => new Error(JSON.stringify({ error: { code: 403, message, errors: [{ reason, message }] } }));

  it("names Google's reason once, before its message, with the HTTP status", () => {
    const e = readableGceError(bodyError('forbidden', "Required 'compute.firewalls.create' permission for 'projects/p/global/firewalls'"));
    expect(e).toBeInstanceOf(GceApiError);
    expect((e as Error).message).toBe("forbidden: Required 'compute.firewalls.create' permission for 'projects/p/global/firewalls' (HTTP 403)");
  });

  it('does not repeat a reason the message already starts with (Cloud DNS: "Forbidden: ...")', () => {
    const e = readableGceError(bodyError('forbidden', "Forbidden: Required 'dns.changes.create' permission"));
    expect((e as Error).message).toBe("Forbidden: Required 'dns.changes.create' permission (HTTP 403)");
  });
});

describe('GCE clients', () => {
  const saved = process.env[GCE_ENDPOINT_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[GCE_ENDPOINT_ENV];
    else process.env[GCE_ENDPOINT_ENV] = saved;
  });

  it(`take the endpoint from ${GCE_ENDPOINT_ENV}`, async () => {
    const fake = new FakeGceCompute();
    process.env[GCE_ENDPOINT_ENV] = await fake.start();
    const c = await gceClients({ project: 'p', region: 'us-central1' });
    try {
      await awaitOperation(c, await c.networks.insert({ project: 'p', networkResource: { name: 'n', autoCreateSubnetworks: false } }));
      expect(fake.names('p', 'global', 'networks')).toEqual(['n']);
    } finally {
      await closeGceClients(c);
      await fake.stop();
    }
  });

  it('refuse an endpoint that is not an http(s) URL, naming the variable', async () => {
    await expect(endpointOptions('127.0.0.1:6110')).rejects.toThrow(/must be http:\/\/ or https:\/\/|is not a URL/);
    await expect(endpointOptions('ftp://x')).rejects.toThrow(new RegExp(`must be http:// or https://`));
  });

  it('a signal ends the wait (in a pause or before the next call) with an AbortError; the operation is left to Google', async () => {
    const fake = new FakeGceCompute();
    const c = await gceClients({ project: 'p', region: 'us-central1', endpoint: await fake.start() });
    fake.operationPolls = 1000;
    try {
      const res = await c.networks.insert({ project: 'p', networkResource: { name: 'slow', autoCreateSubnetworks: false } });
      const ac = new AbortController();
      // A pause that never ends by itself: only the signal can end this wait.
      const waiting = awaitOperation(c, res, { backoffMs: 20, sleep: () => (ac.abort(), new Promise<void>(() => undefined)), signal: ac.signal });
      await expect(waiting).rejects.toMatchObject({ name: 'AbortError', message: expect.stringMatching(/stopped waiting for operation operation-\S+: the run was cancelled/) });
      const calls = fake.count('POST', /\/wait$/);
      await expect(awaitOperation(c, res, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
      expect(fake.count('POST', /\/wait$/)).toBe(calls);
      expect(fake.names('p', 'global', 'networks')).toEqual(['slow']);
    } finally {
      await closeGceClients(c);
      await fake.stop();
    }
  });

  it('a deadline ends the wait for an operation that never finishes, naming it', async () => {
    const fake = new FakeGceCompute();
    const c = await gceClients({ project: 'p', region: 'us-central1', endpoint: await fake.start() });
    fake.operationPolls = 1000;
    let clock = 0;
    try {
      const res = await c.networks.insert({ project: 'p', networkResource: { name: 'slow', autoCreateSubnetworks: false } });
      await expect(awaitOperation(c, res, { deadlineMs: 50, backoffMs: 20, now: () => clock, sleep: async (ms) => void (clock += ms) })).rejects.toThrow(/operation-\S+ on .*networks\/slow failed: TIMEOUT/);
    } finally {
      await closeGceClients(c);
      await fake.stop();
    }
  });
});
