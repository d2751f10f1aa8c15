/** Types of bin/bundle-loader.js (plain JavaScript: the entry point runs before any compiler). */
export declare function cacheFileOf(bundleFile: string): string;
/** What a code cache of the bundle (its bytes, or its text) starts with; V8's data follows. */
export declare function cachePrefixOf(bundle: Buffer | string): Buffer;
export interface LoadedBundle {
  readonly exports: { main(argv?: readonly string[]): Promise<void> };
  /** True when V8 took the cache (false when there was none for this text, or V8 refused it). */
  readonly cacheUsed: boolean;
  /** What V8 has compiled so far, with the header naming the source it belongs to. */
  cacheData(): Buffer;
}
/** Compiles and runs the bundle with its code cache (`useCache`, default true); `writeBack` replaces an unused cache at exit. */
export declare function loadBundle(bundleFile: string, options?: { readonly useCache?: boolean; readonly writeBack?: boolean }): LoadedBundle;
