/** Types of bin/source-stamp.js (plain JavaScript: the entry point runs before any compiler). */
export declare const STAMP_FILE: string;
export declare function sourceFingerprint(root: string): string;
export declare function distIsFresh(root: string): boolean;
