/**
 * `lab show N` (issue 12): a step's commands as plain text with this machine's values, the same text
 * the walkthrough shows and its copy key copies, for a terminal where copying from the lab's screen
 * does not work. The output is itself valid shell: every note is a comment.
 */
import path from 'node:path';
import { lessonCommands } from '../content/lessonBlocks.ts';
import type { Step } from '../content/load.ts';
import type { LabEnv } from '../core/context.ts';
import { renderLesson } from '../engine/lesson.ts';
import { repoRoot } from '../core/paths.ts';
import type { MachineFacts } from '../core/template.ts';
import { plainInline } from '../tui/markdown.ts';

const FLAG_NOTES: Record<string, string> = {
  env: 'run this in every terminal you use for the lab',
  kubelet: 'in the kubelet terminal: it stays in the foreground until Ctrl-C',
  fails: 'fails on purpose: the lesson explains the error',
  retry: 'may need a few seconds: run it again if the output is not there yet',
};

/** The heading each line of a lesson falls under (headings inside code blocks do not count). */
function sectionOfLines(markdown: string): string[] {
  const sections: string[] = [];
  let current = '';
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const open = /^(`{3,})/.exec(line);
    if (fence) {
      if (line.startsWith(fence)) fence = undefined;
    } else if (open) fence = open[1];
    else {
      const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
      if (heading) current = plainInline(heading[1]!);
    }
    sections.push(current);
  }
  return sections;
}

/** Step `step`'s commands as a shell-readable text; `machine` undefined leaves <nodeIp> and the like, as the walkthrough does. */
export function showCommands(env: LabEnv, step: Step, total: number, machine?: MachineFacts): string {
  const markdown = renderLesson(env, step, machine);
  const sections = sectionOfLines(markdown);
  const out: string[] = [
    `# Step ${step.number}/${total}: ${step.meta.title}`,
    `# Its commands with this machine's values; the lesson explains them: ${path.relative(repoRoot, step.lessonFile)}`,
  ];
  if (!machine) out.push("# Docker did not answer, so this machine's values are not known: <nodeIp> and the like are placeholders.");
  let lastSection: string | undefined;
  for (const command of lessonCommands(markdown)) {
    out.push('');
    const section = sections[command.line - 1] ?? '';
    if (section && section !== lastSection) out.push(`# ${section}`);
    lastSection = section;
    for (const flag of command.flags) if (FLAG_NOTES[flag]) out.push(`# (${FLAG_NOTES[flag]})`);
    out.push(command.script);
    if (command.expect.length > 0) out.push('# prints lines with:', ...command.expect.map((line) => `#   ${line}`));
  }
  return `${out.join('\n')}\n`;
}
