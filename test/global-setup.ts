/**
 * vitest globalSetup: one AWS emulator per test run, shared by every test file. Files isolate
 * themselves with a per-file emulator account (see helpers/aws.ts). `AWS_TEST_ENDPOINT` reuses an
 * emulator that is already running.
 */
import type { TestProject } from 'vitest/node';
import { selectedEmulator, startEmulator } from './emulator/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    awsEndpoint: string;
    emulator: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const existing = process.env.AWS_TEST_ENDPOINT;
  if (existing) {
    project.provide('awsEndpoint', existing);
    project.provide('emulator', 'external');
    return undefined;
  }
  const name = selectedEmulator();
  const emu = await startEmulator(name, process.env.MOTO_LOG);
  project.provide('awsEndpoint', emu.endpoint);
  project.provide('emulator', name);
  return () => emu.stop();
}
