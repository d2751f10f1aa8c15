// Runs before every test file. @peculiar/x509 needs the reflect polyfill loaded first.
import 'reflect-metadata';
import { afterAll, beforeAll, vi } from 'vitest';

// Test files share their worker process (vitest.config.ts: isolate false). What a file stubs with
// vi (environment variables, globals, spies) is undone when the file ends, and a file that
// changed the environment by hand and left it so fails: the next file in the same worker starts
// from the environment the worker started with, whatever ran before it.
let environment: Record<string, string | undefined> = {};
beforeAll(() => {
  environment = { ...process.env };
});
afterAll(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  const changed = [...new Set([...Object.keys(environment), ...Object.keys(process.env)])].filter((k) => environment[k] !== process.env[k]).sort();
  if (changed.length) throw new Error(`this test file left environment variables changed (${changed.join(', ')}): put them back when it ends, or set them with vi.stubEnv`);
});
