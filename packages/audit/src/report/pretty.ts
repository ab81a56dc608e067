import { codeFrameColumns } from "@babel/code-frame";
import { PY_ATOMIC_WRITE } from "../python/explain.js";
import type { AuditReport, Finding, Severity } from "../types.js";
import { defaultFix, describeRule } from "./describe.js";
import { groupByFile, plural, whyOf } from "./group.js";
import { sourceLoader } from "./source.js";

/** Options of {@link formatPretty}. */
export interface PrettyOptions {
  /** ANSI colours (use only on a TTY). */
  color: boolean;
  /** Directory the report's relative paths are resolved against, to read code frames. */
  cwd: string;
}

const ANSI = { red: 31, yellow: 33, cyan: 36, gray: 90, bold: 1, underline: 4, green: 32 } as const;
type Style = keyof typeof ANSI;
const SEVERITY_STYLE: Record<Severity, Style> = { error: "red", warning: "yellow", note: "cyan" };

/**
 * `--format pretty`: findings grouped by file, each with its code frame, why it is unsafe in one
 * line, and the fix. Python's shared replacement helper is printed once at the end.
 */
export function formatPretty(report: AuditReport, options: PrettyOptions): string {
  const paint = (style: Style, s: string) => (options.color ? `\u001b[${ANSI[style]}m${s}\u001b[0m` : s);
  const load = sourceLoader(options.cwd);
  const out: string[] = [];
  let helperUsed = false;
  for (const [file, findings] of groupByFile(report)) {
    out.push(paint("underline", file));
    for (const f of findings) {
      const { text, usesHelper } = fixText(f);
      helperUsed ||= usesHelper;
      out.push(`  ${paint("gray", `${f.line}:${f.column}`)}  ${paint(SEVERITY_STYLE[f.severity], f.severity)}  ${f.message}  ${paint("gray", f.rule)}`);
      const frame = codeFrame(load(file), f, options.color);
      if (frame) out.push(indent(frame, 4));
      out.push(`    ${paint("bold", "why:")} ${whyOf(f, describeRule)}`);
      if (f.via) out.push(`    ${paint("bold", "via:")} ${f.via}`);
      if (f.readers?.length) out.push(`    ${paint("bold", "read at:")} ${f.readers.join(", ")}`);
      out.push(`    ${paint("bold", "fix:")} ${indent(text, 4).trimStart()}`);
      out.push("");
    }
  }
  if (helperUsed) out.push(paint("bold", "atomic_write, the helper the Python fixes above call:"), indent(PY_ATOMIC_WRITE.trimEnd(), 2), "");
  out.push(summaryLine(report, paint));
  return `${out.join("\n")}\n`;
}

function fixText(f: Finding): { text: string; usesHelper: boolean } {
  const s = f.suggestion ?? defaultFix(f.rule);
  if (!s.includes(PY_ATOMIC_WRITE)) return { text: s, usesHelper: false };
  const head = s.slice(0, s.indexOf(PY_ATOMIC_WRITE)).replace(/\n?using this helper[^\n]*\n?$/, "").replace(/:\s*$/, "");
  return { text: `${head.trimEnd()}  (atomic_write: see the end of the report)`, usesHelper: true };
}

function codeFrame(source: string | undefined, f: Finding, color: boolean): string | undefined {
  if (source === undefined) return undefined;
  const start = { line: f.line, column: f.column };
  const end = f.endLine === f.line && f.endColumn !== undefined ? { line: f.line, column: f.endColumn } : undefined;
  const isJs = !f.file.endsWith(".py");
  return codeFrameColumns(source, end ? { start, end } : { start }, { highlightCode: color && isJs, forceColor: color, linesAbove: 1, linesBelow: 1 });
}

function indent(s: string, n: number): string {
  const pad = " ".repeat(n);
  return s.split("\n").map((l) => (l ? pad + l : l)).join("\n");
}

function summaryLine(report: AuditReport, paint: (style: Style, s: string) => string): string {
  const { files, error, warning, note } = report.summary;
  const total = error + warning + note;
  if (total === 0) return paint("green", `✔ no unsafe state writes found in ${plural(files, "file")}`);
  const counts = `${plural(error, "error")}, ${plural(warning, "warning")}, ${plural(note, "note")}`;
  return paint(error > 0 ? "red" : "yellow", `✖ ${plural(total, "finding")} (${counts}) in ${plural(files, "file")} audited`);
}
