// `npm run build`: compiles src/ to dist/ and stamps dist/ with the fingerprint of the sources it
// was compiled from (bin/source-stamp.js), taken before the compile starts, so that a file edited
// during the build leaves dist/ unstamped. A failed compile leaves no stamp: bin/kops-ts.js then
// runs the sources.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAMP_FILE, sourceFingerprint } from '../bin/source-stamp.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = join(root, STAMP_FILE);
const fingerprint = sourceFingerprint(root);
rmSync(stamp, { force: true });
const tsc = join(root, 'node_modules', '.bin', 'tsc');
const r = spawnSync(tsc, ['-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.error) {
  console.error(`npm run build: cannot run ${tsc}: ${r.error.message} (run npm install first)`);
  process.exit(1);
}
if (r.status !== 0) process.exit(r.status ?? 1);
mkdirSync(dirname(stamp), { recursive: true });
writeFileSync(stamp, fingerprint);
