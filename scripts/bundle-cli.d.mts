// Types of scripts/bundle-cli.mjs (a plain ES module of the build, run by node without tsx).
import type { Metafile } from 'esbuild';

/** Where the bundle goes, under the package root: dist/cli-bundle. */
export declare const BUNDLE_DIR: string;
/** Bundles the CLI from `root`'s src/ into `outdir` (default `root`/dist/cli-bundle); esbuild's metafile. */
export declare function bundleCli(root: string, outdir?: string): Promise<Metafile>;
