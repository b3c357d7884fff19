import type { LabEnv } from '../context.ts';
import { doctorChecks } from '../doctor/checks/index.ts';
import { runDoctor } from '../doctor/doctor.ts';
import { realDoctorInputs } from '../doctor/realInputs.ts';
import { DockerDriver } from '../drivers/docker.ts';
import { labImages } from '../images/list.ts';
import { automaticPullsAllowed, ensureImages } from '../images/pull.ts';
import { releaseArchive, releaseBaseUrl, setupBinaries } from '../setup/setup.ts';
import type { MachinePrep } from './preflight.ts';

/** The walkthrough's first screen on this machine: the real doctor, `lab setup`'s download and pulls. */
export function realMachinePrep(env: LabEnv): MachinePrep {
  // Fresh inputs per run: they remember Docker's answers, and `r` must ask again.
  return {
    doctor: (onCheck, onResult) => runDoctor(realDoctorInputs(env, new DockerDriver()), doctorChecks, { onCheck: (check, index, total) => onCheck(check.title, index, total), onResult }),
    recheck: (ids) => runDoctor(realDoctorInputs(env, new DockerDriver()), doctorChecks.filter((c) => ids.includes(c.id))),
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
