/**
 * Suppression comments: `// crashsafe-ignore <rule-id>[, <rule-id>]: <reason>` silences those rules
 * on the comment's own line and on the next line. Without a rule id it silences every rule.
 */
import { position } from "../lines.js";

export interface CommentLike {
  type: string;
  value: string;
  start?: number;
  end?: number;
  range?: [number, number];
}

/** Line → rule ids suppressed there ("*" for all). */
export type Suppressions = Map<number, string[]>;

const MARKER = "crashsafe-ignore";

/** Parses a comment's text; returns the rule ids it names ("*" when none), or undefined. */
export function parseSuppression(text: string): string[] | undefined {
  const at = text.indexOf(MARKER);
  if (at === -1) return undefined;
  const rest = text.slice(at + MARKER.length);
  if (rest.length && !/^[\s:]/.test(rest)) return undefined;
  const head = rest.split(":")[0]!.trim();
  const ids = head.split(/[\s,]+/).filter(Boolean);
  return ids.length ? ids : ["*"];
}

export function collectSuppressions(comments: CommentLike[], starts: number[]): Suppressions {
  const map: Suppressions = new Map();
  for (const c of comments) {
    const rules = parseSuppression(c.value);
    if (!rules) continue;
    const offset = c.range ? c.range[0] : (c.start ?? 0);
    const { line } = position(starts, offset);
    for (const l of [line, line + 1]) map.set(l, [...(map.get(l) ?? []), ...rules]);
  }
  return map;
}

export function isSuppressed(map: Suppressions | Array<[number, string[]]>, line: number, rule: string): boolean {
  const rules = map instanceof Map ? map.get(line) : map.find(([l]) => l === line)?.[1];
  return rules !== undefined && (rules.includes("*") || rules.includes(rule));
}
