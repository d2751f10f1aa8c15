#!/usr/bin/env node
// kops-ts entry point. An installed package (built by `npm pack`/`npm publish` through prepack)
// runs the CLI bundle dist/cli-bundle/entry.cjs (scripts/bundle-cli.mjs) with the code cache the
// build wrote beside it (bin/bundle-loader.js). In a source checkout (src/
// present) it runs the bundle too when dist/ was built from exactly the sources checked out
// (bin/source-stamp.js; `npm run build`, run by `npm ci`/`npm install` through prepare), and
// otherwise the TypeScript sources through tsx's loader: what runs is always what is checked out.
// KOPS_TS_FROM_SOURCE=1 forces the sources.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const source = new URL('../src/cli/entry.ts', import.meta.url);
let fromSource = existsSync(source);
if (fromSource && process.env.KOPS_TS_FROM_SOURCE !== '1') {
  const { distIsFresh } = await import('./source-stamp.js');
  fromSource = !distIsFresh(fileURLToPath(new URL('..', import.meta.url)));
}
let mod;
if (fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(source.href);
} else {
  const bundle = fileURLToPath(new URL('../dist/cli-bundle/entry.cjs', import.meta.url));
  if (verbose(process.argv.slice(2))) {
    // A verbose run (-v/--v above 0) prints stack traces: through the bundle's source map they
    // name src/*.ts lines. Node's require() reads the map; only then, as that costs start-up time
    // (and a run that reads the map has no use for the code cache).
    process.setSourceMapsEnabled(true);
    mod = createRequire(import.meta.url)(bundle);
  } else {
    const { loadBundle } = await import('./bundle-loader.js');
    mod = loadBundle(bundle, { writeBack: true }).exports;
  }
}
await mod.main();

/** Whether the command line sets the log level above 0 (`-v 2`, `-v2`, `--v 2`, `--v=2`). */
function verbose(argv) {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return false;
    const m = /^(?:-v|--v=?)(.*)$/.exec(a);
    if (!m) continue;
    const level = m[1] === '' && !a.endsWith('=') ? argv[++i] : m[1];
    if (Number(level) > 0) return true;
  }
  return false;
}
