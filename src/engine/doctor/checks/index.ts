import type { DoctorCheck } from '../types.ts';
import { binariesCheck, imagesCheck } from './artifacts.ts';
import { otherKubernetesCheck, portsCheck } from './cluster.ts';
import { cgroupDriverCheck, dockerApiCheck, dockerCheck, sandboxCheck } from './docker.ts';
import { cgroupVersionCheck, swapCheck } from './kernel.ts';
import { diskCheck, initSystemCheck, machineIdCheck, platformCheck, rootCheck, toolChecks, wslCheck } from './system.ts';

/** The checks in the order a student should fix them: machine, Docker, kernel, neighbours, artefacts. */
export const doctorChecks: DoctorCheck[] = [
  platformCheck,
  wslCheck,
  rootCheck,
  initSystemCheck,
  dockerCheck,
  dockerApiCheck,
  cgroupDriverCheck,
  sandboxCheck,
  cgroupVersionCheck,
  swapCheck,
  machineIdCheck,
  ...toolChecks,
  otherKubernetesCheck,
  portsCheck,
  diskCheck,
  binariesCheck,
  imagesCheck,
];
