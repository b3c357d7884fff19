import type { DockerFacts, DoctorCheck, DoctorInputs } from '../types.ts';
import { compareApiVersions, result } from './result.ts';

/**
 * kubelet v1.19.16's dockershim talks to Docker with a fixed API version and no negotiation: it pins
 * github.com/docker/docker aa6a9891b09c, whose client default is 1.40, and libdocker passes
 * WithVersion(""). So Docker must accept 1.40: at least Docker 19.03 (API 1.40), and on Docker 29+
 * (which by default refuses clients below 1.44) a lowered minimum.
 */
export const KUBELET_DOCKER_API = '1.40';
/** The engines the lab is tested with: Debian 12's 20.10 (the test bed) and Debian 13's 26 (its VM test). */
export const TESTED_DOCKER = /^(20\.10|26\.\d+)\./;

async function facts(inputs: DoctorInputs): Promise<{ docker?: DockerFacts; error?: string }> {
  try {
    return { docker: await inputs.docker() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export const dockerCheck: DoctorCheck = {
  id: 'docker',
  title: 'Docker engine reachable',
  async run(inputs) {
    const { docker, error } = await facts(inputs);
    if (!docker)
      return result(
        this.id,
        this.title,
        'fail',
        `no answer on /var/run/docker.sock (${error})`,
        'install Docker (Debian/Ubuntu: `apt-get install docker.io`), start it with `systemctl start docker`, then check `docker info`',
      );
    if (TESTED_DOCKER.test(docker.version))
      return result(this.id, this.title, 'pass', `Docker ${docker.version} (API ${docker.apiVersion}), a version the lab is tested with`);
    return result(
      this.id,
      this.title,
      'warn',
      `Docker ${docker.version} (API ${docker.apiVersion}); the lab is tested with 20.10 and 26`,
      'it should work (the API check below says whether kubelet 1.19 may talk to it); if kubelet misbehaves, Docker 20.10 ' +
        '(Debian 12) or 26 (Debian 13) are the tested engines',
    );
  },
};

export const dockerApiCheck: DoctorCheck = {
  id: 'docker-api',
  title: `Docker accepts API ${KUBELET_DOCKER_API} (kubelet 1.19's dockershim)`,
  async run(inputs) {
    const { docker } = await facts(inputs);
    if (!docker) return result(this.id, this.title, 'fail', 'Docker does not answer', 'see the Docker check above');
    if (compareApiVersions(docker.apiVersion, KUBELET_DOCKER_API) < 0) {
      return result(
        this.id,
        this.title,
        'fail',
        `Docker ${docker.version} speaks API up to ${docker.apiVersion} and refuses newer clients`,
        `kubelet 1.19.16 talks API ${KUBELET_DOCKER_API}: install Docker 19.03 or newer (20.10 is tested)`,
      );
    }
    if (compareApiVersions(docker.minApiVersion, KUBELET_DOCKER_API) > 0) {
      return result(
        this.id,
        this.title,
        'fail',
        `Docker ${docker.version} refuses clients older than API ${docker.minApiVersion}; kubelet would fail with "client version ${KUBELET_DOCKER_API}` +
          ` ` +
          `is too old"`,
        `Docker 29 raised its default minimum API version to 1.44 (moby/moby#51186). Lower it: add "min-api-version": "${KUBELET_DOCKER_API}` +
          `" to /etc/docker/daemon.json (moby/moby#51371), or set DOCKER_MIN_API_VERSION=${KUBELET_DOCKER_API} ` +
          (`in dockerd's environment (\`systemctl edit docker\`, [Service] Environment=DOCKER_MIN_API_VERSION=${KUBELET_DOCKER_API}` +
            `); then \`systemctl restart docker\`. Or install Docker 20.10`),
      );
    }
    return result(this.id, this.title, 'pass', `API ${docker.minApiVersion}–${docker.apiVersion}`);
  },
};

export const cgroupDriverCheck: DoctorCheck = {
  id: 'cgroup-driver',
  title: "kubelet's cgroup driver matches Docker's",
  async run(inputs) {
    const { docker } = await facts(inputs);
    if (!docker) return result(this.id, this.title, 'fail', 'Docker does not answer', 'see the Docker check above');
    if (docker.cgroupDriver === 'systemd') {
      return result(
        this.id,
        this.title,
        'pass',
        "Docker uses the systemd driver: kubelet must run with --cgroup-driver=systemd (the lab's commands and `lab apply` pass " +
          'it; typing kubelet by hand, add it)',
      );
    }
    if (docker.cgroupDriver === 'cgroupfs')
      return result(this.id, this.title, 'pass', "Docker uses cgroupfs, kubelet's default (--cgroup-driver=cgroupfs)");
    return result(
      this.id,
      this.title,
      'fail',
      `Docker reports the cgroup driver "${docker.cgroupDriver}"`,
      'kubelet 1.19 knows only cgroupfs and systemd; set "exec-opts": ["native.cgroupdriver=cgroupfs"] in ' +
        '/etc/docker/daemon.json and restart Docker',
    );
  },
};

/** kubelet asks Docker to give every pod sandbox this oom_score_adj (dockershim's PodInfraOOMAdj). */
export const SANDBOX_OOM_SCORE_ADJ = -998;

export const sandboxCheck: DoctorCheck = {
  id: 'sandbox',
  title: 'Docker can start a pod sandbox as kubelet does',
  async run(inputs) {
    const { docker } = await facts(inputs);
    if (!docker) return result(this.id, this.title, 'fail', 'Docker does not answer', 'see the Docker check above');
    const trial = await inputs.sandboxTrial();
    if (trial.skipped)
      return result(
        this.id,
        this.title,
        'warn',
        `not tried: ${trial.skipped}`,
        'run `lab setup` (or `lab images pull`), then `lab doctor` again',
      );
    if (trial.started) {
      const note = trial.capSysResource === false ? "; this machine cannot lower oom_score_adj itself, but Docker's runtime copes" : '';
      return result(this.id, this.title, 'pass', `started the pause image with oom_score_adj ${SANDBOX_OOM_SCORE_ADJ}${note}`);
    }
    const error = (trial.error ?? 'unknown error').split('\n')[0]!.slice(0, 240);
    const oom = trial.capSysResource === false || /final child's PID|oom_score_adj/.test(error);
    return result(
      this.id,
      this.title,
      'fail',
      `Docker could not start it: ${error}`,
      oom
        ? `kubelet gives every pod sandbox oom_score_adj ${SANDBOX_OOM_SCORE_ADJ}, and this machine forbids lowering it (no ` +
            `CAP_SYS_RESOURCE, common in sandboxed VMs and containers), so every pod would fail this way. Use a VM or host with full ` +
            `capabilities, or give Docker a runtime that raises negative oom_score_adj to 0 (the test bed's ` +
            `test/env/runc-oom-clamp.sh does that)`
        : 'check that Docker can run a container at all (`docker run --rm busybox true`) and read its log (`journalctl -u docker`)',
    );
  },
};
