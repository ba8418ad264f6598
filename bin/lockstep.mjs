#!/usr/bin/env node
// The lockstep CLI runs the TypeScript sources through tsx, so `npx lockstep` works right after `npm install`.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/main/cli/main.ts');
process.exit(await runCli(process.argv));
