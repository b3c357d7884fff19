import type { Command } from 'commander';
import { labEnv } from '../core/context.ts';
import { doctorPassed, formatDoctor, runDoctor } from '../engine/doctor/doctor.ts';
import { realDoctorInputs } from '../engine/doctor/realInputs.ts';

/** Version of `lab doctor --json`'s shape. */
export const DOCTOR_JSON_FORMAT = 1;

async function doctor(options: { json?: boolean }): Promise<number> {
  const results = await runDoctor(realDoctorInputs(labEnv()));
  const passed = doctorPassed(results);
  if (options.json) process.stdout.write(`${JSON.stringify({ format: DOCTOR_JSON_FORMAT, passed, checks: results }, null, 2)}\n`);
  else process.stdout.write(`${formatDoctor(results)}\n`);
  return passed ? 0 : 1;
}

export function registerDoctorCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('doctor')
    .option('--json', 'machine-readable output')
    .description('check this machine can run the lab (exit 1 when a check fails)')
    .action(async (options) => setExit(await doctor(options)));
}
