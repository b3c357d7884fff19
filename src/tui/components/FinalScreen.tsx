import { Box, Text } from 'ink';
import type { Finale } from '../../content/schema.ts';
import type { ClusterSnapshot } from '../../engine/snapshot.ts';
import { checkColor, checkGlyph, paint, useTheme, type CheckMark } from '../theme.tsx';
import { ClusterMap } from './ClusterMap.tsx';
import type { StepLine } from './Welcome.tsx';

export interface FinalScreenProps {
  steps: StepLine[];
  /** The last step's `finale` (step.yaml). */
  finale: Finale;
  snapshot?: ClusterSnapshot;
  nodeName: string;
  width: number;
}

/**
 * After the last step. The screen is 80x24 at the least, so every line here is short (the finale's
 * schema keeps it to 46 columns beside the map, 77 under it) and the whole screen is 21 lines over the footer.
 */
/** The final screen's rows over the footer at 80x24 (Ink keeps the last row free). */
const SCREEN_ROWS = 21;

export function FinalScreen({ steps, finale, snapshot, nodeName, width }: FinalScreenProps) {
  const theme = useTheme();
  const allPass = steps.every((s) => s.passing);
  const mapWidth = Math.min(40, Math.max(30, Math.floor(width * 0.42)));
  // 21 rows in all: the headline, the lines under the map (production, next, the reset line), the map's box.
  const under = 1 + 1 + finale.productionAdds.length + 2 + 1;
  const mapRows = SCREEN_ROWS - under - 3;
  // Every step passing is one line; otherwise the ones that fail are named (the map shows what was built).
  const failing = steps.filter((s) => !s.passing);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold color={paint(theme, allPass ? 'green' : 'yellow')}>
        {allPass ? `✔ ${finale.built}` : 'The end of the lab (some steps do not pass right now).'}
      </Text>
      <Box>
        <ClusterMap snapshot={snapshot} nodeName={nodeName} throughStep={steps.length} width={mapWidth} maxRows={mapRows} />
        <Box flexDirection="column" paddingLeft={1} width={width - mapWidth}>
          <Text bold>What you built</Text>
          {failing.length === 0 ? (
            <Text wrap="truncate-end">
              <Text color={paint(theme, checkColor.pass)}>{`${checkGlyph.pass} `}</Text>
              {`all ${steps.length} steps pass`}
            </Text>
          ) : null}
          {failing.map((step) => {
            const mark: CheckMark = step.passing === undefined ? 'unknown' : 'fail';
            return (
              <Text key={step.number} wrap="truncate-end">
                <Text color={paint(theme, checkColor[mark])}>{`${checkGlyph[mark]} `}</Text>
                {`${step.number}. ${step.title}`}
              </Text>
            );
          })}
          <Text> </Text>
          <Text bold>How a request travels</Text>
          {finale.requestPath.map((line) => (
            <Text key={line} wrap="truncate-end">
              {line}
            </Text>
          ))}
        </Box>
      </Box>
      <Text bold>What a production cluster adds</Text>
      {finale.productionAdds.map((line) => (
        <Text key={line} wrap="truncate-end">{`• ${line}`}</Text>
      ))}
      <Text bold>Where to go next</Text>
      <Text wrap="truncate-end">{finale.next}</Text>
      <Text dimColor wrap="truncate-end">
        The cluster keeps running after you quit; `npm run lab -- reset` removes it.
      </Text>
    </Box>
  );
}
