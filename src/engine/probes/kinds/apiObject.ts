import type { ProbeSpec } from '../../../content/schema.ts';
import { type HttpReply, HttpUnreachableError, parseJson } from '../../../machine/http.ts';
import { render } from '../../../core/template.ts';
import { checkConditions, renderConditions } from '../conditions.ts';
import { snippet } from './http.ts';
import type { Outcome, ProbeContext } from '../types.ts';

type Spec = Extract<ProbeSpec, { kind: 'apiObject' }>;

export async function apiObjectProbe(spec: Spec, ctx: ProbeContext): Promise<Outcome> {
  const apiPath = render(spec.path, ctx.vars);
  const conditions = renderConditions(spec.expect, ctx.vars);
  const base = checkConditions({}, conditions).expected;
  const expected = `${apiPath}: ${base}`;
  let reply: HttpReply;
  try {
    reply = await ctx.machine.http(`${ctx.env.apiserverUrl}${apiPath}`, { timeoutMs: spec.timeoutMs });
  } catch (error) {
    if (error instanceof HttpUnreachableError) {
      return {
        ok: false,
        expected,
        seen: `the apiserver: ${error.describe()}`,
        cause: 'the apiserver is not answering on 127.0.0.1:8080 (step 3)',
        hint: 'check that step 3 still passes: `lab verify 3`',
        evidence: { reason: error.reason },
      };
    }
    throw error;
  }
  const document = parseJson(reply.body);
  const evidence = { status: reply.status, object: document };
  if (reply.status === 404) return { ok: false, expected, seen: `${apiPath} does not exist (404)`, evidence };
  if (reply.status !== 200 || document === undefined)
    return { ok: false, expected, seen: `HTTP ${reply.status}: ${snippet(reply.body)}`, evidence };
  const check = checkConditions(document, conditions);
  return { ok: check.ok, expected, seen: check.seen, evidence };
}
