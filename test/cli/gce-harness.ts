/**
 * The fake Compute API for a CLI test file: started before its tests with `project` existing,
 * reached through KOPS_GCE_COMPUTE_ENDPOINT (restored after), stopped after.
 */
import { afterAll, beforeAll } from 'vitest';
import { FakeGceCompute } from '../fakes/gce-compute.js';

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
