import type { AuditReport } from "../types.js";

/** `--format json`: exactly DESIGN.md's shape (version 1); detail fields stay out of it. */
export function formatJson(report: AuditReport): string {
  const findings = report.findings.map(({ rule, severity, file, line, column, message, fixable }) => ({
    rule, severity, file, line, column, message, fixable,
  }));
  const { files, error, warning, note } = report.summary;
  return `${JSON.stringify({ version: 1, findings, summary: { files, error, warning, note } }, null, 2)}\n`;
}
