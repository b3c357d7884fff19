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

export const nextLabs = [
  'Run kube-scheduler as a static pod and watch unpinned pods get a node.',
  'Add kube-controller-manager: ServiceAccounts and tokens appear on their own.',
  'Turn on TLS and authentication between apiserver, kubelet and kubectl.',
  'Join a second node and install a CNI plugin so pods talk across nodes.',
];

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
        </Box>
      </Box>
      <Text bold>Where to go next</Text>
      {nextLabs.map((line) => (
        <Text key={line} wrap="truncate-end">{`• ${line}`}</Text>
      ))}
      <Text dimColor wrap="truncate-end">
        The cluster keeps running after you quit; `npm run lab -- reset` stops it and cleans up.
      </Text>
    </Box>
  );
}
