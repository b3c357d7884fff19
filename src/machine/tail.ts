import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The last `maxBytes` of a file as lines (kubelet logs grow large). */
export function tailLines(file: string, maxLines = 400, maxBytes = 256 * 1024): string[] {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    if (size > length) lines.shift();
    return lines.filter((line) => line.trim()).slice(-maxLines);
  } finally {
    closeSync(fd);
  }
}
