import { Text } from 'ink';
import type { LayerLine } from '../machineCheck.ts';

export const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** One line per layer of the image being pulled: its id, Docker's status and the bytes so far. */
export function LayerLines({ layers }: { layers: LayerLine[] }) {
  return (
    <>
      {layers.map((l) => (
        <Text key={l.layer} dimColor wrap="truncate-end">
          {`      ${l.layer}  ${l.status}${l.total ? `  ${mb(l.current ?? 0)}/${mb(l.total)} MB` : ''}`}
        </Text>
      ))}
    </>
  );
}
