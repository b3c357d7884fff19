import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import type { CheckResult, CheckStatus } from '../../engine/doctor/types.ts';
import type { Failure } from '../../core/errors.ts';
import type { PreflightState } from '../machineCheck.ts';
import { paint, useTheme } from '../theme.tsx';
import { LayerLines, mb } from './LayerLines.tsx';

const glyph: Record<CheckStatus, string> = { pass: '✔', warn: '!', fail: '✘' };
const color: Record<CheckStatus, string> = { pass: 'green', warn: 'yellow', fail: 'red' };

export interface PreflightProps {
  preflight?: PreflightState;
  /** Every check on its own line (`d`), scrolled by `offset`; otherwise passes are one count. */
  details: boolean;
  offset: number;
  width: number;
  height: number;
}

/** How far the details list scrolls in a screen of `height` rows (heading and blank line take 2, one spare). */
export const maxDetailsOffset = (preflight: PreflightState | undefined, height: number) =>
  Math.max(0, (preflight?.results.length ?? 0) - detailRows(height));
const detailRows = (height: number) => Math.max(1, height - 3);

/** Wrapped text whose every line starts under the first (a leading '  ' would indent only the first). */
function Indented({ children, color, by = 4 }: { children: string; color?: string; by?: number }) {
  return (
    <Box paddingLeft={by}>
      <Text wrap="wrap" color={color}>
        {children}
      </Text>
    </Box>
  );
}

function ResultLine({ result, withFix }: { result: CheckResult; withFix: boolean }) {
  const theme = useTheme();
  return (
    <>
      <Text wrap="truncate-end">
        <Text color={paint(theme, color[result.status])}>{`${glyph[result.status]} `}</Text>
        <Text bold={result.status !== 'pass'}>{result.title}</Text>
        {`: ${result.detail}`}
      </Text>
      {withFix && result.fix ? <Indented color={paint(theme, 'cyan')}>{`fix: ${result.fix}`}</Indented> : null}
    </>
  );
}

function Bar({ fraction, width }: { fraction: number; width: number }) {
  const filled = Math.round(Math.min(1, fraction) * width);
  return <Text>{`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(fraction * 100)}%`}</Text>;
}

/** The mark before a fetch's heading: failed, done, or under way. */
function PhaseMark({ done, error }: { done: boolean; error?: Failure }) {
  const theme = useTheme();
  if (error) return <Text color={paint(theme, 'red')}>✘ </Text>;
  if (done) return <Text color={paint(theme, 'green')}>✔ </Text>;
  return (
    <Text color={paint(theme, 'cyan')}>
      <Spinner type="dots" />{' '}
    </Text>
  );
}

/** What stopped a fetch, and what to do about it. */
function FailureLines({ failure }: { failure: Failure }) {
  const theme = useTheme();
  return (
    <>
      <Indented by={2} color={paint(theme, 'red')}>
        {failure.message}
      </Indented>
      <Indented by={2} color={paint(theme, 'cyan')}>{`hint: ${failure.hint}`}</Indented>
    </>
  );
}

function Binaries({ binaries }: { binaries: NonNullable<PreflightState['binaries']> }) {
  const p = binaries.progress;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <PhaseMark done={binaries.done} error={binaries.error} />
        <Text bold>Kubernetes binaries</Text>
        {` from ${binaries.source}`}
      </Text>
      {p && !binaries.done ? (
        <Text wrap="truncate-end">
          {'  '}
          {p.total ? <Bar fraction={p.received / p.total} width={24} /> : null}
          {`  ${mb(p.received)}${p.total ? `/${mb(p.total)}` : ''} MB${p.resumedFrom > 0 ? `, resumed at ${mb(p.resumedFrom)} MB` : ''}`}
        </Text>
      ) : null}
      {binaries.line && !binaries.error ? <Text dimColor wrap="truncate-end">{`  ${binaries.line}`}</Text> : null}
      {binaries.error ? <FailureLines failure={binaries.error} /> : null}
    </Box>
  );
}

function Images({ images }: { images: NonNullable<PreflightState['images']> }) {
  const theme = useTheme();
  if (images.off) {
    return (
      <Text wrap="wrap" color={paint(theme, 'yellow')}>
        {'! Images are missing, and automatic pulls are off (MVK_NO_PULL=1 or pullImages: false): `npx lab images pull` pulls ' +
          'them, `npx lab images load FILE` loads a bundle.'}
      </Text>
    );
  }
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <PhaseMark done={images.done} error={images.error} />
        <Text bold>Images</Text>
        {`: ${images.pulled.length} of ${images.missing.length} pulled`}
      </Text>
      {images.missing.map((image) => {
        const pulled = images.pulled.includes(image);
        const pulling = image === images.pulling && !images.done;
        return (
          <Box key={image} flexDirection="column">
            <Text wrap="truncate-end">
              {'  '}
              {pulled ? (
                <Text color={paint(theme, 'green')}>✔</Text>
              ) : pulling ? (
                <Text color={paint(theme, 'cyan')}>
                  <Spinner type="dots" />
                </Text>
              ) : image === images.pulling ? (
                <Text color={paint(theme, 'red')}>✘</Text>
              ) : (
                <Text dimColor>○</Text>
              )}
              {` ${image}`}
            </Text>
            {pulling ? <LayerLines layers={images.layers} /> : null}
          </Box>
        );
      })}
      {images.error ? <FailureLines failure={images.error} /> : null}
    </Box>
  );
}

function Verdict({ preflight }: { preflight: PreflightState }) {
  const theme = useTheme();
  const count = (status: CheckStatus) => preflight.results.filter((r) => r.status === status).length;
  const fails = count('fail') + (preflight.binaries?.error ? 1 : 0) + (preflight.images?.error ? 1 : 0);
  if (fails > 0) {
    return (
      <Text wrap="wrap" color={paint(theme, 'red')}>
        {`✘ ${fails === 1 ? 'One thing needs' : `${fails} things need`} fixing first; each line above says how. Then press r to ` +
          `check again. Enter goes on anyway: the lessons read fine, but their checks will not pass.`}
      </Text>
    );
  }
  const warns = count('warn');
  if (warns > 0)
    return (
      <Text
        wrap="wrap"
        color={paint(theme, 'yellow')}
      >{`! The lab can run here; read the ${warns === 1 ? 'warning' : `${warns} warnings`} above. Press Enter to continue.`}</Text>
    );
  return <Text color={paint(theme, 'green')}>✔ This machine can run the lab. Press Enter to continue.</Text>;
}

/** A check whose fix ("run `lab setup`") this screen is carrying out below: its fix line would only confuse. */
function beingFetched(preflight: PreflightState | undefined, id: string): boolean {
  const pulling = Boolean(preflight?.images && !preflight.images.off);
  return (id === 'binaries' && Boolean(preflight?.binaries)) || ((id === 'images' || id === 'sandbox') && pulling);
}

/**
 * The walkthrough's first screen: `lab doctor`'s checks as they run (passes as one count, warnings and
 * failures with their fixes), then the download and the pulls with their progress.
 */
export function Preflight({ preflight, details, offset, width, height }: PreflightProps) {
  const theme = useTheme();
  const results = preflight?.results ?? [];
  const passed = results.filter((r) => r.status === 'pass').length;
  const notPassed = results.filter((r) => r.status !== 'pass');
  const current = preflight?.current;
  return (
    // Rows never shrink (Yoga would squeeze them into the box and draw them over each other): the title,
    // the downloads and the verdict keep theirs, and the list of problems is cut where the screen ends
    // (d lists every check, scrolling).
    <Box flexDirection="column" width={width} height={height} paddingX={1} overflow="hidden">
      <Box flexShrink={0} flexDirection="column">
        <Text bold color={paint(theme, 'cyan')} wrap="truncate-end">
          {'mvk-lab: is this machine ready? '}
          <Text dimColor bold={false}>
            (the checks of `npx lab doctor`)
          </Text>
        </Text>
        <Text> </Text>
      </Box>
      {details ? (
        <Box flexShrink={0} flexDirection="column">
          {results.slice(offset, offset + detailRows(height)).map((r) => (
            <ResultLine key={`${r.id}-${r.title}`} result={r} withFix={false} />
          ))}
        </Box>
      ) : (
        <>
          <Box flexGrow={1} flexShrink={1} flexDirection="column" overflow="hidden">
            <Box flexShrink={0} flexDirection="column">
              {current ? (
                <Text wrap="truncate-end" color={paint(theme, 'cyan')}>
                  <Spinner type="dots" />
                  {` checking ${current.index + 1}/${current.total}: ${current.title}`}
                </Text>
              ) : null}
              {passed > 0 ? (
                <Text>
                  <Text color={paint(theme, 'green')}>✔ </Text>
                  {`${passed} ${passed === 1 ? 'check passes' : 'checks pass'}`}
                  <Text dimColor> (d lists them all)</Text>
                </Text>
              ) : null}
              {notPassed.map((r) => (
                <ResultLine key={`${r.id}-${r.title}`} result={r} withFix={!beingFetched(preflight, r.id)} />
              ))}
            </Box>
          </Box>
          <Box flexShrink={0} flexDirection="column">
            {preflight?.binaries ? (
              <>
                <Text> </Text>
                <Binaries binaries={preflight.binaries} />
              </>
            ) : null}
            {preflight?.images ? (
              <>
                <Text> </Text>
                <Images images={preflight.images} />
              </>
            ) : null}
            {preflight?.phase === 'done' ? (
              <>
                <Text> </Text>
                <Verdict preflight={preflight} />
              </>
            ) : null}
          </Box>
        </>
      )}
    </Box>
  );
}
