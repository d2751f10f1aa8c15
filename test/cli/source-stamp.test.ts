/**
 * bin/source-stamp.js: bin/kops-ts.js runs dist/ in a checkout only when `npm run build` compiled
 * it from exactly the sources there now; any change to src/ or the build settings sends it back to
 * the sources (never stale code).
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STAMP_FILE, distIsFresh, sourceFingerprint } from '../../bin/source-stamp.js';

let root: string;
const stamp = () => writeFileSync(join(root, STAMP_FILE), sourceFingerprint(root));

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kops-ts-stamp-'));
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  mkdirSync(join(root, 'dist'));
  writeFileSync(join(root, 'src', 'cli', 'entry.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'src', 'version.ts'), 'export const v = "0.1.0";\n');
  for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) writeFileSync(join(root, f), '{}\n');
  stamp();
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('dist/ freshness', () => {
  it('is fresh right after the stamp is written, and only with a stamp', () => {
    expect(distIsFresh(root)).toBe(true);
    unlinkSync(join(root, STAMP_FILE));
    expect(distIsFresh(root)).toBe(false);
  });

  it('is stale once a source file is edited (a new modification time), even to the same size', () => {
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(root, 'src', 'version.ts'), later, later);
    expect(distIsFresh(root)).toBe(false);
    stamp();
    writeFileSync(join(root, 'src', 'version.ts'), 'export const v = "0.2.0";\n');
    utimesSync(join(root, 'src', 'version.ts'), new Date(0), new Date(0));
    expect(distIsFresh(root)).toBe(false);
  });

  it('is stale once a source file is added or removed', () => {
    writeFileSync(join(root, 'src', 'cli', 'new.ts'), '');
    expect(distIsFresh(root)).toBe(false);
    stamp();
    unlinkSync(join(root, 'src', 'cli', 'new.ts'));
    expect(distIsFresh(root)).toBe(false);
  });

  it('is stale once the compiler or package settings change', () => {
    writeFileSync(join(root, 'tsconfig.json'), '{ "compilerOptions": {} }\n');
    expect(distIsFresh(root)).toBe(false);
    stamp();
    unlinkSync(join(root, 'tsconfig.build.json'));
    expect(distIsFresh(root)).toBe(false);
  });
});
