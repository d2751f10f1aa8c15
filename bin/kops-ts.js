#!/usr/bin/env node
// kops-ts entry point. An installed package (built by `npm pack`/`npm publish` through prepack)
// runs the compiled dist/. In a source checkout (src/ present) it runs dist/ too when dist/ was
// built from exactly the sources checked out (bin/source-stamp.js; `npm run build`, run by
// `npm ci`/`npm install` through prepare), and otherwise the TypeScript sources through tsx's
// loader: what runs is always what is checked out. KOPS_TS_FROM_SOURCE=1 forces the sources.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const root = fileURLToPath(new URL('..', import.meta.url));
const source = new URL('../src/cli/entry.ts', import.meta.url);
const compiled = new URL('../dist/cli/entry.js', import.meta.url);
let fromSource = existsSync(source);
if (fromSource && process.env.KOPS_TS_FROM_SOURCE !== '1') {
  const { distIsFresh } = await import('./source-stamp.js');
  fromSource = !distIsFresh(root);
}
let mod;
if (fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(source.href);
} else {
  mod = await import(compiled.href);
}
await mod.main();
