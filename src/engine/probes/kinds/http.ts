import type { ProbeSpec } from '../../../content/schema.ts';
import { type HttpReply, HttpUnreachableError, parseJson } from '../../../machine/http.ts';
import { render } from '../../../core/template.ts';
import { checkConditions } from '../conditions.ts';
import type { Outcome, ProbeContext } from '../types.ts';

type Spec = Extract<ProbeSpec, { kind: 'http' }>;

export function snippet(text: string, max = 100): string {
  const flat = text.trim().replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

export async function httpProbe(spec: Spec, ctx: ProbeContext): Promise<Outcome> {
  const url = render(spec.url, ctx.vars);
  const wants: string[] = [`GET ${url} -> ${spec.status}`];
  if (spec.bodyEquals !== undefined) wants.push(`body "${spec.bodyEquals}"`);
  if (spec.bodyContains !== undefined) wants.push(`body contains "${spec.bodyContains}"`);
  let reply: HttpReply;
  try {
    reply = await ctx.machine.http(url, { timeoutMs: spec.timeoutMs });
  } catch (error) {
    if (error instanceof HttpUnreachableError)
      return { ok: false, expected: wants.join(', '), seen: error.describe(), evidence: { url, reason: error.reason } };
    throw error;
  }
  const evidence = { url, status: reply.status, body: snippet(reply.body, 400) };
  if (reply.status !== spec.status)
    return { ok: false, expected: wants.join(', '), seen: `HTTP ${reply.status}: ${snippet(reply.body)}`, evidence };
  if (spec.bodyEquals !== undefined && reply.body.trim() !== spec.bodyEquals)
    return { ok: false, expected: wants.join(', '), seen: `body "${snippet(reply.body)}"`, evidence };
  if (spec.bodyContains !== undefined && !reply.body.includes(spec.bodyContains))
    return { ok: false, expected: wants.join(', '), seen: `body "${snippet(reply.body)}"`, evidence };
  if (spec.json) {
    const document = parseJson(reply.body);
    if (document === undefined)
      return { ok: false, expected: `${wants.join(', ')}, JSON body`, seen: `not JSON: ${snippet(reply.body)}`, evidence };
    const check = checkConditions(document, spec.json);
    return { ok: check.ok, expected: `${wants.join(', ')}, ${check.expected}`, seen: check.seen, evidence };
  }
  return { ok: true, expected: wants.join(', '), seen: `HTTP ${reply.status}: ${snippet(reply.body)}`, evidence };
}
