#!/usr/bin/env node
// The `sfa` command. The sources are TypeScript run through tsx, the same way the offload
// server runs, so there is no separate build step for the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: Boolean(process.stderr.isTTY),
});
