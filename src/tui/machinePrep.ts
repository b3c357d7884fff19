import type { LabEnv } from '../core/context.ts';
import { doctorChecks } from '../engine/doctor/checks/index.ts';
import { runDoctor } from '../engine/doctor/doctor.ts';
import { realDoctorInputs } from '../engine/doctor/realInputs.ts';
import { DockerDriver } from '../machine/docker.ts';
import { labImages } from '../engine/images/list.ts';
import { automaticPullsAllowed, ensureImages } from '../engine/images/pull.ts';
import { releaseArchive, releaseBaseUrl, setupBinaries } from '../engine/setup/setup.ts';
import type { MachinePrep } from './machineCheck.ts';

/** The walkthrough's first screen on this machine: the real doctor, `lab setup`'s download and pulls. */
export function realMachinePrep(env: LabEnv): MachinePrep {
  // Fresh inputs per run: they remember Docker's answers, and `r` must ask again.
  return {
    doctor: (onCheck, onResult) =>
      runDoctor(realDoctorInputs(env, new DockerDriver()), doctorChecks, {
        onCheck: (check, index, total) => onCheck(check.title, index, total),
        onResult,
      }),
    recheck: (ids) =>
      runDoctor(
        realDoctorInputs(env, new DockerDriver()),
        doctorChecks.filter((c) => ids.includes(c.id)),
      ),
    binarySource() {
      try {
        return releaseArchive().url;
      } catch {
        return releaseBaseUrl();
      }
    },
    fetchBinaries: async (onProgress, log) => {
      await setupBinaries({ log, onProgress });
    },
    pullsAllowed: automaticPullsAllowed,
    fetchImages: (onImage, onLayer, log) =>
      ensureImages(
        env,
        new DockerDriver(),
        labImages(env).map((i) => i.role),
        { log, onProgress: onLayer, onImage, automatic: true },
      ),
  };
}
