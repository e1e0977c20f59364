#!/usr/bin/env node
// Entry point of the installed command: load TypeScript through tsx, then run the CLI.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../device/main.ts');
process.exitCode = await main(process.argv.slice(2));
