/**
 * Writes docs/cli-reference.md from the commander definitions (src/cli/reference.ts).
 * `npm run docs:cli` writes it; `npm run docs:cli -- --check` only compares, exit 1 if it is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CLI_REFERENCE_PATH, cliReference } from '../src/cli/reference.js';

const file = new URL(`../${CLI_REFERENCE_PATH}`, import.meta.url);
const text = cliReference();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    // absent: stale
  }
  if (current !== text) {
    process.stderr.write(`${CLI_REFERENCE_PATH} is not what the commands define: run npm run docs:cli and commit it\n`);
    process.exitCode = 1;
  }
} else {
  writeFileSync(file, text);
  process.stdout.write(`wrote ${CLI_REFERENCE_PATH}\n`);
}
