import type { Step } from '../content/load.ts';
import { lessonCommands, type LessonCommand } from '../content/lessonBlocks.ts';
import type { LabEnv } from '../core/context.ts';
import { machinePlaceholders, render, type MachineFacts } from '../core/template.ts';
import { templateVars } from './templateVars.ts';

/**
 * The lesson as the student sees it: placeholders replaced by this machine's values. Without machine
 * facts (Docker down) they show as <nodeIp> and the like rather than failing.
 */
export function renderLesson(env: LabEnv, step: Step, machine?: MachineFacts): string {
  const vars = templateVars(env, machine);
  if (!machine) for (const name of machinePlaceholders) vars[name] = name === 'kubeletExtraFlags' ? '' : `<${name}>`;
  return render(step.lesson, vars);
}

export function renderedCommands(env: LabEnv, step: Step, machine?: MachineFacts): LessonCommand[] {
  return lessonCommands(renderLesson(env, step, machine));
}
