// Whether dist/ was compiled from the sources as they are now, so that bin/kops-ts.js can run the
// compiled code in a checkout (node alone starts in a fraction of tsx's time) and never stale code.
//
// `npm run build` (scripts/build.mjs) fingerprints the inputs of the compile before it starts and
// writes the fingerprint to dist/.source-stamp only when tsc and the CLI bundle succeeded. The fingerprint is every
// file under src/ (its path, size and modification time) plus the compiler, bundler and package settings
// and the bundle's loader (whose wrapper the code cache was made with), one line each, compared as text (no hash to load); editing, adding, removing or checking out a
// source file changes it. Walking src/ costs a few ms, against about 1 s for loading the sources
// through tsx.
//
// CommonJS (bin/package.json: bin/kops-ts.js requires it); the build scripts import it as well.
'use strict';
const { readdirSync, readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');

const STAMP_FILE = join('dist', '.source-stamp');
exports.STAMP_FILE = STAMP_FILE;
const SETTINGS = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs', 'scripts/bundle-cli.mjs', 'bin/bundle-loader.js'];

/** The fingerprint of the compile's inputs under `root` (a checkout). */
function sourceFingerprint(root) {
  const lines = [];
  const add = (rel) => {
    const s = statSync(`${root}/${rel}`, { throwIfNoEntry: false });
    lines.push(`${rel} ${s ? `${s.size} ${s.mtimeMs}` : 'absent'}`);
  };
  // Names sorted by UTF-16 code units (Array.prototype.sort), one stat each: a file's line, or a
  // folder walked in place (template strings rather than path.join: this runs before every command).
  const walk = (rel) => {
    for (const name of readdirSync(`${root}/${rel}`).sort()) {
      const p = `${rel}/${name}`;
      const s = statSync(`${root}/${p}`);
      if (s.isDirectory()) walk(p);
      else lines.push(`${p} ${s.size} ${s.mtimeMs}`);
    }
  };
  walk('src');
  for (const f of SETTINGS) add(f);
  return `${lines.join('\n')}\n`;
}

/** True when `root`'s dist/ holds a successful build of exactly the current sources. */
function distIsFresh(root) {
  let stamp;
  try {
    stamp = readFileSync(join(root, STAMP_FILE), 'utf8');
  } catch {
    return false;
  }
  return stamp === sourceFingerprint(root);
}

exports.sourceFingerprint = sourceFingerprint;
exports.distIsFresh = distIsFresh;
