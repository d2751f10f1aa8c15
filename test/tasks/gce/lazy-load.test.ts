/**
 * AWS users must not pay `@google-cloud/compute`'s start-up cost: outside `src/cloud/gce/clients.ts`
 * (which imports it with a dynamic `import()`), src/ may name it only in type-only imports.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('the GCE client library is loaded lazily', () => {
  it('has no static value import of @google-cloud/compute or google-gax in src/', () => {
    const offenders: string[] = [];
    for (const f of files('src')) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/^import\s+(?!type\b)[^;]*from\s+'(@google-cloud\/compute|google-gax)'/gm)) offenders.push(`${f}: ${m[0]}`);
    }
    expect(offenders).toEqual([]);
    const clients = readFileSync('src/cloud/gce/clients.ts', 'utf8');
    expect(clients).toMatch(/[^.\w]import\('@google-cloud\/compute'\)/);
  });
});
