import { Box, Text } from 'ink';
import type { ClusterSnapshot } from '../../snapshot.ts';
import { checkColor, checkGlyph, paint, useTheme, type CheckMark } from '../theme.tsx';
import { ClusterMap } from './ClusterMap.tsx';
import type { StepLine } from './Welcome.tsx';

export interface FinalScreenProps {
  steps: StepLine[];
  snapshot?: ClusterSnapshot;
  nodeName: string;
  width: number;
}

/**
 * The screen is 80x24 at the least, so every line here is short (at most 46 columns beside the map,
 * 79 under it) and the whole screen is 21 lines over the footer.
 */

/** How a request travels through what the student built: the two paths steps 3 to 6 showed. */
export const requestPath = [
  'kubectl → apiserver :8080 → etcd :2379',
  'kubelet → apiserver: its Node, pods to run',
  'apiserver → kubelet :10250 → Docker (logs)',
];

/** What a production cluster has that this one does without. */
export const productionAdds = [
  'kube-scheduler and kube-controller-manager, doing what you did by hand',
  'TLS on every connection, authentication and RBAC; no insecure port',
  'a CNI plugin, kube-proxy and cluster DNS; etcd and apiservers replicated',
];

/** There is no lab after step 6 yet; say so rather than name labs that do not exist. */
export const whatNext = 'No further labs yet: the end of lesson 6 lists what to read next.';

export function FinalScreen({ steps, snapshot, nodeName, width }: FinalScreenProps) {
  const theme = useTheme();
  const allPass = steps.every((s) => s.passing);
  const mapWidth = Math.min(40, Math.max(30, Math.floor(width * 0.42)));
  return (
    <Box flexDirection="column" width={width}>
      <Text bold color={paint(theme, allPass ? 'green' : 'yellow')}>
        {allPass ? '✔ You built a working Kubernetes node by hand.' : 'The end of the lab (some steps do not pass right now).'}
      </Text>
      <Box>
        <ClusterMap snapshot={snapshot} nodeName={nodeName} throughStep={steps.length} width={mapWidth} />
        <Box flexDirection="column" paddingLeft={1} width={width - mapWidth}>
          <Text bold>What you built</Text>
          {steps.map((step) => {
            const mark: CheckMark = step.passing === undefined ? 'unknown' : step.passing ? 'pass' : 'fail';
            return (
              <Text key={step.number} wrap="truncate-end">
                <Text color={paint(theme, checkColor[mark])}>{`${checkGlyph[mark]} `}</Text>
                {`${step.number}. ${step.title}`}
              </Text>
            );
          })}
          <Text> </Text>
          <Text bold>How a request travels</Text>
          {requestPath.map((line) => (
            <Text key={line} wrap="truncate-end">
              {line}
            </Text>
          ))}
        </Box>
      </Box>
      <Text bold>What a production cluster adds</Text>
      {productionAdds.map((line) => (
        <Text key={line} wrap="truncate-end">{`• ${line}`}</Text>
      ))}
      <Text bold>Where to go next</Text>
      <Text wrap="truncate-end">{whatNext}</Text>
      <Text dimColor wrap="truncate-end">
        The cluster keeps running after you quit; `npm run lab -- reset` removes it.
      </Text>
    </Box>
  );
}
