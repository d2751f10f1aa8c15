/**
 * vitest globalSetup: one AWS emulator per test run, shared by every test file. Files isolate
 * themselves with a per-file emulator account (see helpers/aws.ts). `AWS_TEST_ENDPOINT` reuses an
 * emulator that is already running.
 *
 * The run's temporary files: `TMPDIR` is set to one directory for the run before the workers
 * start (they inherit it, and Node's `os.tmpdir()` reads it), and that directory is removed when
 * the run ends. The scratch stores, kubeconfigs and keys the tests make (tens of thousands of
 * directories in a run) then never pile up in the machine's /tmp.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { selectedEmulator, startEmulator } from './emulator/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    awsEndpoint: string;
    emulator: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runTmp = mkdtempSync(join(tmpdir(), 'kops-ts-test-run-'));
  process.env.TMPDIR = runTmp;
  const removeTmp = () => rmSync(runTmp, { recursive: true, force: true });
  const existing = process.env.AWS_TEST_ENDPOINT;
  if (existing) {
    project.provide('awsEndpoint', existing);
    project.provide('emulator', 'external');
    return async () => removeTmp();
  }
  const name = selectedEmulator();
  const emu = await startEmulator(name, process.env.MOTO_LOG);
  project.provide('awsEndpoint', emu.endpoint);
  project.provide('emulator', name);
  return async () => {
    await emu.stop();
    removeTmp();
  };
}
