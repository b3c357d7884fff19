import { HttpUnreachableError, parseJson, type HttpReply } from '../../../machine/http.ts';
import type { Outcome, ProbeContext } from '../types.ts';
import { memo } from '../types.ts';

/** GET on the insecure apiserver port; an Outcome instead of a throw when it does not answer. */
export async function apiGet(ctx: ProbeContext, apiPath: string): Promise<HttpReply | Outcome> {
  try {
    return await ctx.machine.http(`${ctx.env.apiserverUrl}${apiPath}`);
  } catch (error) {
    if (error instanceof HttpUnreachableError) return unreachable(error, apiPath);
    throw error;
  }
}

function unreachable(error: HttpUnreachableError, what: string): Outcome {
  return {
    ok: false,
    expected: what,
    seen: `the apiserver: ${error.describe()}`,
    cause: 'the apiserver is not answering on 127.0.0.1:8080',
    hint: 'check that step 3 still passes: `lab verify 3`',
    evidence: { reason: error.reason },
  };
}

export const isOutcome = (value: HttpReply | Outcome): value is Outcome => 'ok' in value;

export const probePod = (ctx: ProbeContext) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'mvk-admission-check', namespace: 'default' },
  // A dry run pulls nothing: the sandbox image the engine always has will do.
  spec: { containers: [{ name: 'check', image: ctx.env.versions.images.pause, command: ['true'] }] },
});

/** One server-side dry run per probe run: admission runs in full, nothing is stored. */
export function dryRunCreate(ctx: ProbeContext): Promise<HttpReply | Outcome> {
  return memo(ctx, 'dry-run-pod', async () => {
    try {
      return await ctx.machine.http(`${ctx.env.apiserverUrl}/api/v1/namespaces/default/pods?dryRun=All`, {
        method: 'POST',
        body: JSON.stringify(probePod(ctx)),
        contentType: 'application/json',
      });
    } catch (error) {
      if (error instanceof HttpUnreachableError) return unreachable(error, 'dry-run create of a pod');
      throw error;
    }
  });
}

export function statusMessage(body: string): string {
  const status = parseJson(body) as { message?: string } | undefined;
  return status?.message ?? body.trim().slice(0, 200);
}
