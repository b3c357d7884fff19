import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { repoRoot } from '../../src/core/paths.ts';
import { workDir } from '../helpers/workdir.ts';

/** The app's stderr, in the work dir's .lab/ (removed with the work dir; a failed wait quotes its end). */
const appErrors = path.join(workDir, '.lab', 'tui-test.err');
const appErrorTail = () => (existsSync(appErrors) ? readFileSync(appErrors, 'utf8').trim().split('\n').slice(-20).join('\n') : '');

/** A private tmux server, so the test never touches a tmux the person running it uses. */
const SOCKET = `mvk-tui-${process.pid}`;

export const tmux = (...args: string[]) => execa('tmux', ['-L', SOCKET, ...args], { reject: false });

export class Terminal {
  constructor(readonly name: string) {}

  /**
   * Starts `npm run lab` (the checkout's) in a fresh window of the given size, on the test work dir
   * (MVK_WORK_DIR), never the developer's pods/; the shell stays after the app exits.
   */
  static async launch(name: string, columns = 80, rows = 24, envPrefix = ''): Promise<Terminal> {
    mkdirSync(path.dirname(appErrors), { recursive: true });
    const command = `MVK_WORK_DIR='${workDir}' ${envPrefix}npm run lab 2>>'${appErrors}'; echo "[app exited $?]"; sleep 3600`;
    const result = await tmux('new-session', '-d', '-s', name, '-x', String(columns), '-y', String(rows), '-c', repoRoot, command);
    if (result.exitCode !== 0) throw new Error(`tmux new-session failed: ${result.stderr}`);
    return new Terminal(name);
  }

  async screen(): Promise<string> {
    const result = await tmux('capture-pane', '-p', '-t', this.name);
    return result.stdout;
  }

  /** The screen with its colours and attributes as escape sequences. */
  async styledScreen(): Promise<string> {
    const result = await tmux('capture-pane', '-p', '-e', '-t', this.name);
    return result.stdout;
  }

  async keys(...keys: string[]): Promise<void> {
    await tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Waits until the screen matches; fails with the last screen, so a failure shows what the student saw. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000, what = String(pattern)): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await this.screen();
      if (pattern.test(last)) {
        // TUI_TRANSCRIPT=<file> keeps every screen a test waited for, to look at what the student saw.
        if (process.env.TUI_TRANSCRIPT) appendFileSync(process.env.TUI_TRANSCRIPT, `\n=== ${this.name}: ${what}\n${last}\n`);
        return last;
      }
      await sleep(250);
    }
    const errors = appErrorTail();
    throw new Error(
      `timed out after ${timeoutMs / 1000}s waiting for ${what}; the screen was:\n${last}` +
        (errors ? `\nthe app's stderr ended with:\n${errors}` : ''),
    );
  }

  /** `q`, then the shell's line that `npm run lab` exited with 0. */
  async quit(): Promise<void> {
    await this.keys('q');
    await this.waitFor(/\[app exited 0\]/, 30_000, 'the app to quit');
  }

  async close(): Promise<void> {
    await tmux('kill-session', '-t', this.name);
  }
}

export async function killServer(): Promise<void> {
  await tmux('kill-server');
}

/** Checklist lines start at the left edge with their mark (the "✔ Step N passes" banner is not one). */
export const passedChecks = (screen: string) =>
  screen.split('\n').filter((line) => line.startsWith('✔ ') && !/^✔ Step \d+ passes/.test(line)).length;
export const failedChecks = (screen: string) => screen.split('\n').filter((line) => line.startsWith('✘ ')).length;

/** SGR sequences that set a foreground or background colour (bold, dim and the like are not colours). */
export const hasColour = (styled: string) => /\x1b\[(?:[\d;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[\d;]*)?m/.test(styled);
