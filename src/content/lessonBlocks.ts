/**
 * Commands in a lesson are fenced blocks whose info string starts with `sh lab-run`; tests run them
 * exactly as written so a lesson cannot drift from what really happens. Flags after `lab-run`:
 *   env      run in every terminal (the PATH setup); tests prepend it to each later command
 *   kubelet  starts kubelet in the foreground; tests run the same text detached and stop the
 *            previous one first (the student's Ctrl-C)
 *   fails    the command is expected to fail (the lesson shows an error on purpose)
 *   retry    may need a few seconds before it succeeds; the lesson says to run it again
 * A following block with info string `text lab-expect` lists lines the output must contain.
 */
export type BlockFlag = 'env' | 'kubelet' | 'fails' | 'retry';

export interface LessonCommand {
  script: string;
  flags: BlockFlag[];
  expect: string[];
  /** 1-based line of the opening fence, for error messages. */
  line: number;
}

const knownFlags = new Set<BlockFlag>(['env', 'kubelet', 'fails', 'retry']);

export class LessonFormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export function lessonCommands(markdown: string): LessonCommand[] {
  const lines = markdown.split('\n');
  const commands: LessonCommand[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const info = open[2]!.trim().split(/\s+/);
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.startsWith(fence)) body.push(lines[j++]!);
    if (j >= lines.length) throw new LessonFormatError(i + 1, 'code block is never closed');
    if (info[0] === 'sh' && info[1] === 'lab-run') {
      const flags = info.slice(2);
      for (const flag of flags)
        if (!knownFlags.has(flag as BlockFlag)) throw new LessonFormatError(i + 1, `unknown lab-run flag "${flag}"`);
      commands.push({ script: body.join('\n'), flags: flags as BlockFlag[], expect: [], line: i + 1 });
    } else if (info[0] === 'text' && info[1] === 'lab-expect') {
      const previous = commands.at(-1);
      if (!previous) throw new LessonFormatError(i + 1, 'lab-expect block with no lab-run block before it');
      previous.expect.push(...body.map((line) => line.trim()).filter(Boolean));
    }
    i = j;
  }
  return commands;
}

/** Collapses runs of blanks so column alignment in kubectl's tables does not matter. */
export function normalizeSpaces(text: string): string {
  return text.replace(/[ \t]+/g, ' ');
}

export function outputMissing(output: string, expect: string[]): string[] {
  const seen = normalizeSpaces(output);
  return expect.filter((line) => !seen.includes(normalizeSpaces(line)));
}
