/**
 * `npm run bench`: runs every benchmark and prints Markdown tables (recorded in
 * docs/performance.md). Not a test: nothing here asserts a time.
 */
import { benchParse } from './parse.js';

const started = Date.now();
console.log(`# kops-ts benchmarks (node ${process.version}, ${new Date().toISOString()})\n`);
console.log(benchParse());
console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
