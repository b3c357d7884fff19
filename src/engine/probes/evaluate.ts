import type { ProbeSpec } from '../../content/schema.ts';
import { codeProbes } from './custom/index.ts';
import { apiObjectProbe } from './kinds/apiObject.ts';
import { containerProbe } from './kinds/container.ts';
import { fileProbe } from './kinds/file.ts';
import { httpProbe } from './kinds/http.ts';
import { kubectlProbe } from './kinds/kubectl.ts';
import { pathProbe } from './kinds/path.ts';
import { processProbe } from './kinds/process.ts';
import type { Outcome, ProbeContext } from './types.ts';

export function evaluate(spec: ProbeSpec, ctx: ProbeContext): Promise<Outcome> {
  switch (spec.kind) {
    case 'process':
      return processProbe(spec, ctx);
    case 'http':
      return httpProbe(spec, ctx);
    case 'container':
      return containerProbe(spec, ctx);
    case 'apiObject':
      return apiObjectProbe(spec, ctx);
    case 'file':
      return fileProbe(spec, ctx);
    case 'path':
      return pathProbe(spec, ctx);
    case 'kubectl':
      return kubectlProbe(spec, ctx);
    case 'code': {
      const probe = codeProbes[spec.module];
      if (!probe) throw new Error(`no code probe named ${spec.module}`);
      return probe(ctx);
    }
  }
}
