import type { Condition } from '../../content/schema.ts';
import { render, type TemplateVars } from '../../core/template.ts';

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

type FieldCondition = Exclude<Condition, { anyOf: unknown }>;

/** Fills `{{vars}}` into the values conditions compare with. */
export function renderConditions(conditions: Condition[], vars: TemplateVars): Condition[] {
  const one = (c: FieldCondition): FieldCondition => ({ ...c, equals: typeof c.equals === 'string' ? render(c.equals, vars) : c.equals });
  return conditions.map((c) => ('anyOf' in c ? { anyOf: c.anyOf.map(one) } : one(c)));
}

export function describeCondition(condition: Condition): string {
  if ('anyOf' in condition) return condition.anyOf.map(describeCondition).join(' or ');
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

function holds(document: unknown, condition: FieldCondition): boolean {
  const value = getField(document, condition.field);
  if (condition.exists !== undefined) return (value !== undefined && value !== null && value !== '') === condition.exists;
  if (condition.contains !== undefined)
    return (typeof value === 'string' ? value : JSON.stringify(value ?? '')).includes(condition.contains);
  return value === condition.equals;
}

const fieldsOf = (condition: Condition): FieldCondition[] => ('anyOf' in condition ? condition.anyOf : [condition]);
const seenOf = (document: unknown, condition: Condition, verb: string) =>
  fieldsOf(condition)
    .map((c) => `${c.field}${verb}${show(getField(document, c.field))}`)
    .join(', ');

/** Checks conditions in order and reports the first that does not hold. */
export function checkConditions(document: unknown, conditions: Condition[]): ConditionCheck {
  const expected = conditions.map(describeCondition).join(', ');
  for (const condition of conditions)
    if (!fieldsOf(condition).some((c) => holds(document, c))) return { ok: false, expected, seen: seenOf(document, condition, ' is ') };
  return { ok: true, expected, seen: conditions.map((c) => seenOf(document, c, ' = ')).join(', ') };
}
