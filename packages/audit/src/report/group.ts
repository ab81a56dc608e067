import type { AuditReport, Finding } from "../types.js";

/** Findings grouped by file, files in report order, findings by position. */
export function groupByFile(report: AuditReport): Array<[string, Finding[]]> {
  const groups = new Map<string, Finding[]>();
  for (const f of report.findings) groups.set(f.file, [...(groups.get(f.file) ?? []), f]);
  for (const list of groups.values()) list.sort((a, b) => a.line - b.line || a.column - b.column);
  return [...groups.entries()];
}

/** Text of the one-line "why": the finding's own answer to the drill, else the rule's description. */
export function whyOf(f: Finding, describe: (rule: Finding["rule"]) => string): string {
  return f.consequence ?? describe(f.rule);
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
