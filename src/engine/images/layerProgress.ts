/** One event of Docker's pull stream, reduced to what a progress display needs. */
export interface LayerProgress {
  image: string;
  /** Short layer id; empty for image-wide messages ("Pulling from …", "Digest: …"). */
  layer: string;
  status: string;
  current?: number;
  total?: number;
}

interface PullEvent {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
}

export function toLayerProgress(image: string, event: PullEvent): LayerProgress {
  return {
    image,
    layer: event.id && /^[0-9a-f]{12}$/.test(event.id) ? event.id : '',
    status: event.status ?? '',
    current: event.progressDetail?.current,
    total: event.progressDetail?.total,
  };
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/**
 * Prints per-layer progress. On a terminal it redraws one line per layer in place; elsewhere (logs,
 * tests) it prints a line only when a layer's status changes, so output stays short.
 */
export function layerProgressPrinter(stream: NodeJS.WritableStream & { isTTY?: boolean }): (event: LayerProgress) => void {
  const lastStatus = new Map<string, string>();
  const order: string[] = [];
  const lines = new Map<string, string>();
  let drawn = 0;
  return (event) => {
    if (!event.layer) {
      if (event.status && !/^(Pulling fs layer|Waiting)$/.test(event.status)) stream.write(`  ${event.image}: ${event.status}\n`);
      drawn = 0;
      return;
    }
    const key = `${event.image} ${event.layer}`;
    const amount = event.total ? ` ${mb(event.current ?? 0)}/${mb(event.total)} MB` : '';
    const line = `  ${event.layer}: ${event.status}${amount}`;
    if (!stream.isTTY) {
      if (lastStatus.get(key) !== event.status) stream.write(`${line}\n`);
      lastStatus.set(key, event.status);
      return;
    }
    if (!lines.has(key)) order.push(key);
    lines.set(key, line);
    if (drawn > 0) stream.write(`\x1b[${drawn}A`);
    for (const k of order) stream.write(`\x1b[2K${lines.get(k)}\n`);
    drawn = order.length;
  };
}
