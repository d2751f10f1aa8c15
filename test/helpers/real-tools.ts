/** The real `shellcheck` and `cloud-init schema`, run on text written to a temporary file. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

let n = 0;

export function shellcheck(dir: string, script: string): { status: number | null; out: string } {
  const path = join(dir, `shellcheck-${n++}.sh`);
  writeFileSync(path, script);
  const r = spawnSync('shellcheck', ['-s', 'bash', path], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

export function cloudInitSchema(dir: string, text: string): { status: number | null; out: string } {
  const path = join(dir, `cloud-config-${n++}.yaml`);
  writeFileSync(path, text);
  const r = spawnSync('cloud-init', ['schema', '-c', path], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
