import { goArch } from '../../../core/arch.ts';
import type { ArtifactFact, DoctorCheck } from '../types.ts';
import { result } from './result.ts';

export const binariesCheck: DoctorCheck = {
  id: 'binaries',
  title: 'Kubernetes binaries present or obtainable',
  async run(inputs) {
    const states = await inputs.binaries();
    const bad = states.filter((s) => !s.present);
    if (bad.length === 0) return result(this.id, this.title, 'pass', `${states.map((s) => s.name).join(', ')} in ${inputs.binDir}`);
    const detail = bad.map((s) => `${s.name}: ${s.problem ?? 'missing'}`).join('; ');
    const arch = goArch(inputs.arch);
    if (inputs.downloadableArch(arch))
      return result(
        this.id,
        this.title,
        'warn',
        detail,
        '`lab setup` downloads them (verified against labs/checksums.yaml), or `lab setup --from DIR` copies yours',
      );
    return result(
      this.id,
      this.title,
      'fail',
      detail,
      `there is no release archive for ${arch} in labs/checksums.yaml: put the binaries in a directory and run \`lab setup --from DIR\``,
    );
  },
};

export const imagesCheck: DoctorCheck = {
  id: 'images',
  title: 'container images present or obtainable',
  async run(inputs) {
    let states: ArtifactFact[];
    try {
      states = await inputs.images();
    } catch (error) {
      return result(this.id, this.title, 'warn', `cannot ask Docker (${(error as Error).message})`, 'fix Docker first (see above)');
    }
    const missing = states.filter((s) => !s.present);
    if (missing.length === 0)
      return result(
        this.id,
        this.title,
        'pass',
        `all ${states.length} on this machine${inputs.mirror ? ` (mirror ${inputs.mirror})` : ''}`,
      );
    const from = inputs.mirror ? `the mirror ${inputs.mirror}` : 'their registries';
    return result(
      this.id,
      this.title,
      'warn',
      `not on this machine: ${missing.map((s) => s.name).join(', ')}`,
      `\`lab images pull\` (or \`lab setup\`) pulls them from ${from}; behind a firewall use --registry-mirror PREFIX, or \`lab ` +
        `images load FILE\` with a bundle from your instructor`,
    );
  },
};
