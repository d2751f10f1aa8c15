#!/usr/bin/env node
// kops-ts entry point. An installed package (built by `npm pack`/`npm publish` through prepack)
// runs the CLI bundle dist/cli-bundle/entry.cjs (scripts/bundle-cli.mjs) with the code cache the
// build wrote beside it (bin/bundle-loader.js). In a source checkout (src/
// present) it runs the bundle too when dist/ was built from exactly the sources checked out
// (bin/source-stamp.js; `npm run build`, run by `npm ci`/`npm install` through prepare), and
// otherwise the TypeScript sources through tsx's loader: what runs is always what is checked out.
// KOPS_TS_FROM_SOURCE=1 forces the sources.
//
// CommonJS (bin/package.json), as are the two files it requires: an ES module entry point makes
// Node set up its ES module loader first (about 40 more of its internal modules), which the bundle
// does not need; only the sources' path (tsx) imports an ES module.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const root = join(__dirname, '..');
const source = join(root, 'src', 'cli', 'entry.ts');
let fromSource = existsSync(source);
if (fromSource && process.env.KOPS_TS_FROM_SOURCE !== '1') fromSource = !require('./source-stamp.js').distIsFresh(root);
if (fromSource) {
  // tsx's ES module API (its CommonJS build's register() does not find its own files).
  // A rejection ends the process as an uncaught error would (main itself reports command errors).
  void import('tsx/esm/api')
    .then(({ register }) => {
      register();
      return import(pathToFileURL(source).href);
    })
    .then((mod) => mod.main());
} else {
  const bundle = join(root, 'dist', 'cli-bundle', 'entry.cjs');
  let mod;
  if (verbose(process.argv.slice(2))) {
    // A verbose run (-v/--v above 0) prints stack traces: through the bundle's source map they
    // name src/*.ts lines. Node's require() reads the map; only then, as that costs start-up time
    // (and a run that reads the map has no use for the code cache).
    process.setSourceMapsEnabled(true);
    mod = require(bundle);
  } else {
    mod = require('./bundle-loader.js').loadBundle(bundle, { writeBack: true }).exports;
  }
  void mod.main();
}

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
