import { HttpUnreachableError, httpGet, parseJson } from '../../drivers/http.ts';
import { snippet } from '../kinds/http.ts';
import type { Outcome, ProbeContext } from '../types.ts';
import { apiGet, isOutcome, statusMessage } from './apiserver.ts';

export const NGINX_PAGE = 'Welcome to nginx!';

/** nginx answers on its pod IP (Docker's bridge) from this host. */
export async function nginxServes(ctx: ProbeContext): Promise<Outcome> {
  const expected = `GET http://<nginx pod IP>/ contains "${NGINX_PAGE}"`;
  const reply = await apiGet(ctx, '/api/v1/namespaces/default/pods/nginx');
  if (isOutcome(reply)) return { ...reply, expected };
  const ip = (parseJson(reply.body) as { status?: { podIP?: string } })?.status?.podIP;
  if (reply.status !== 200 || !ip) return { ok: false, expected, seen: reply.status === 404 ? 'there is no pod nginx' : 'nginx has no pod IP yet' };
  const url = `http://${ip}/`;
  try {
    const page = await httpGet(url);
    const ok = page.body.includes(NGINX_PAGE);
    return { ok, expected: `GET ${url} contains "${NGINX_PAGE}"`, seen: `HTTP ${page.status}: ${snippet(page.body, 60)}`, evidence: { ip } };
  } catch (error) {
    if (error instanceof HttpUnreachableError) return { ok: false, expected: `GET ${url} contains "${NGINX_PAGE}"`, seen: error.describe(), evidence: { ip } };
    throw error;
  }
}

/** The curl pod's logs read through the apiserver, which fetches them from kubelet's port 10250. */
export async function curlLogs(ctx: ProbeContext): Promise<Outcome> {
  const expected = `the curl pod's logs, read through the apiserver, contain "${NGINX_PAGE}"`;
  const reply = await apiGet(ctx, '/api/v1/namespaces/default/pods/curl/log');
  if (isOutcome(reply)) return { ...reply, expected };
  if (reply.status === 404) return { ok: false, expected, seen: 'there is no pod curl' };
  if (reply.status !== 200) {
    const message = statusMessage(reply.body);
    const kubeletUnreachable = /10250|dial tcp|connection refused|no such host/.test(message);
    return {
      ok: false,
      expected,
      seen: `HTTP ${reply.status}: ${message}`,
      ...(kubeletUnreachable ? { cause: 'the apiserver cannot reach kubelet on port 10250 at the node address', hint: 'kubelet must run with --address and --node-ip set to the docker0 bridge address (lesson 1), and the apiserver with --kubelet-preferred-address-types=InternalIP' } : {}),
      evidence: { status: reply.status, message },
    };
  }
  const ok = reply.body.includes(NGINX_PAGE);
  return { ok, expected, seen: ok ? `logs hold the nginx page (${reply.body.length} bytes)` : `logs say "${snippet(reply.body)}"` };
}
