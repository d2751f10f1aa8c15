// Runs the CLI bundle dist/cli-bundle/entry.cjs (scripts/bundle-cli.mjs) with V8's code cache.
//
// Node 20 has no compile cache for modules (module.enableCompileCache() is Node 22 and later), so
// every run would compile the bundle's functions again. The bundle is one CommonJS file; this
// compiles it as a vm.Script in the CommonJS wrapper, handing V8 the cached data `npm run build`
// wrote next to it (entry.cjs.cache: the bytecode of the functions a `get clusters` and a
// `version` run compiled), so that a run deserialises that bytecode instead of parsing and
// compiling the source.
//
// The cache is used only for exactly the text it was made from: its header holds the SHA-256 of
// the wrapped source (V8 itself checks only the source's length, its own version and its flags).
// A missing, foreign or rejected cache (another Node version than the build's, other V8 flags)
// costs time only: V8 then compiles the source as usual, and with `writeBack` the run replaces the
// cache on its way out (written to a temporary file and renamed over it, so a concurrent run reads
// the old cache or the new one whole; nothing is written, and nothing said, where the folder is
// read-only).
//
// CommonJS (bin/package.json: bin/kops-ts.js requires it); the build imports it as well.
'use strict';
const { createHash } = require('node:crypto');
const { closeSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const vm = require('node:vm');

const MAGIC = 'kops-ts-v8-cache 1 ';
// One line with the bundle's first, so that line numbers in stack traces are the file's.
const HEAD = '(function (exports, require, module, __filename, __dirname) {';
const TAIL = '\n})';

/** Where the code cache of `bundleFile` lives. */
const cacheFileOf = (bundleFile) => `${bundleFile}.cache`;

const digest = (text) => createHash('sha256').update(HEAD).update(text).update(TAIL).digest('hex');

/** The header a code cache of the bundle text `text` starts with (the V8 data follows it). */
const cacheHeaderOf = (text) => Buffer.from(`${MAGIC}${digest(text)}\n`, 'latin1');

/** The V8 data of `cacheFile` when it was made from `text`; undefined otherwise (missing, foreign, unreadable). */
function cachedDataFor(cacheFile, text) {
  let buf;
  try {
    buf = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const end = MAGIC.length + 64;
  if (buf.length <= end + 1 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC || buf[end] !== 0x0a) return undefined;
  return buf.toString('latin1', MAGIC.length, end) === digest(text) ? buf.subarray(end + 1) : undefined;
}

/**
 * Compiles and evaluates the bundle (its top level only defines functions: each command's code is
 * evaluated when an action needs it). `useCache: false` compiles from source (what the build's
 * training runs do); `writeBack: true` writes a new cache when the process exits if this one was
 * not used. Returns the module's exports, and `cacheData()` to serialise what V8 has compiled so
 * far, headed for `cacheFileOf(bundleFile)`.
 */
function loadBundle(bundleFile, { useCache = true, writeBack = false } = {}) {
  const text = readFileSync(bundleFile, 'utf8');
  const cacheFile = cacheFileOf(bundleFile);
  const cachedData = useCache ? cachedDataFor(cacheFile, text) : undefined;
  const script = new vm.Script(HEAD + text + TAIL, { filename: bundleFile, cachedData });
  const cacheUsed = cachedData !== undefined && !script.cachedDataRejected;
  const cacheData = () => Buffer.concat([cacheHeaderOf(text), script.createCachedData()]);
  if (writeBack && !cacheUsed) process.once('exit', () => replaceCache(cacheFile, cacheData));
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundleFile), module, bundleFile, dirname(bundleFile));
  return { exports: module.exports, cacheUsed, cacheData };
}

/** Writes the cache beside the bundle if the folder lets us; a failure leaves things as they were. */
function replaceCache(cacheFile, cacheData) {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  let fd;
  try {
    fd = openSync(tmp, 'wx'); // before serialising: a read-only folder costs nothing more
  } catch {
    return;
  }
  try {
    writeFileSync(fd, cacheData());
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, cacheFile);
  } catch {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
  }
}

exports.cacheFileOf = cacheFileOf;
exports.cacheHeaderOf = cacheHeaderOf;
exports.loadBundle = loadBundle;
