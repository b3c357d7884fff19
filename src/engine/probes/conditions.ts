import type { Condition } from '../../content/schema.ts';

/**
 * Reads a dotted field path from a parsed document. `[n]` indexes a list, `[key=value]` picks the
 * first list item whose `key` equals `value` (for `status.conditions[type=Ready].status`).
 */
export function getField(document: unknown, fieldPath: string): unknown {
  const parts = fieldPath.match(/[^.[\]]+|\[[^\]]*\]/g) ?? [];
  let current: unknown = document;
  for (const part of parts) {
    if (current === undefined || current === null) return undefined;
    if (part.startsWith('[')) {
      const inner = part.slice(1, -1);
      if (!Array.isArray(current)) return undefined;
      const match = /^([^=]+)=(.*)$/.exec(inner);
      current = match
        ? current.find((item) => item && String((item as Record<string, unknown>)[match[1]!]) === match[2])
        : current[Number(inner)];
    } else {
      if (typeof current !== 'object') return undefined;
      current = (current as Record<string, unknown>)[part];
    }
  }
  return current;
}

export function describeCondition(condition: Condition): string {
  if (condition.exists !== undefined) return `${condition.field} ${condition.exists ? 'is set' : 'is not set'}`;
  if (condition.contains !== undefined) return `${condition.field} contains ${JSON.stringify(condition.contains)}`;
  return `${condition.field} = ${JSON.stringify(condition.equals)}`;
}

function show(value: unknown): string {
  if (value === undefined) return 'not set';
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export interface ConditionCheck {
  ok: boolean;
  expected: string;
  seen: string;
}

/** Checks conditions in order and reports the first that does not hold. */
export function checkConditions(document: unknown, conditions: Condition[]): ConditionCheck {
  const expected = conditions.map(describeCondition).join(', ');
  for (const condition of conditions) {
    const value = getField(document, condition.field);
    let ok: boolean;
    if (condition.exists !== undefined) ok = (value !== undefined && value !== null && value !== '') === condition.exists;
    else if (condition.contains !== undefined)
      ok = (typeof value === 'string' ? value : JSON.stringify(value ?? '')).includes(condition.contains);
    else ok = value === condition.equals;
    if (!ok) return { ok: false, expected, seen: `${condition.field} is ${show(value)}` };
  }
  return { ok: true, expected, seen: conditions.map((c) => `${c.field} = ${show(getField(document, c.field))}`).join(', ') };
}
