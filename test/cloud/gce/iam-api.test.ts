/** Where the IAM, Resource Manager and bucket IAM calls go (src/cloud/gce/iam-api.ts). */
import { describe, expect, it } from 'vitest';
import { apiBase, googleStatusOf, storageEmulatorBase } from '../../../src/cloud/gce/iam-api.js';

describe('IAM / Resource Manager / Storage endpoints', () => {
  it("use their own variable, else the Compute override (the tests' fake), else Google's host", () => {
    expect(apiBase('http://127.0.0.1:7000/', 'http://127.0.0.1:6000', 'https://iam.googleapis.com')).toBe('http://127.0.0.1:7000');
    expect(apiBase(undefined, 'http://127.0.0.1:6000/x', 'https://iam.googleapis.com')).toBe('http://127.0.0.1:6000');
    expect(apiBase(undefined, undefined, 'https://iam.googleapis.com')).toBe('https://iam.googleapis.com');
  });

  it('reads STORAGE_EMULATOR_HOST as the state store does: host:port or a URL, with or without /storage/v1', () => {
    expect(storageEmulatorBase('127.0.0.1:4443')).toBe('http://127.0.0.1:4443');
    expect(storageEmulatorBase('https://gcs.local:8443/storage/v1/')).toBe('https://gcs.local:8443');
    expect(storageEmulatorBase(' ')).toBeUndefined();
    expect(storageEmulatorBase(undefined)).toBeUndefined();
  });

  it("reads Google's canonical status from an error body, as JSON or text", () => {
    expect(googleStatusOf({ response: { data: { error: { code: 409, status: 'ABORTED' } } } })).toBe('ABORTED');
    expect(googleStatusOf({ response: { data: '{"error":{"code":404,"status":"NOT_FOUND"}}' } })).toBe('NOT_FOUND');
    expect(googleStatusOf(new Error('x'))).toBeUndefined();
  });
});
