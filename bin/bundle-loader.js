// Runs the CLI bundle dist/cli-bundle/entry.cjs (scripts/bundle-cli.mjs) with V8's code cache.
//
// Node 20 has no compile cache for modules (module.enableCompileCache() is Node 22 and later), so
// every run would compile the bundle's functions again. The bundle is one CommonJS file; this
// compiles it as a vm.Script in the CommonJS wrapper, handing V8 the cached data `npm run build`
// wrote next to it (entry.cjs.cache: the bytecode of the functions a `get clusters` and a
// `version` run compiled), so that a run deserialises that bytecode instead of parsing and
// compiling the source.
//
// The cache is used only for exactly the bundle it was made from: it holds a copy of the bundle's
// bytes, compared with the bundle byte for byte (V8 itself checks only the source's length, its own
// version and its flags; a hash would cost loading node:crypto, more than reading the copy).
// A missing, foreign or rejected cache (another Node version than the build's, other V8 flags)
// costs time only: V8 then compiles the source as usual, and with `writeBack` the run replaces the
// cache on its way out (written to a temporary file and renamed over it, so a concurrent run reads
// the old cache or the new one whole; nothing is written, and nothing said, where the folder is
// read-only).
//
// Cache file: the line `kops-ts-v8-cache 2 <bytes> <the wrapper, JSON>`, that many bytes (the
// bundle), V8's data: so the cache belongs to exactly the source V8 compiled.
//
// CommonJS (bin/package.json: bin/kops-ts.js requires it); the build imports it as well.
'use strict';
const { isAscii } = require('node:buffer');
const { closeSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const vm = require('node:vm');

const MAGIC = 'kops-ts-v8-cache 2 ';
// One line with the bundle's first, so that line numbers in stack traces are the file's.
const HEAD = '(function (exports, require, module, __filename, __dirname) {';
const TAIL = '\n})';

/** Where the code cache of `bundleFile` lives. */
const cacheFileOf = (bundleFile) => `${bundleFile}.cache`;

const headerOf = (bytes) => `${MAGIC}${bytes.length} ${JSON.stringify([HEAD, TAIL])}\n`;

/** What a code cache of the bundle `bundle` (its bytes, or its text) starts with; V8's data follows. */
function cachePrefixOf(bundle) {
  const bytes = typeof bundle === 'string' ? Buffer.from(bundle, 'utf8') : bundle;
  return Buffer.concat([Buffer.from(headerOf(bytes), 'latin1'), bytes]);
}

/** The V8 data of `cacheFile` when it was made from the bundle `bytes`; undefined otherwise (missing, foreign, unreadable). */
function cachedDataFor(cacheFile, bytes) {
  let buf;
  try {
    buf = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const header = headerOf(bytes);
  const end = header.length + bytes.length;
  if (buf.length <= end || buf.latin1Slice(0, header.length) !== header) return undefined;
  return buf.subarray(header.length, end).equals(bytes) ? buf.subarray(end) : undefined;
}

/**
 * Compiles and evaluates the bundle (its top level only defines functions: each command's code is
 * evaluated when an action needs it). `useCache: false` compiles from source (what the build's
 * training runs do); `writeBack: true` writes a new cache when the process exits if this one was
 * not used. Returns the module's exports, and `cacheData()` to serialise what V8 has compiled so
 * far, headed for `cacheFileOf(bundleFile)`.
 */
function loadBundle(bundleFile, { useCache = true, writeBack = false } = {}) {
  const bytes = readFileSync(bundleFile);
  // esbuild writes ASCII (non-ASCII characters escaped): then latin1 is the text, and cheaper.
  const text = isAscii(bytes) ? bytes.latin1Slice(0, bytes.length) : bytes.toString('utf8');
  const cacheFile = cacheFileOf(bundleFile);
  const cachedData = useCache ? cachedDataFor(cacheFile, bytes) : undefined;
  const script = new vm.Script(HEAD + text + TAIL, { filename: bundleFile, cachedData });
  const cacheUsed = cachedData !== undefined && !script.cachedDataRejected;
  const cacheData = () => Buffer.concat([cachePrefixOf(bytes), script.createCachedData()]);
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
exports.cachePrefixOf = cachePrefixOf;
exports.loadBundle = loadBundle;
