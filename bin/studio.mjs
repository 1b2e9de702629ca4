#!/usr/bin/env node
// The `studio` command: runs the CLI from the TypeScript sources through tsx,
// so `npx studio …` works in a fresh checkout without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
