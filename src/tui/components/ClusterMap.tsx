import { Box, Text } from 'ink';
import type { ClusterSnapshot } from '../../engine/snapshot.ts';
import { foldParts, type MapPart, type PartPlace } from '../../engine/clusterMap.ts';
import { paint, partColor, partGlyph, useTheme } from '../theme.tsx';

export interface ClusterMapProps {
  snapshot?: ClusterSnapshot;
  nodeName: string;
  /** Parts of steps up to this one are drawn; the final screen passes the last step. */
  throughStep: number;
  width: number;
  /** Rows the parts may take (the box adds three: borders and the node's line); working parts of earlier steps fold to fit. */
  maxRows?: number;
}

function PartLine({ prefix, part }: { prefix: string; part: MapPart }) {
  const theme = useTheme();
  return (
    <Text wrap="truncate-end">
      <Text dimColor>{prefix}</Text>
      <Text color={paint(theme, partColor[part.state])}>{partGlyph[part.state]}</Text>
      <Text bold={part.state !== 'off'} dimColor={part.state === 'off'}>{` ${part.label}`}</Text>
      <Text dimColor>{`  ${part.detail}`}</Text>
    </Text>
  );
}

/** Working parts of earlier steps, folded into one line to keep the map inside the screen. */
function FoldLine({ prefix, count }: { prefix: string; count: number }) {
  const theme = useTheme();
  return (
    <Text wrap="truncate-end">
      <Text dimColor>{prefix}</Text>
      <Text color={paint(theme, partColor.ok)}>{partGlyph.ok}</Text>
      <Text dimColor>{` ${count} more, all working`}</Text>
    </Text>
  );
}

/** The node drawn as a tree: kubelet, what it reads (kubeconfig, pods/), the static pods, then the API's objects. */
export function ClusterMap({ snapshot, nodeName, throughStep, width, maxRows = Number.MAX_SAFE_INTEGER }: ClusterMapProps) {
  const theme = useTheme();
  const inner = Math.max(10, width - 4);
  if (!snapshot) {
    return (
      <Box borderStyle="round" flexDirection="column" width={width} paddingX={1}>
        <Text wrap="truncate-end">{`node ${nodeName}`}</Text>
        <Text dimColor>looking at the machine…</Text>
      </Box>
    );
  }
  const { parts, folded } = foldParts(snapshot.parts, throughStep, maxRows);
  const placed = (place: PartPlace) => parts.filter((part) => part.place === place);
  const [node] = placed('node');
  const [kubelet] = placed('kubelet');
  const [kubeconfig] = placed('kubeconfig');
  const [pods] = placed('pods');
  const staticPods = placed('staticPod');
  const apiParts = placed('api');
  return (
    <Box borderStyle="round" borderColor={paint(theme, 'gray')} flexDirection="column" width={width} paddingX={1}>
      <Box width={inner}>
        <Text wrap="truncate-end">
          <Text bold>{`node ${nodeName}`}</Text>
          {node ? (
            <>
              {'  '}
              <Text color={paint(theme, partColor[node.state])}>{partGlyph[node.state]}</Text>
              <Text>{` ${node.detail}`}</Text>
            </>
          ) : (
            <Text dimColor>{'  (this machine)'}</Text>
          )}
        </Text>
      </Box>
      {snapshot.docker === 'down' ? <Text color={paint(theme, 'red')}>✘ Docker does not answer</Text> : null}
      {kubelet ? <PartLine prefix="" part={kubelet} /> : null}
      {kubeconfig ? <PartLine prefix={pods ? '├ ' : '└ '} part={kubeconfig} /> : null}
      {pods ? <PartLine prefix="└ " part={pods} /> : null}
      {staticPods.map((part, index) => (
        <PartLine key={part.id} prefix={index === staticPods.length - 1 && !folded.staticPod ? '  └ ' : '  ├ '} part={part} />
      ))}
      {folded.staticPod ? <FoldLine prefix="  └ " count={folded.staticPod} /> : null}
      {apiParts.length > 0 || folded.api ? <Text dimColor>in the API</Text> : null}
      {apiParts.map((part, index) => (
        <PartLine key={part.id} prefix={index === apiParts.length - 1 && !folded.api ? '└ ' : '├ '} part={part} />
      ))}
      {folded.api ? <FoldLine prefix="└ " count={folded.api} /> : null}
    </Box>
  );
}
