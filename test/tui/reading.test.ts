/**
 * Issue 12 in a real terminal (tmux, 80x24): the welcome screen's first line, reading mode, the copy
 * key's OSC 52 sequence (tmux with `set-clipboard on` keeps what an application copies in a paste
 * buffer, so the test reads back exactly what the terminal was given), and `lab show 1` as shell that
 * runs. Nothing here starts kubelet or changes the machine.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { labEnv } from '../../src/core/context.ts';
import { DockerDriver } from '../../src/machine/docker.ts';
import { renderedCommands } from '../../src/engine/lesson.ts';
import { machineFacts } from '../../src/engine/machineFacts.ts';
import { repoRoot } from '../../src/core/paths.ts';
import { labSteps } from '../../src/engine/steps.ts';
import { needsRealEnv } from '../helpers/realenv.ts';
import { killServer, Terminal, tmux } from './tmux.ts';

const MINUTE = 60_000;

/** What the last OSC 52 put in tmux's paste buffer; '' when nothing came within a few seconds. */
async function pasteBuffer(): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const buffer = await tmux('show-buffer');
    if (buffer.exitCode === 0) return buffer.stdout;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return '';
}

/**
 * The first row of the command c would copy, with its number: the gutter carries the mark, a cyan
 * cell in colour (tmux keeps its SGR 46) or › without.
 */
async function markedRow(term: Terminal): Promise<string> {
  const rows = (await term.styledScreen()).split('\n');
  const at = rows.findIndex((row) => /^(\x1b\[[0-9;]*m)*(\x1b\[[0-9;]*46[0-9;]*m |›)/.test(row));
  return at < 0 ? '' : `${at}: ${rows[at]}`;
}

describe('reading and copying a lesson in a real terminal (tmux, 80x24)', { timeout: 5 * MINUTE }, () => {
  after(killServer);

  it('shows the welcome whole, gives the lesson the screen with v, and copies commands with c (OSC 52)', {
    timeout: 3 * MINUTE,
  }, async (t) => {
    if (!needsRealEnv(t)) return;
    const env = labEnv();
    const step = labSteps()[0]!;
    const commands = renderedCommands(env, step, await machineFacts(new DockerDriver()));
    const term = await Terminal.launch('reading');
    try {
      // An application's OSC 52 goes to a tmux paste buffer with set-clipboard on.
      await tmux('set-option', '-g', 'set-clipboard', 'on');
      let screen = await term.waitFor(/Press Enter to start|Enter continue/, MINUTE, 'the welcome screen (or the machine check)');
      if (!/Press Enter to start/.test(screen)) {
        await term.keys('Enter');
        screen = await term.waitFor(/Press Enter to start/, MINUTE, 'the welcome screen');
      }
      assert.match(screen.split('\n')[0]!, /^ mvk-lab: a Kubernetes node built by hand/, `the welcome's first line is whole:\n${screen}`);
      await term.keys('Enter');
      screen = await term.waitFor(/Checks \d+\/\d+/, MINUTE, 'step 1 with its checklist');
      assert.match(screen, /v read/);

      await term.keys('v');
      screen = await term.waitFor(/v checks/, 10_000, 'reading mode');
      assert.doesNotMatch(screen, /Checks \d+\/\d+/, 'no checklist in reading mode');
      const rows = screen.replace(/\n+$/, '').split('\n');
      assert.match(rows[0]!, /^Step 1\/\d+ .* 1-21\/\d+$/, `the lesson takes 21 of the 24 rows:\n${screen}`);

      // Tab moves the mark from command to command (scrolling to it), c copies the marked one whole:
      // the PATH line, then the kubelet command (many lines, wrapped on screen when swap is on).
      const kubelet = commands.find((command) => command.flags.includes('kubelet'))!;
      for (const wanted of [commands[0]!, kubelet]) {
        let copied = '';
        for (let tries = 0; tries <= commands.length && copied !== wanted.script; tries++) {
          // Each key waits for the screen to show the one before it: keys sent together can reach the
          // app in one read, which it takes for a paste and ignores.
          const before = await markedRow(term);
          await term.keys('Tab');
          let now = before;
          for (let waited = 0; waited < 40 && now === before; waited++) {
            await sleep(250);
            now = await markedRow(term);
          }
          assert.notEqual(now, '', 'a command carries the copy mark after Tab');
          await tmux('delete-buffer');
          await term.keys('c');
          copied = await pasteBuffer();
        }
        assert.equal(copied, wanted.script, 'Tab reaches the command and c copies exactly its text');
        const lines = wanted.script.split('\n').length;
        await term.waitFor(
          new RegExp(`copied ${lines} lines? \\(OSC 52; if your terminal ignores it, use \`npx lab show 1\`\\)`),
          10_000,
          'the copy notice',
        );
      }

      await term.keys('v');
      await term.waitFor(/Checks \d+\/\d+/, 10_000, 'back to the checks');
      await term.quit();
    } finally {
      await term.close();
    }
  });

  it('lab show 1 prints the commands as shell that runs: the PATH line and kubelet --version', { timeout: MINUTE }, async (t) => {
    if (!needsRealEnv(t)) return;
    const run = await execa(process.execPath, [path.join(repoRoot, 'bin/lab.mjs'), 'show', '1'], { cwd: repoRoot, reject: false });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /<nodeIp>|Docker did not answer/, "this machine's values are filled in");
    const syntax = await execa('bash', ['-n'], { input: run.stdout, reject: false });
    assert.equal(syntax.exitCode, 0, `bash -n: ${syntax.stderr}`);
    // Up to the kubelet command, the output runs as it is (the kubelet command stays in the foreground).
    const head = run.stdout.slice(0, run.stdout.indexOf('\nkubelet \\'));
    const ran = await execa('bash', ['-e'], {
      input: head,
      reject: false,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      extendEnv: false,
    });
    assert.equal(ran.exitCode, 0, ran.stderr);
    assert.match(ran.stdout, /Kubernetes v1\.19\.16/);
  });
});
