// The CLI bundle: src/cli/entry.ts and everything it imports, bundled by esbuild into ONE CommonJS
// file, dist/cli-bundle/entry.cjs, plus the V8 code cache bin/kops-ts.js compiles it with
// (bin/bundle-loader.js). Start-up time is per file and per compiled function: Node 20's ES module
// loader costs per module (the earlier ES module bundle with code splitting had `get clusters` read
// 35 chunks), and without a compile cache (Node 22's module.enableCompileCache()) every run
// compiles again what it runs. One file costs one read; its top level only defines functions
// (esbuild's lazy module initialisers), so a command still evaluates only the modules it imports,
// and the cache makes the functions a run needs ready-compiled.
//
// Bundled: our sources and the small pure-JS packages start-up needs (commander, yaml, ipaddr.js).
// Every other package stays a `require` of node_modules made when the code that imports it is first
// evaluated (the AWS SDK, the Google libraries, the Kubernetes client, the X.509 library, ...):
// dynamic `import()`s become `require` (Node >= 20.19 requires ES-only packages such as the
// Kubernetes client), since a vm.Script has no module loader for `import()`. tsc still type-checks
// and emits dist/ (the library: package.json main/types); bin/kops-ts.js runs this bundle when it
// is up to date (bin/source-stamp.js).
//
// The code cache is made by running the fresh bundle, without a cache, as a user would: `create
// cluster` into a temporary file:// store in one process, then `get clusters` and `version` in a
// second, which writes what V8 compiled (entry.cjs.cache, after a copy of the bundle it belongs
// to). A run that fails fails the build.
//
// Linked source map (dist/cli-bundle/entry.cjs.map, naming src/ files): bin/kops-ts.js turns source
// maps on for a verbose run (-v N > 0), whose error stack traces then name src/*.ts lines.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

/** Where the bundle goes, under the package root. */
export const BUNDLE_DIR = join('dist', 'cli-bundle');

/** Packages bundled into the CLI: small, pure JavaScript, needed at start-up. */
const BUNDLED_PACKAGES = new Set(['commander', 'yaml', 'ipaddr.js']);

const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

/** The bundle's file name in its outdir. */
export const BUNDLE_FILE = 'entry.cjs';

/**
 * Bundles the CLI from `root`'s src/ into `outdir` (default `root`/dist/cli-bundle) and writes its
 * code cache. Sources that find package files by `new URL('../../x', import.meta.url)`
 * (src/cloudup/channels.ts: the shipped channel) rely on the bundle sitting two folders below the
 * package root, as their source does under src/<folder>/: the default outdir has that depth.
 * Returns esbuild's metafile (inputs and outputs).
 */
export async function bundleCli(root, outdir = join(root, BUNDLE_DIR)) {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { entry: join(root, 'src', 'cli', 'entry.ts') },
    outdir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // `import()` compiled to `require`: a vm.Script (bin/bundle-loader.js) has no module loader.
    supported: { 'dynamic-import': false },
    // The CommonJS file's own URL, for sources that find package files next to them.
    define: { 'import.meta.url': '__kopsTsImportMetaUrl' },
    sourcemap: 'linked',
    sourcesContent: false,
    // Less text for V8 to scan at start-up (commander's chunk is mostly comments): about 5 % of
    // `get clusters`. Names and syntax are left alone (stack traces, error names, source maps).
    minifyWhitespace: true,
    metafile: true,
    logLevel: 'warning',
    // Strict mode first (our sources are ES modules), then import.meta.url's stand-in.
    banner: { js: `"use strict";var __kopsTsImportMetaUrl=require("node:url").pathToFileURL(__filename).href;` },
    plugins: [
      {
        name: 'kops-ts-externals',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.path.startsWith('node:')) return { external: true };
            return BUNDLED_PACKAGES.has(packageName(args.path)) ? undefined : { external: true };
          });
        },
      },
    ],
  });
  const bundle = join(outdir, BUNDLE_FILE);
  const dynamicImport = /\bimport\(/.exec(readFileSync(bundle, 'utf8'));
  if (dynamicImport) throw new Error(`${bundle} has an import() at offset ${dynamicImport.index}, which the code-cached vm.Script cannot run: esbuild should have made it a require`);
  writeCompileCache(root, bundle);
  return result.metafile;
}

/**
 * Writes `bundle`'s code cache (bin/bundle-loader.js) by running it as described above, each run a
 * child process with nothing of this environment but PATH (no state store, no cloud credentials).
 */
export function writeCompileCache(root, bundle) {
  const tmp = mkdtempSync(join(tmpdir(), 'kops-ts-cache-'));
  try {
    const store = pathToFileURL(join(tmp, 'state')).href;
    const loader = pathToFileURL(join(root, 'bin', 'bundle-loader.js')).href;
    const run = (commands, write) => {
      const program = [
        `import { writeFileSync } from 'node:fs';`,
        `import { cacheFileOf, loadBundle } from ${JSON.stringify(loader)};`,
        `const bundle = loadBundle(${JSON.stringify(bundle)}, { useCache: false });`,
        `for (const argv of ${JSON.stringify(commands)}) {`,
        `  await bundle.exports.main(argv);`,
        `  if (process.exitCode) throw new Error('kops-ts ' + argv.join(' ') + ' exited ' + process.exitCode);`,
        `}`,
        write ? `writeFileSync(cacheFileOf(${JSON.stringify(bundle)}), bundle.cacheData());` : '',
      ].join('\n');
      const env = { PATH: process.env.PATH ?? '', HOME: tmp, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', program], { cwd: tmp, env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`the code cache's training run (${commands.map((c) => c.join(' ')).join('; ')}) failed: ${(r.error?.message ?? r.stderr).trim()}`);
    };
    run([['create', 'cluster', '--name', 'cache.example.com', '--zones', 'us-east-1a', '--state', store]], false);
    run([['get', 'clusters', '--state', store], ['version']], true);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
