#!/usr/bin/env node
// The `lab` command: registers tsx so the TypeScript sources run as they are, then hands over to src/cli.ts.
import { register } from 'tsx/esm/api';

// With CI or CONTINUOUS_INTEGRATION set, Ink draws only a final frame and chalk drops colours. A
// terminal on stdout means a person is watching, so the walkthrough must draw live and in colour even
// then (NO_COLOR still turns colours off).
if (process.stdout.isTTY) {
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
}

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
