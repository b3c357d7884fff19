/**
 * Lessons as styled terminal lines for one pane width (issue 12), by a small renderer over marked's
 * lexer. It replaces marked-terminal, whose highlighters cost the walkthrough about 34 MiB (issue 10)
 * and which left lists raw and cut commands at the edge. What it guarantees:
 * - no line is wider than `width` (prose reflows, headings and lists wrap with their indentation);
 * - emphasis, inline code and links are styled, never shown as `**`, backticks or `[..](..)`;
 * - code is never cut: a long line wraps with a visible continuation mark, and the original text of
 *   every block stays available (`CodeBlock.text`, for the copy key).
 */
import chalk, { Chalk, type ChalkInstance } from 'chalk';
import { Lexer, type Token, type Tokens } from 'marked';
import stringWidth from 'string-width';

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

/** A fenced block as laid out: which lines show it, and its text exactly as the lesson has it. */
export interface CodeBlock {
  /** First line in `LessonLayout.lines`, and one past the last. */
  start: number;
  end: number;
  lang: string;
  /** The block's text as written (placeholders already filled in): what the copy key copies. */
  text: string;
  /** A shell block (`sh`): a command for the student to run. */
  command: boolean;
  /** Per shown line: the indentation before the gutter (a list's) and the code after it, styled. */
  prefixes: string[];
  rows: string[];
}

export interface LessonLayout {
  lines: string[];
  blocks: CodeBlock[];
}

export interface LayoutOptions {
  /** Styles as ANSI sequences; off, the lines are plain text. Default: whether chalk found a colour terminal. */
  color?: boolean;
}

/** Two columns before every code line: room for the mark of the block the copy key takes (`markBlock`). */
const GUTTER = '  ';
/** How much further than their line a shell command's wrapped parts are indented. */
const CONTINUATION_INDENT = 4;
/** Ends a wrapped part that is not shell (output, a heredoc's body, a quoted string): join it to the next line as is. */
export const LITERAL_MARK = '↵';
const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);

// ---------------------------------------------------------------------------------------------------
// Inline text: styled pieces, then words, then lines.

interface Style {
  bold?: boolean;
  italic?: boolean;
  strike?: boolean;
  code?: boolean;
  link?: boolean;
  dim?: boolean;
  heading?: number;
}

type Piece = { text: string; style: Style } | { br: true };

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** marked's lexer leaves character references as written; the terminal shows the character. */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * HTML elements a lesson may use. Anything else in angle brackets is text the lesson means literally
 * (`pods/<name>/binding`, a `<nodeIp>` left for an unknown machine), though markdown reads it as a tag.
 */
const HTML_TAGS = new Set([
  'a',
  'abbr',
  'b',
  'br',
  'code',
  'del',
  'details',
  'div',
  'em',
  'i',
  'img',
  'kbd',
  'p',
  'pre',
  's',
  'small',
  'span',
  'strong',
  'sub',
  'summary',
  'sup',
  'u',
]);
const stripTags = (html: string) =>
  html.replace(/<\/?([A-Za-z][\w-]*)[^>]*>/g, (tag, name: string) => (HTML_TAGS.has(name.toLowerCase()) ? '' : tag));

/** Inline HTML carries no meaning in a terminal: `<br>` breaks the line, other tags go, their text stays. */
function htmlPieces(html: string, style: Style, out: Piece[]): void {
  const parts = html.replace(/<!--[\s\S]*?-->/g, '').split(/<br\s*\/?>/i);
  parts.forEach((part, index) => {
    if (index > 0) out.push({ br: true });
    const text = decodeEntities(stripTags(part));
    if (text) out.push({ text, style });
  });
}

function plainText(tokens: Token[] | undefined): string {
  return inlinePieces(tokens, {})
    .map((piece) => ('br' in piece ? ' ' : piece.text))
    .join('');
}

function inlinePieces(tokens: Token[] | undefined, style: Style, out: Piece[] = []): Piece[] {
  for (const token of tokens ?? []) {
    switch (token.type) {
      case 'strong':
        inlinePieces(token.tokens, { ...style, bold: true }, out);
        break;
      case 'em':
        inlinePieces(token.tokens, { ...style, italic: true }, out);
        break;
      case 'del':
        inlinePieces(token.tokens, { ...style, strike: true }, out);
        break;
      case 'codespan':
        out.push({ text: token.text, style: { ...style, code: true } });
        break;
      case 'br':
        out.push({ br: true });
        break;
      case 'escape':
        out.push({ text: token.text, style });
        break;
      case 'html':
        htmlPieces(token.text, style, out);
        break;
      case 'link': {
        const link = token as Tokens.Link;
        inlinePieces(link.tokens, { ...style, link: true }, out);
        const label = plainText(link.tokens);
        // The address is what a student types or clicks; shown unless the label already is it.
        if (link.href && link.href !== label && link.href !== `mailto:${label}`)
          out.push({ text: ` (${link.href})`, style: { ...style, link: false, dim: true } });
        break;
      }
      case 'image':
        out.push({ text: `[image: ${(token as Tokens.Image).text || (token as Tokens.Image).href}]`, style: { ...style, dim: true } });
        break;
      case 'text':
        if ('tokens' in token && token.tokens && token.tokens.length > 0) inlinePieces(token.tokens, style, out);
        else out.push({ text: decodeEntities(token.text), style });
        break;
      default:
        if ('tokens' in token && Array.isArray(token.tokens)) inlinePieces(token.tokens, style, out);
        else if ('text' in token && typeof token.text === 'string') out.push({ text: decodeEntities(token.text), style });
    }
  }
  return out;
}

type Item = { kind: 'word'; pieces: { text: string; style: Style }[] } | { kind: 'space'; text: string } | { kind: 'br' };

/** Words (runs of styled pieces with no space between) and the spaces between them. */
function items(pieces: Piece[]): Item[] {
  const out: Item[] = [];
  for (const piece of pieces) {
    if ('br' in piece) {
      out.push({ kind: 'br' });
      continue;
    }
    for (const part of piece.text.split(/(\s+)/)) {
      if (part === '') continue;
      if (/^\s+$/.test(part)) {
        // Prose reflows, so its spaces and line breaks are one space; inline code keeps its spacing.
        if (out.at(-1)?.kind !== 'space') out.push({ kind: 'space', text: piece.style.code ? part.replace(/\n/g, ' ') : ' ' });
        continue;
      }
      const last = out.at(-1);
      if (last?.kind === 'word') last.pieces.push({ text: part, style: piece.style });
      else out.push({ kind: 'word', pieces: [{ text: part, style: piece.style }] });
    }
  }
  return out;
}

// Lessons are nearly all printable ASCII, one column a character; string-width only for the rest.
const width = (text: string) => (/^[\x20-\x7e]*$/.test(text) ? text.length : stringWidth(text));

type Styled = { text: string; style: Style };

const styleKeys: (keyof Style)[] = ['bold', 'italic', 'strike', 'code', 'link', 'dim', 'heading'];
const sameStyle = (a: Style, b: Style) => styleKeys.every((key) => a[key] === b[key]);

/** Neighbouring pieces of one style as one piece: one pair of escape sequences for a styled run. */
function merged(line: Styled[]): Styled[] {
  const out: Styled[] = [];
  for (const piece of line) {
    const last = out.at(-1);
    if (last && sameStyle(last.style, piece.style)) out[out.length - 1] = { text: last.text + piece.text, style: last.style };
    else out.push(piece);
  }
  return out;
}

/** Cuts a word wider than a line into parts of at most `room` columns. */
function splitWord(pieces: Styled[], room: number): Styled[][] {
  const parts: Styled[][] = [[]];
  let used = 0;
  for (const piece of pieces) {
    let run = '';
    for (const char of piece.text) {
      const w = width(char);
      if (used + w > room && used > 0) {
        if (run) parts.at(-1)!.push({ text: run, style: piece.style });
        parts.push([]);
        run = '';
        used = 0;
      }
      run += char;
      used += w;
    }
    if (run) parts.at(-1)!.push({ text: run, style: piece.style });
  }
  return parts.filter((part) => part.length > 0);
}

/** Reflows styled pieces into lines of at most `room` columns. */
function wrapPieces(pieces: Piece[], room: number): Styled[][] {
  const lines: Styled[][] = [];
  let line: Styled[] = [];
  let used = 0;
  let space = '';
  const flush = () => {
    lines.push(line);
    line = [];
    used = 0;
    space = '';
  };
  for (const item of items(pieces)) {
    if (item.kind === 'br') {
      flush();
      continue;
    }
    if (item.kind === 'space') {
      if (used > 0) space = item.text;
      continue;
    }
    const w = item.pieces.reduce((sum, piece) => sum + width(piece.text), 0);
    if (used > 0 && used + width(space) + w <= room) {
      // A space inside a styled run (a bold phrase, a heading) takes its style, so the run stays one.
      const before = line.at(-1)!.style;
      line.push({ text: space, style: sameStyle(before, item.pieces[0]!.style) ? before : {} }, ...item.pieces);
      used += width(space) + w;
      space = '';
      continue;
    }
    if (used > 0) flush();
    if (w <= room) {
      line.push(...item.pieces);
      used = w;
      continue;
    }
    const parts = splitWord(item.pieces, room);
    parts.forEach((part, index) => {
      if (index > 0) flush();
      line.push(...part);
      used = part.reduce((sum, piece) => sum + width(piece.text), 0);
    });
  }
  if (line.length > 0 || lines.length === 0) lines.push(line);
  return lines;
}

// ---------------------------------------------------------------------------------------------------
// Shell commands: where a long line may break so that the shown text still runs when copied.

/**
 * For each line of a shell block, the positions (in code points) where a wrapped part may end with
 * `\` and the rest go on the next line, indented: right after an unquoted space (the space stays on
 * the first part, so `a \` + newline + `  b` is `a b` to the shell) or right after an unquoted `$(`.
 * These are the places where a shell treats backslash-newline plus indentation as nothing more than
 * blanks between words. Inside a word, a backslash-newline would also be removed, but the next line
 * would have to start in the terminal's first column: a mouse copy takes the pane's indentation with
 * it and splits the word. Inside single quotes, in a comment or in a heredoc's body a backslash is
 * literal. Those lines get no break positions here (undefined: the whole line is literal) or none in
 * that stretch, and wrap with LITERAL_MARK instead: shown whole, and the copy key copies them exactly.
 */
export function shellBreaks(lines: string[][]): (boolean[] | undefined)[] {
  type Context = 'code' | 'sub' | 'dq' | 'sq';
  const stack: Context[] = ['code'];
  const pending: { delimiter: string; dash: boolean }[] = [];
  let heredoc: { delimiter: string; dash: boolean }[] = [];
  const result: (boolean[] | undefined)[] = [];
  for (const chars of lines) {
    if (heredoc.length > 0) {
      result.push(undefined);
      const text = chars.join('');
      if ((heredoc[0]!.dash ? text.replace(/^\t+/, '') : text) === heredoc[0]!.delimiter) heredoc.shift();
      continue;
    }
    const breaks = chars.map(() => false);
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i]!;
      const top = stack.at(-1)!;
      if (top === 'sq') {
        if (c === "'") stack.pop();
        continue;
      }
      if (c === '\\') {
        i++;
        continue;
      }
      if (top === 'dq') {
        if (c === '"') stack.pop();
        else if (c === '$' && chars[i + 1] === '(') {
          stack.push('sub');
          i++;
        }
        continue;
      }
      // Unquoted: the root of the command or inside $( ) and ( ).
      if (c === "'") stack.push('sq');
      else if (c === '"') stack.push('dq');
      else if (c === '$' && chars[i + 1] === '(') {
        stack.push('sub');
        if (i + 2 < chars.length && chars[i + 2] !== ' ') breaks[i + 2] = true;
        i++;
      } else if (c === '(') stack.push('sub');
      else if (c === ')' && top === 'sub') stack.pop();
      else if (c === '#' && (i === 0 || /[\s;|&(]/.test(chars[i - 1]!))) break;
      else if (c === '<' && chars[i + 1] === '<' && chars[i + 2] !== '<') {
        let j = i + 2;
        const dash = chars[j] === '-';
        if (dash) j++;
        while (chars[j] === ' ' || chars[j] === '\t') j++;
        let word = '';
        while (j < chars.length && !/[\s;|&<>()]/.test(chars[j]!)) word += chars[j++];
        const delimiter = word.replace(/['"\\]/g, '');
        if (delimiter) pending.push({ delimiter, dash });
        i = j - 1;
      } else if (c === ' ' && i + 1 < chars.length && chars[i + 1] !== ' ') breaks[i + 1] = true;
    }
    result.push(breaks);
    // A heredoc's body starts on the next line.
    heredoc = pending.splice(0);
  }
  return result;
}

interface CodeRow {
  text: string;
  mark: '' | '\\' | typeof LITERAL_MARK;
}

const leadingSpaces = (text: string) => /^ */.exec(text)![0].length;

/** One line of a code block as rows of at most `room` columns (marks included). */
function wrapCodeLine(line: string, breaks: boolean[] | undefined, room: number): CodeRow[] {
  const chars = Array.from(line);
  const widths = chars.map(width);
  const span = (from: number, to: number) => {
    let sum = 0;
    for (let i = from; i < to; i++) sum += widths[i]!;
    return sum;
  };
  const indent = leadingSpaces(line);
  // Wrapped parts of a command go further right than their line, so they never pass for the lesson's
  // own continuation lines; unwrapCode depends on this. No shell breaks where that would not fit.
  const continuation = ' '.repeat(indent + CONTINUATION_INDENT);
  const shellOk = breaks !== undefined && continuation.length <= room / 2;
  const rows: CodeRow[] = [];
  let pos = 0;
  let lead = '';
  for (;;) {
    if (lead.length + span(pos, chars.length) <= room) {
      rows.push({ text: lead + chars.slice(pos).join(''), mark: '' });
      return rows;
    }
    const fits = room - lead.length - 1;
    let cut = -1;
    if (shellOk) {
      for (let j = pos + 1; j < chars.length && span(pos, j) <= fits; j++) if (breaks![j] && j > indent) cut = j;
    }
    if (cut > pos) {
      rows.push({ text: lead + chars.slice(pos, cut).join(''), mark: '\\' });
      pos = cut;
      lead = continuation;
      continue;
    }
    // Literal: after the last space that fits when there is one, else as much as fits.
    let literal = -1;
    let most = pos;
    for (let j = pos + 1; j <= chars.length && span(pos, j) <= fits; j++) {
      most = j;
      if (chars[j - 1] === ' ' && chars[j] !== ' ' && j < chars.length && j - pos > leadingSpaces(chars.slice(pos).join(''))) literal = j;
    }
    if (literal < 0) literal = Math.max(most, pos + 1);
    rows.push({ text: lead + chars.slice(pos, literal).join(''), mark: LITERAL_MARK });
    pos = literal;
    // The rest of a literal line starts at the code's first column: its own spaces stay exactly as written.
    lead = '';
  }
}

/**
 * The text of a code block from its shown rows (gutter removed): joins every wrapped part to the next
 * line. A part ending in LITERAL_MARK continues with the next row as is; one ending in `\` whose next
 * row is indented exactly CONTINUATION_INDENT further than its line continues without that indentation.
 * A lesson line of its own that ended in `\` followed by a line indented exactly so would be joined too;
 * the lesson tests check that every block comes back exactly as written.
 */
export function unwrapCode(rows: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    let line = rows[i]!;
    const continuation = ' '.repeat(leadingSpaces(line) + CONTINUATION_INDENT);
    for (;;) {
      const next = rows[i + 1];
      if (next === undefined) break;
      if (line.endsWith(LITERAL_MARK)) {
        line = line.slice(0, -LITERAL_MARK.length) + next;
        i++;
      } else if (
        line.endsWith('\\') &&
        next.startsWith(continuation) &&
        next[continuation.length] !== ' ' &&
        next.length > continuation.length
      ) {
        line = line.slice(0, -1) + next.slice(continuation.length);
        i++;
      } else break;
    }
    out.push(line);
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// Blocks.

interface Rendered {
  lines: string[];
  blocks: CodeBlock[];
}

interface Context {
  paint: ChalkInstance;
  depth: number;
}

const empty = (): Rendered => ({ lines: [], blocks: [] });

function paintPiece(paint: ChalkInstance, piece: Styled): string {
  const { style } = piece;
  let p = paint;
  if (style.heading !== undefined) p = style.heading <= 2 ? p.bold.cyan : p.bold;
  if (style.bold) p = p.bold;
  if (style.italic) p = p.italic;
  if (style.strike) p = p.strikethrough;
  if (style.code) p = p.yellow;
  if (style.link) p = p.underline;
  if (style.dim) p = p.dim;
  return p === paint ? piece.text : p(piece.text);
}

function textBlock(pieces: Piece[], room: number, ctx: Context): Rendered {
  const lines = wrapPieces(pieces, Math.max(1, room)).map((line) =>
    merged(line)
      .map((piece) => paintPiece(ctx.paint, piece))
      .join(''),
  );
  return { lines, blocks: [] };
}

/** Joins rendered parts with `gap` blank lines between them, keeping the code blocks' line numbers right. */
function join(parts: Rendered[], gap: number): Rendered {
  const out = empty();
  for (const part of parts) {
    if (part.lines.length === 0) continue;
    if (out.lines.length > 0) for (let i = 0; i < gap; i++) out.lines.push('');
    const shift = out.lines.length;
    out.lines.push(...part.lines);
    out.blocks.push(...part.blocks.map((block) => ({ ...block, start: block.start + shift, end: block.end + shift })));
  }
  return out;
}

/** Puts `first` before the first line and `rest` before every other (a list marker, a quote bar). */
function prefixed(part: Rendered, first: string, rest: string): Rendered {
  const before = (index: number) => (index === 0 ? first : rest);
  return {
    // A blank line stays blank (no trailing spaces); a code row is never blank (it has its gutter).
    lines: part.lines.map((line, index) => (line === '' && index > 0 ? '' : before(index) + line)),
    blocks: part.blocks.map((block) => ({ ...block, prefixes: block.prefixes.map((prefix, i) => before(block.start + i) + prefix) })),
  };
}

function codeBlock(token: Tokens.Code, room: number, ctx: Context): Rendered {
  const lang = (token.lang ?? '').trim().split(/\s+/)[0] ?? '';
  const command = SHELL_LANGS.has(lang);
  const source = token.text.split('\n');
  const breaks = command ? shellBreaks(source.map((line) => Array.from(line))) : [];
  const codeRoom = Math.max(4, room - GUTTER.length);
  const style = command ? ctx.paint.yellow : ctx.paint.dim;
  const rows: string[] = [];
  source.forEach((line, index) => {
    // Tabs would make widths unknowable; the shell and YAML read the spaces the same way here.
    for (const row of wrapCodeLine(line.replace(/\t/g, '    '), command ? breaks[index] : undefined, codeRoom)) {
      rows.push((row.text ? style(row.text) : '') + (row.mark ? ctx.paint.dim(row.mark) : ''));
    }
  });
  return {
    lines: rows.map((row) => GUTTER + row),
    blocks: [{ start: 0, end: rows.length, lang, text: token.text, command, prefixes: rows.map(() => ''), rows }],
  };
}

const BULLETS = ['•', '◦', '▪'];

function listBlock(list: Tokens.List, room: number, ctx: Context): Rendered {
  const start = typeof list.start === 'number' ? list.start : 1;
  const markers = list.items.map((item, index) => {
    const marker = list.ordered ? `${start + index}.` : BULLETS[Math.min(ctx.depth, BULLETS.length - 1)]!;
    return item.task ? `${marker} [${item.checked ? 'x' : ' '}]` : marker;
  });
  const markerWidth = Math.max(...markers.map(width)) + 1;
  const inner: Context = { ...ctx, depth: ctx.depth + 1 };
  const items = list.items.map((item, index) => {
    const body = blocks(item.tokens, room - markerWidth, inner, item.loose ? 1 : 0);
    const marker = list.ordered ? markers[index]!.padStart(markerWidth - 1) : markers[index]!.padEnd(markerWidth - 1);
    const content = body.lines.length > 0 ? body : { lines: [''], blocks: [] };
    return prefixed(content, `${ctx.paint.cyan(marker)} `, ' '.repeat(markerWidth));
  });
  return join(items, list.loose ? 1 : 0);
}

/** Block-level HTML: `<details>` shows its content (a terminal cannot fold), `<summary>` as a heading of it. */
function htmlBlock(html: string, room: number, ctx: Context): Rendered {
  const parts: Rendered[] = [];
  const text = html.replace(/<!--[\s\S]*?-->/g, '');
  const summary = /<summary>([\s\S]*?)<\/summary>/i.exec(text);
  if (summary) parts.push(textBlock([{ text: `▸ ${decodeEntities(stripTags(summary[1]!).trim())}`, style: { bold: true } }], room, ctx));
  const rest: Piece[] = [];
  htmlPieces(text.replace(/<summary>[\s\S]*?<\/summary>/gi, ''), {}, rest);
  if (rest.some((piece) => 'text' in piece && piece.text.trim() !== '')) parts.push(textBlock(rest, room, ctx));
  return join(parts, 0);
}

function tableBlock(table: Tokens.Table, room: number, ctx: Context): Rendered {
  // As tablesAsLists does for the lab's own tables: one list item per row, the first cell in bold.
  const rows = table.rows.map((row) => {
    const [first, ...rest] = row;
    const pieces = inlinePieces(first?.tokens, { bold: true });
    if (rest.length > 0) {
      pieces.push({ text: ': ', style: {} });
      rest.forEach((cell, index) => {
        if (index > 0) pieces.push({ text: '; ', style: {} });
        inlinePieces(cell.tokens, {}, pieces);
      });
    }
    return prefixed(textBlock(pieces, room - 2, ctx), `${ctx.paint.cyan('•')} `, '  ');
  });
  return join(rows, 0);
}

function block(token: Token, room: number, ctx: Context): Rendered {
  switch (token.type) {
    case 'space':
    case 'def':
      return empty();
    case 'heading':
      return textBlock(inlinePieces(token.tokens, { heading: (token as Tokens.Heading).depth }), room, ctx);
    case 'paragraph':
      return textBlock(inlinePieces(token.tokens, {}), room, ctx);
    case 'text':
      return textBlock(
        'tokens' in token && token.tokens ? inlinePieces(token.tokens, {}) : [{ text: decodeEntities(token.text), style: {} }],
        room,
        ctx,
      );
    case 'code':
      return codeBlock(token as Tokens.Code, room, ctx);
    case 'list':
      return listBlock(token as Tokens.List, room, ctx);
    case 'blockquote': {
      const bar = ctx.paint.dim('│ ');
      return prefixed(blocks((token as Tokens.Blockquote).tokens, room - 2, ctx, 1), bar, bar);
    }
    case 'hr':
      return { lines: [ctx.paint.dim('─'.repeat(Math.max(1, Math.min(room, 40))))], blocks: [] };
    case 'html':
      return htmlBlock(token.text, room, ctx);
    case 'table':
      return tableBlock(token as Tokens.Table, room, ctx);
    default:
      return 'text' in token && typeof token.text === 'string' ? textBlock([{ text: token.text, style: {} }], room, ctx) : empty();
  }
}

function blocks(tokens: Token[], room: number, ctx: Context, gap: number): Rendered {
  return join(
    tokens.map((token) => block(token, room, ctx)),
    gap,
  );
}

const painters = new Map<boolean, ChalkInstance>();
function painter(color: boolean): ChalkInstance {
  let paint = painters.get(color);
  if (!paint) {
    paint = new Chalk({ level: color ? (Math.max(1, chalk.level) as 1 | 2 | 3) : 0 });
    painters.set(color, paint);
  }
  return paint;
}

/** Whether lessons are styled: the theme wants colour (no NO_COLOR) and the terminal shows it, as for Ink's own colours. */
export const lessonColor = (themeColor: boolean) => themeColor && chalk.level > 0;

/** A lesson laid out for a pane `width` columns wide: its lines and where its code blocks are. */
export function layoutLesson(markdown: string, width: number, options: LayoutOptions = {}): LessonLayout {
  const ctx: Context = { paint: painter(options.color ?? chalk.level > 0), depth: 0 };
  const tokens = Lexer.lex(tablesAsLists(plainFences(markdown)), { gfm: true });
  const { lines, blocks: codeBlocks } = blocks(tokens, Math.max(20, width), ctx, 1);
  return { lines, blocks: codeBlocks };
}

/** A lesson as terminal lines of at most `width` columns. */
export function lessonLines(markdown: string, width: number, options: LayoutOptions = {}): string[] {
  return layoutLesson(markdown, width, options).lines;
}

/** A short markdown text (a hint) as styled lines of at most `width` columns. */
export function inlineLines(markdown: string, width: number, options: LayoutOptions = {}): string[] {
  const ctx: Context = { paint: painter(options.color ?? chalk.level > 0), depth: 0 };
  const tokens = Lexer.lex(markdown, { gfm: true });
  const pieces: Piece[] = [];
  for (const token of tokens) {
    if (token.type === 'space') continue;
    if (pieces.length > 0) pieces.push({ br: true });
    inlinePieces('tokens' in token && token.tokens ? token.tokens : [token], {}, pieces);
  }
  return textBlock(pieces, Math.max(1, width), ctx).lines;
}

/** Markdown inline text as plain text (a heading's words for `lab show`). */
export function plainInline(markdown: string): string {
  return plainText(Lexer.lexInline(markdown)).trim();
}

/** The layout's lines with one block's gutter carrying `marker` (one column): the block the copy key takes. */
export function markBlock(layout: LessonLayout, index: number | undefined, marker: string): string[] {
  const block = index === undefined ? undefined : layout.blocks[index];
  if (!block) return layout.lines;
  const lines = layout.lines.slice();
  for (let i = block.start; i < block.end; i++) lines[i] = `${block.prefixes[i - block.start]}${marker} ${block.rows[i - block.start]}`;
  return lines;
}

/**
 * The gutter mark of the block the copy key takes: a coloured blank, so that a mouse selection of the
 * block copies a space, not a glyph; without colour a glyph, since a blank would not show.
 */
export function copyMarker(color: boolean): string {
  return color ? painter(true).bgCyan(' ') : '›';
}
