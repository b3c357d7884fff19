import type { ProbeSpec } from '../../content/schema.ts';
import type { Diagnosis, ProbeContext, ProbeResult } from '../probes/types.ts';
import { registerDiagnoser } from '../probes/diagnosis.ts';
import { catalogue, type CatalogueEntry } from './catalogue.ts';
import { gatherEvidence, linesAboutPod, telltaleLine, type Evidence } from './evidence.ts';

/** The id of the diagnosis given when no catalogue entry matches but there is evidence to show. */
export const FALLBACK_ID = 'unrecognised';

function available(entry: CatalogueEntry, ev: Evidence): boolean {
  return entry.needs.every((need) => ev[need] !== undefined);
}

/** The first catalogue entry that matches the evidence, as a diagnosis. Pure: the unit tests feed it recordings. */
export function matchEvidence(ev: Evidence, entries: CatalogueEntry[] = catalogue): Diagnosis | undefined {
  for (const entry of entries) {
    if (!available(entry, ev)) continue;
    const facts = entry.match(ev);
    if (facts) return { id: entry.id, explanation: entry.explain(facts, ev), fix: entry.fix(facts, ev), lessonRef: entry.lessonSection };
  }
  return undefined;
}

const clip = (text: string, max = 220) => (text.length > max ? `${text.slice(0, max - 3)}...` : text);
const KLOG_PREFIX = /^[IWEF]\d{4} [\d:.]+\s+\d+ /;

/**
 * Nothing in the catalogue fits: show the most telling evidence instead of a bare failure, namely
 * kubelet's last error about the pod, the container's last log line, the pod's last events.
 */
export function fallbackDiagnosis(ev: Evidence, result: Pick<ProbeResult, 'cause' | 'hint'>): Diagnosis | undefined {
  const clues: string[] = [];
  const about = ev.focus.pod ? linesAboutPod(ev.kubeletLog?.lines ?? [], ev.focus.pod, ev.nodeName) : [];
  const kubeletClue = (line: string) => `kubelet (${ev.kubeletLog!.source}): ${clip(line.replace(KLOG_PREFIX, ''))}`;
  const complaint = about.filter((line) => /^[EFW]\d{4}/.test(line)).at(-1);
  if (complaint) clues.push(kubeletClue(complaint));
  // A running container says what it is doing now; an older one that crashed may be long fixed.
  const running = ev.runningLogs ? telltaleLine(ev.runningLogs.text) : '';
  const said = running || telltaleLine(ev.containerLogs?.text);
  if (said)
    clues.push(`container ${running ? `${ev.runningLogs!.container} (running)` : ev.containerLogs!.container} last said: ${clip(said)}`);
  if (ev.events?.length) clues.push(`events: ${clip(ev.events.at(-1)!)}`);
  // kubelet's routine lines about the pod (volumes mounted, …) only when nothing better is known.
  if (clues.length === 0 && about.length > 0) clues.push(kubeletClue(about.at(-1)!));
  if (clues.length === 0) return undefined;
  return {
    id: FALLBACK_ID,
    explanation: `${result.cause ? `${result.cause}. ` : ''}The closest clues: ${clues.join('; ')}`,
    fix: result.hint ?? 'read the clue above; it usually names the flag, file or address at fault',
  };
}

export async function diagnose(result: ProbeResult, spec: ProbeSpec, ctx: ProbeContext): Promise<Diagnosis | undefined> {
  const ev = await gatherEvidence(result, spec, ctx);
  return matchEvidence(ev) ?? fallbackDiagnosis(ev, result);
}

/** Attaches the diagnosis layer to the probe runner (the CLI does this once at start). */
export function enableDiagnosis(): void {
  registerDiagnoser(diagnose);
}
