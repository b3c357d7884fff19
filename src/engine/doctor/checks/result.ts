import type { CheckResult, CheckStatus } from '../types.ts';

export function result(id: string, title: string, status: CheckStatus, detail: string, fix?: string): CheckResult {
  return fix && status !== 'pass' ? { id, title, status, detail, fix } : { id, title, status, detail };
}

/** "1.40" -> [1, 40]; compares Docker API versions numerically ("1.9" < "1.10"). */
export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor !== bMajor ? aMajor - bMajor : aMinor - bMinor;
}

export const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
