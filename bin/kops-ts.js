#!/usr/bin/env node
// kops-ts entry point. In a source checkout (src/ present, tsx installed) it runs the TypeScript
// sources through tsx's loader, so what runs is always what is checked out; an installed package
// (built by `npm pack`/`npm publish` through prepack) runs the compiled dist/.
import 'reflect-metadata';
import { existsSync } from 'node:fs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const source = new URL('../src/cli/main.ts', import.meta.url);
let mod;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(source.href);
} else {
  mod = await import(new URL('../dist/cli/main.js', import.meta.url).href);
}
await mod.main();
