// The CLI bundle: src/cli/entry.ts and everything it imports, bundled by esbuild into
// dist/cli-bundle/ as ES modules with code splitting, so that `kops-ts version` reads a few files
// instead of the ~30 modules tsc emits for it (Node's ESM loader costs per module), and each
// command's implementation stays in a chunk of its own, imported by its action.
//
// Bundled: our sources and the small pure-JS packages start-up needs (commander, yaml, ipaddr.js).
// Every other package stays an import of node_modules (the AWS SDK, the Google libraries, the
// Kubernetes client, the X.509 library, ...), loaded by the actions that need them, exactly as
// from tsc's dist/. tsc still type-checks and emits dist/ (the library: package.json main/types);
// bin/kops-ts.js runs this bundle when it is up to date (bin/source-stamp.js).
//
// Linked source maps (dist/cli-bundle/*.js.map, naming src/ files): bin/kops-ts.js turns them on
// for a verbose run (-v N > 0), whose error stack traces then name src/*.ts lines.
import { join } from 'node:path';
import * as esbuild from 'esbuild';

/** Where the bundle goes, under the package root. */
export const BUNDLE_DIR = join('dist', 'cli-bundle');

/** Packages bundled into the CLI: small, pure JavaScript, needed at start-up. */
const BUNDLED_PACKAGES = new Set(['commander', 'yaml', 'ipaddr.js']);

const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

/**
 * Bundles the CLI from `root`'s src/ into `outdir` (default `root`/dist/cli-bundle). Sources that
 * find package files by `new URL('../../x', import.meta.url)` (src/cloudup/channels.ts: the
 * shipped channel) rely on every output file sitting two folders below the package root, as their
 * source does under src/<folder>/: so the chunks are written flat into the outdir, and the
 * default outdir has that depth. Returns esbuild's metafile (inputs and outputs).
 */
export async function bundleCli(root, outdir = join(root, BUNDLE_DIR)) {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { entry: join(root, 'src', 'cli', 'entry.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: '[name]-[hash]',
    sourcemap: 'linked',
    sourcesContent: false,
    // Less text for V8 to scan at start-up (commander's chunk is mostly comments): about 5 % of
    // `get clusters`. Names and syntax are left alone (stack traces, error names, source maps).
    minifyWhitespace: true,
    metafile: true,
    logLevel: 'warning',
    // Bundled CommonJS packages (commander, yaml) require Node's built-ins: give every ES module
    // output a real `require`.
    banner: { js: "import { createRequire as __kopsTsCreateRequire } from 'node:module'; const require = __kopsTsCreateRequire(import.meta.url);" },
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
  return result.metafile;
}
