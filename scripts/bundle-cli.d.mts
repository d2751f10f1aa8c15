// Types of scripts/bundle-cli.mjs (a plain ES module of the build, run by node without tsx).
import type { Metafile } from 'esbuild';

/** Where the bundle goes, under the package root: dist/cli-bundle. */
export declare const BUNDLE_DIR: string;
/** The bundle's file name in its outdir: entry.cjs. */
export declare const BUNDLE_FILE: string;
/** Bundles the CLI from `root`'s src/ into `outdir` (default `root`/dist/cli-bundle) and writes its code cache; esbuild's metafile. */
export declare function bundleCli(root: string, outdir?: string): Promise<Metafile>;
/** Writes the code cache of `bundle` (a path) by running it; throws when a run fails. */
export declare function writeCompileCache(root: string, bundle: string): void;
