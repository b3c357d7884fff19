import type { DownloadProgress } from './download.ts';

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/**
 * A download progress bar: redrawn in place on a terminal, and on other outputs (CI logs, tests) one
 * line per 10% so the log stays readable.
 */
export function downloadProgressBar(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  label: string,
): { update: (p: DownloadProgress) => void; done: () => void } {
  const started = Date.now();
  let lastDecile = -1;
  let lastDraw = 0;
  let drewOnTty = false;
  return {
    update(p) {
      const fraction = p.total ? Math.min(1, p.received / p.total) : undefined;
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      const rate = (p.received - p.resumedFrom) / seconds;
      const resumed = p.resumedFrom > 0 ? ` (resumed at ${mb(p.resumedFrom)} MB)` : '';
      if (stream.isTTY) {
        if (Date.now() - lastDraw < 100 && fraction !== 1) return;
        lastDraw = Date.now();
        const width = 30;
        const filled = fraction === undefined ? 0 : Math.round(fraction * width);
        const bar = fraction === undefined ? '' : `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(fraction * 100)}% `;
        stream.write(`\r\x1b[2K${label} ${bar}${mb(p.received)}${p.total ? `/${mb(p.total)}` : ''} MB ${mb(rate)} MB/s${resumed}`);
        drewOnTty = true;
        return;
      }
      const decile = fraction === undefined ? Math.floor(p.received / 50e6) : Math.floor(fraction * 10);
      if (decile === lastDecile) return;
      lastDecile = decile;
      const percent = fraction === undefined ? '' : `${Math.floor(fraction * 100)}% `;
      stream.write(`${label} ${percent}${mb(p.received)}${p.total ? `/${mb(p.total)}` : ''} MB${resumed}\n`);
    },
    done() {
      if (drewOnTty) stream.write('\n');
    },
  };
}
