import { HttpUnreachableError, parseJson } from '../../../machine/http.ts';
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
  if (reply.status !== 200 || !ip)
    return { ok: false, expected, seen: reply.status === 404 ? 'there is no pod nginx' : 'nginx has no pod IP yet' };
  const url = `http://${ip}/`;
  try {
    const page = await ctx.machine.http(url);
    const ok = page.body.includes(NGINX_PAGE);
    return {
      ok,
      expected: `GET ${url} contains "${NGINX_PAGE}"`,
      seen: `HTTP ${page.status}: ${snippet(page.body, 60)}`,
      evidence: { ip },
    };
  } catch (error) {
    if (error instanceof HttpUnreachableError)
      return { ok: false, expected: `GET ${url} contains "${NGINX_PAGE}"`, seen: error.describe(), evidence: { ip } };
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
      ...(kubeletUnreachable
        ? {
            cause: 'the apiserver cannot reach kubelet on port 10250 at the node address',
            hint:
              'kubelet must run with --address and --node-ip set to the docker0 bridge address (lesson 1), and the apiserver with ' +
              '--kubelet-preferred-address-types=InternalIP',
          }
        : {}),
      evidence: { status: reply.status, message },
    };
  }
  const ok = reply.body.includes(NGINX_PAGE);
  if (!ok) {
    // A curl pod that restarts (restartPolicy Always) may be between two runs: its previous run counts too.
    const previous = await apiGet(ctx, '/api/v1/namespaces/default/pods/curl/log?previous=true');
    if (!isOutcome(previous) && previous.status === 200 && previous.body.includes(NGINX_PAGE))
      return { ok: true, expected, seen: `its previous run's logs hold the nginx page (${previous.body.length} bytes)` };
  }
  return { ok, expected, seen: ok ? `logs hold the nginx page (${reply.body.length} bytes)` : `logs say "${snippet(reply.body)}"` };
}

interface CurlPod {
  spec?: { nodeName?: string; restartPolicy?: string };
  status?: { phase?: string; containerStatuses?: { state?: ContainerState; lastState?: ContainerState; restartCount?: number }[] };
}
interface ContainerState {
  terminated?: { exitCode?: number; reason?: string };
  waiting?: { reason?: string };
  running?: unknown;
}

/**
 * The curl pod ran curl to the end at least once. With the lesson's restartPolicy Never the pod
 * Succeeds; with the default Always (the original article's pod) kubelet runs curl again after every
 * exit, so success is a terminated attempt with exit code 0, now or the last time.
 */
export async function curlRan(ctx: ProbeContext): Promise<Outcome> {
  const expected = 'the curl pod ran on the node and curl exited with code 0';
  const reply = await apiGet(ctx, '/api/v1/namespaces/default/pods/curl');
  if (isOutcome(reply)) return { ...reply, expected };
  if (reply.status === 404) return { ok: false, expected, seen: 'there is no pod curl', evidence: { status: 404 } };
  const pod = parseJson(reply.body) as CurlPod;
  const evidence = { status: reply.status, object: pod };
  const policy = pod?.spec?.restartPolicy ?? 'Always';
  const status = pod?.status?.containerStatuses?.[0];
  const ended = [status?.state?.terminated, status?.lastState?.terminated].filter((t) => t !== undefined);
  if (ended.some((t) => t!.exitCode === 0)) {
    const note =
      policy === 'Never'
        ? undefined
        : `your curl pod has restartPolicy ${policy}${policy === 'Always' ? " (a pod's default)" : ''}, so kubelet runs curl again ` +
          `after every exit (kubectl shows CrashLoopBackOff); the lesson's restartPolicy: Never runs it once`;
    return {
      ok: true,
      expected,
      seen: `curl exited with code 0 (pod ${pod?.status?.phase ?? 'phase unknown'}, restartPolicy ${policy})`,
      evidence,
      ...(note ? { note } : {}),
    };
  }
  const failed = ended.find((t) => t!.exitCode !== 0);
  if (failed)
    return {
      ok: false,
      expected,
      seen: `curl exited with code ${failed.exitCode}${policy === 'Never' ? '' : `, and kubelet runs it again (restartPolicy ${policy})`}`,
      cause:
        'curl could not fetch the page (exit 7: nothing answered at that address, 6: the name did not resolve); with -sS its own ' +
        'error is in `kubectl logs curl`',
      evidence,
    };
  return {
    ok: false,
    expected,
    seen:
      `curl has not finished yet (pod ${pod?.status?.phase ?? 'phase unknown'}` +
      (status?.state?.waiting?.reason ? `, ${status.state.waiting.reason}` : '') +
      `)`,
    evidence,
  };
}
