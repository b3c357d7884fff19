/**
 * ink-testing-library's render with a terminal of a given size (its own is 100 columns and no rows),
 * for screens laid out to the terminal: the walkthrough at 80x24 and 120x40.
 */
import { EventEmitter } from 'node:events';
import { render as inkRender, type Instance } from 'ink';
import type { ReactElement } from 'react';

class Stream extends EventEmitter {
  frames: string[] = [];
  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }
  write = (frame: string) => {
    this.frames.push(frame);
  };
  lastFrame = () => this.frames.at(-1);
}

class Stdin extends EventEmitter {
  isTTY = true;
  data: string | null = null;
  write = (data: string) => {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  };
  read = () => {
    const { data } = this;
    this.data = null;
    return data;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

const instances: Instance[] = [];

export function renderSized(tree: ReactElement, columns: number, rows: number) {
  const stdout = new Stream(columns, rows);
  const stdin = new Stdin();
  const instance = inkRender(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: new Stream(columns, rows) as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  instances.push(instance);
  return { stdin, lastFrame: stdout.lastFrame, frames: stdout.frames };
}

export function cleanupSized(): void {
  for (const instance of instances.splice(0)) {
    instance.unmount();
    instance.cleanup();
  }
}
