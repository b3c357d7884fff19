import { Marked } from 'marked';
import { markedTerminal } from 'marked-terminal';

/** The lab's fenced-block markers (`sh lab-run kubelet`, `text lab-expect`) are for tests; readers see plain code. */
export function plainFences(markdown: string): string {
  return markdown.replace(/^(`{3,})\s*sh lab-run\b.*$/gm, '$1sh').replace(/^(`{3,})\s*text lab-expect\b.*$/gm, '$1text');
}

const cells = (row: string) =>
  row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());

/**
 * Terminal tables wider than the screen are unreadable, so a table becomes a list: the first cell in
 * bold, the others after it. The header row names the columns and is dropped.
 */
export function tablesAsLists(markdown: string): string {
  const lines = markdown.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const isTable = lines[i]!.trim().startsWith('|') && /^\s*\|?\s*:?-{3,}/.test(lines[i + 1] ?? '');
    if (!isTable) {
      out.push(lines[i]!);
      continue;
    }
    i += 2;
    while (i < lines.length && lines[i]!.trim().startsWith('|')) {
      const [first, ...rest] = cells(lines[i]!);
      out.push(`- **${first}**: ${rest.join('; ')}`);
      i++;
    }
    i--;
  }
  return out.join('\n');
}

const renderers = new Map<number, Marked>();

function rendererFor(width: number): Marked {
  let marked = renderers.get(width);
  if (!marked) {
    marked = new Marked();
    marked.use(markedTerminal({ width, reflowText: true, showSectionPrefix: false, tab: 2 }));
    renderers.set(width, marked);
  }
  return marked;
}

/** A lesson as terminal lines of at most about `width` columns (code lines are never wrapped). */
export function lessonLines(markdown: string, width: number): string[] {
  const text = rendererFor(Math.max(20, width)).parse(tablesAsLists(plainFences(markdown))) as string;
  const lines = text.replace(/\n+$/, '').split('\n');
  // Collapse runs of blank lines: the pane is small.
  return lines.filter((line, index) => line.trim() !== '' || (index > 0 && lines[index - 1]!.trim() !== ''));
}
