import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    hookTimeout: 60_000,
    testTimeout: 60_000,
    pool: 'forks',
    // Test files share their worker's module cache: each worker imports the AWS SDK, the Google
    // libraries and src/ once, not once per file (that was 400 s of a 1,300 s run on 2 cores).
    // Files never mock modules; what they stub with vi is undone at each file's end (test/setup.ts);
    // the environment variables some set by hand they put back themselves.
    isolate: false,
    // vitest's default is one worker less than the cores: one on a 2-core CI machine, where test
    // files then run one after another while most of their time is spent waiting on the emulator
    // (a separate process). Two workers keep both cores busy; more cores get vitest's default.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
