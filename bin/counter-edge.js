#!/usr/bin/env node
// Entry point of the installed command. Runs the compiled build (dist/, from `npm run build`) when
// present, so a Pi runs on node alone; otherwise loads the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const built = new URL('../dist/device/main.js', import.meta.url);
let main;
if (existsSync(built)) {
  ({ main } = await import(built.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../device/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
