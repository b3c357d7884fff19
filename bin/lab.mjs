#!/usr/bin/env node
// The `lab` command: registers tsx so the TypeScript sources run as they are, then hands over to src/cli.ts.
import { register } from 'tsx/esm/api';

// Ink draws only a final frame when it believes it runs in CI (CI or CONTINUOUS_INTEGRATION set). A
// terminal on stdout means a person is watching, so the walkthrough must draw live even then.
if (process.stdout.isTTY) {
  for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) if (name in process.env) process.env[name] = 'false';
}

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
