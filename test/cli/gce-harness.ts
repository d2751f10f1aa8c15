/**
 * The fake Compute API for a CLI test file: started before its tests with `project` existing,
 * reached through KOPS_GCE_COMPUTE_ENDPOINT (restored after), stopped after.
 */
import { afterAll, beforeAll } from 'vitest';
import { FakeGceCompute, type Json } from '../fakes/gce-compute.js';
import { FakeGcs } from '../fakes/gcs.js';

export function useFakeGceCompute(project: string): FakeGceCompute {
  const fake = new FakeGceCompute();
  let saved: string | undefined;
  beforeAll(async () => {
    saved = process.env.KOPS_GCE_COMPUTE_ENDPOINT;
    process.env.KOPS_GCE_COMPUTE_ENDPOINT = await fake.start();
    fake.projects = new Set([project]);
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.KOPS_GCE_COMPUTE_ENDPOINT;
    else process.env.KOPS_GCE_COMPUTE_ENDPOINT = saved;
    await fake.stop();
  });
  return fake;
}

/**
 * The fake GCS for a CLI test file (or a describe block): started before its tests and reached
 * through STORAGE_EMULATOR_HOST, set in the process environment too (the GCE clients read it
 * there, the CLI's own environment outside this in-process harness; restored after), stopped after.
 * `gcs.endpoint` is the value to pass in a command's env.
 */
export function useFakeGcs(): FakeGcs {
  const gcs = new FakeGcs();
  let saved: string | undefined;
  beforeAll(async () => {
    const endpoint = await gcs.start();
    saved = process.env.STORAGE_EMULATOR_HOST;
    process.env.STORAGE_EMULATOR_HOST = endpoint;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST;
    else process.env.STORAGE_EMULATOR_HOST = saved;
    await gcs.stop();
  });
  return gcs;
}

/**
 * A Compute REST call to the fake under `projects/<project>/`, as a user's own tools would make it
 * (to put a decoy or a user's resource beside the cluster's); an error answer throws.
 */
export function computeRest(fake: FakeGceCompute, project: string): (method: string, path: string, body?: Json) => Promise<Json> {
  return async (method, path, body) => {
    const r = await fetch(`${fake.endpoint}/compute/v1/projects/${project}/${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    const j = (await r.json()) as Json;
    if (!r.ok) throw new Error(`${method} ${path}: ${JSON.stringify(j)}`);
    return j;
  };
}
