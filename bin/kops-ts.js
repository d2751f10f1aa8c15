#!/usr/bin/env node
// kops-ts entry point. Uses the compiled build (npm run build) when present; from a fresh checkout
// it runs the TypeScript sources through tsx's loader instead.
import 'reflect-metadata';
import { existsSync } from 'node:fs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const built = new URL('../dist/cli/main.js', import.meta.url);
let mod;
if (existsSync(built)) {
  mod = await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
await mod.main();
