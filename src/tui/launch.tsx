import { render } from 'ink';
import { labEnv } from '../core/context.ts';
import { recordMachineBaseline } from '../engine/hostBaseline.ts';
import { DockerDriver, watchPodContainers } from '../machine/docker.ts';
import { renderLesson } from '../engine/lesson.ts';
import { machineFacts } from '../engine/machineFacts.ts';
import { labSteps } from '../engine/steps.ts';
import { App } from './App.tsx';
import { labEngine } from './engine.ts';
import { podOfContainer } from './containerEvents.ts';
import { WalkthroughStore } from './store.ts';
import { colorWanted, ThemeContext } from './theme.tsx';
import { watchStudentFiles } from './watchers.ts';

const ALT_SCREEN_ON = '\x1b[?1049h';
const ALT_SCREEN_OFF = '\x1b[?1049l';

/** `npm run lab` in a terminal: the interactive walkthrough. Resolves when the student quits. */
export async function launchWalkthrough(): Promise<number> {
  const env = labEnv();
  // The student may start kubelet by hand from here on: note the kernel settings it will change.
  recordMachineBaseline(env);
  const steps = labSteps();
  // Machine facts fill the lesson's kubelet command; without Docker the lesson shows <nodeIp> and the like.
  const machine = await machineFacts(new DockerDriver()).catch(() => undefined);
  const lessons = new Map(steps.map((step) => [step.number, renderLesson(env, step, machine)]));
  const store = new WalkthroughStore(labEngine(env, steps));

  const files = watchStudentFiles(env, () => store.requestCheck());
  const stopDocker = watchPodContainers((name) => store.containerEvent(podOfContainer(name)));

  // The terminal went away (window closed, ssh dropped): nothing left to draw on, so leave quietly.
  // The cluster is not touched; kubelet runs detached from this process.
  const terminalGone = () => {
    store.stop();
    stopDocker();
    process.exit(0);
  };
  process.stdout.on('error', terminalGone);
  process.once('SIGHUP', terminalGone);

  process.stdout.write(ALT_SCREEN_ON);
  const app = render(
    <ThemeContext.Provider value={{ color: colorWanted() }}>
      <App store={store} lessonMarkdown={(n) => lessons.get(n) ?? ''} isRoot={process.getuid?.() === 0} />
    </ThemeContext.Provider>,
    { exitOnCtrlC: true, patchConsole: true },
  );
  void store.start();
  try {
    await app.waitUntilExit();
  } finally {
    store.stop();
    stopDocker();
    await files.close();
    app.cleanup();
    process.stdout.write(ALT_SCREEN_OFF);
    process.off('SIGHUP', terminalGone);
  }
  const { viewing, screen } = store.getState();
  process.stdout.write(
    screen === 'final'
      ? 'The cluster keeps running. `npm run lab -- reset` stops it and puts the machine back.\n'
      : `Left at step ${viewing}; the cluster keeps running. \`npm run lab\` resumes here, \`npm run lab -- reset\` starts over.\n`,
  );
  return 0;
}
