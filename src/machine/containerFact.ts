/**
 * A container's state as Docker's listing gives it, read the same way by the cluster map
 * (snapshot.ts) and the diagnosis (diagnosis/evidence.ts).
 */
export interface ContainerFact {
  /** Docker's state: running, exited, created, … */
  state: string;
  status: string;
  /** Once it has exited: the listing says so only in the status text. */
  exitCode?: number;
}

/** The exit code in Docker's status text (`Exited (137) 2 minutes ago`); undefined while it has not exited. */
export function exitCodeOf(status: string): number | undefined {
  const match = /^Exited \((-?\d+)\)/.exec(status);
  return match ? Number(match[1]) : undefined;
}
