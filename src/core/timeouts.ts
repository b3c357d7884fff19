/**
 * One factor for every wait the lab makes (probe timeouts, kubectl, apply's per-step budget), for slow
 * machines: an emulated VM, a small ARM board. `MVK_TIMEOUT_SCALE=4` makes each wait four times longer;
 * `lab apply --timeout-scale N` sets it for that run. Read on each call, as tests set it late.
 */
export function timeoutScale(): number {
  const value = Number(process.env.MVK_TIMEOUT_SCALE ?? 1);
  return Number.isFinite(value) && value > 0 ? value : 1;
}

export const scaled = (ms: number) => Math.round(ms * timeoutScale());
