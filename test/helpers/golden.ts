/**
 * Golden files: `actual` must equal `<dir><file>`; with `UPDATE_GOLDEN=1` the file is (re)written
 * instead, for a person to review the diff. A missing file is an error, never silently created.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

export const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';

export function expectGolden(dir: URL, file: string, actual: string): void {
  const url = new URL(file, dir);
  if (UPDATE_GOLDEN) {
    mkdirSync(new URL('.', url), { recursive: true });
    writeFileSync(url, actual);
    return;
  }
  if (!existsSync(url)) throw new Error(`golden file ${url.pathname} is missing: run with UPDATE_GOLDEN=1 to write it`);
  expect(actual, `${file} differs; if the change is intended, run with UPDATE_GOLDEN=1 and review the diff`).toBe(readFileSync(url, 'utf8'));
}
