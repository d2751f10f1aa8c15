// `npm run build`: compiles src/ to dist/ (tsc: the library and its types), bundles the CLI into
// dist/cli-bundle/ (scripts/bundle-cli.mjs: what bin/kops-ts.js runs), and stamps dist/ with the fingerprint of the sources it
// was compiled from (bin/source-stamp.js), taken before the compile starts, so that a file edited
// during the build leaves dist/ unstamped. A failed compile or bundle leaves no stamp: bin/kops-ts.js then
// runs the sources.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAMP_FILE, sourceFingerprint } from '../bin/source-stamp.js';
import { BUNDLE_DIR, bundleCli } from './bundle-cli.mjs';

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
rmSync(join(root, BUNDLE_DIR), { recursive: true, force: true });
try {
  await bundleCli(root);
} catch (e) {
  console.error(`npm run build: bundling the CLI failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
mkdirSync(dirname(stamp), { recursive: true });
writeFileSync(stamp, fingerprint);
