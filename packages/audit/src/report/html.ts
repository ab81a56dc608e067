import type { AuditReport, Finding } from "../types.js";
import { defaultFix, describeRule } from "./describe.js";
import { ruleDocsUrl } from "./docs-url.js";
import { groupByFile, plural, whyOf } from "./group.js";
import { sourceLoader } from "./source.js";

/** Options of {@link formatHtml}. */
export interface HtmlOptions {
  /** Directory the report's relative paths are resolved against, to read code frames. */
  cwd: string;
  /** Page title. Default "crashsafe audit". */
  title?: string;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--code:#f6f8fa;--error:#cf222e;--warning:#9a6700;--note:#0969da;--mark:#fff8c5}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--code:#151b23;--error:#ff7b72;--warning:#d29922;--note:#4493f8;--mark:#3b2e00}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
main{max-width:1100px;margin:0 auto;padding:24px}h1{font-size:26px;margin:0 0 4px}h2{font-size:17px;margin:32px 0 8px;font-family:ui-monospace,monospace;word-break:break-all}
.sub{color:var(--muted);margin:0 0 20px}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:120px}.card b{display:block;font-size:24px}
.card.error b{color:var(--error)}.card.warning b{color:var(--warning)}.card.note b{color:var(--note)}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border-bottom:1px solid var(--line);padding:4px 12px 4px 0;text-align:left}
.finding{border:1px solid var(--line);border-left:4px solid var(--note);border-radius:6px;margin:12px 0;padding:12px 16px}
.finding.error{border-left-color:var(--error)}.finding.warning{border-left-color:var(--warning)}
.head{display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}.loc{font-family:ui-monospace,monospace;color:var(--muted)}
.badge{font-size:12px;font-weight:600;text-transform:uppercase;border-radius:10px;padding:1px 8px;color:#fff;background:var(--note)}
.badge.error{background:var(--error)}.badge.warning{background:var(--warning)}.rule{font-family:ui-monospace,monospace;font-size:13px}
pre{background:var(--code);border-radius:6px;padding:8px 0;overflow-x:auto;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace;margin:8px 0}
.ln{display:inline-block;width:4.5em;padding-right:1em;text-align:right;color:var(--muted);user-select:none}
.hit{background:var(--mark);display:block}.frame span.row{display:block;padding-right:12px}.fix pre{padding:8px 12px}
dl{margin:8px 0;display:grid;grid-template-columns:max-content 1fr;gap:4px 12px}dt{font-weight:600}dd{margin:0}
.empty{font-size:18px;padding:24px;border:1px dashed var(--line);border-radius:8px}
td .rule{white-space:nowrap}.file-index{columns:2 320px;padding-left:18px}.file-index a{font-family:ui-monospace,monospace;font-size:13px;word-break:break-all}
.count{color:var(--muted);font-size:13px}
`;

/**
 * `--format html`: one self-contained page (inline CSS, no scripts, nothing fetched): a summary,
 * findings grouped by file with code frames, and for each finding why it is unsafe and the fix.
 */
export function formatHtml(report: AuditReport, options: HtmlOptions): string {
  const title = options.title ?? "crashsafe audit";
  const load = sourceLoader(options.cwd);
  const groups = groupByFile(report);
  const body = groups.length === 0
    ? `<p class="empty" id="no-findings">No unsafe state writes found in ${escapeHtml(plural(report.summary.files, "file"))}.</p>`
    : groups.map(([file, findings], i) => fileSection(i, file, findings, load(file))).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p class="sub">${escapeHtml(plural(report.findings.length, "finding"))} in ${escapeHtml(plural(groups.length, "file"))} (${escapeHtml(plural(report.summary.files, "file"))} audited)</p>
${summary(report)}
${groups.length > 1 ? fileIndex(groups) : ""}
${body}
</main>
</body>
</html>
`;
}

function summary(report: AuditReport): string {
  const { files, error, warning, note } = report.summary;
  const cards = [["files", files, "files audited"], ["error", error, "errors"], ["warning", warning, "warnings"], ["note", note, "notes"]] as const;
  const byRule = new Map<string, number>();
  for (const f of report.findings) byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
  const rows = [...byRule].map(([rule, n]) => `<tr><td><a class="rule" href="${escapeHtml(ruleDocsUrl(rule as Finding["rule"]))}">${escapeHtml(rule)}</a></td><td>${n}</td><td>${escapeHtml(describeRule(rule as Finding["rule"]))}</td></tr>`);
  return `<section id="summary" aria-label="Summary"><div class="cards">${cards.map(([cls, n, label]) => `<div class="card ${cls}"><b>${n}</b>${escapeHtml(label)}</div>`).join("")}</div>
${rows.length ? `<table><thead><tr><th>rule</th><th>findings</th><th>what</th></tr></thead><tbody>${rows.join("")}</tbody></table>` : ""}</section>`;
}

function fileIndex(groups: Array<[string, Finding[]]>): string {
  const items = groups.map(([file, findings], i) => `<li><a href="#file-${i + 1}">${escapeHtml(file)}</a> <span class="count">${escapeHtml(plural(findings.length, "finding"))}</span></li>`);
  return `<nav aria-label="Files"><ul class="file-index">${items.join("")}</ul></nav>`;
}

function fileSection(index: number, file: string, findings: Finding[], source: string | undefined): string {
  return `<section class="file" id="file-${index + 1}"><h2>${escapeHtml(file)}</h2>\n${findings.map((f) => findingHtml(f, source)).join("\n")}</section>`;
}

function findingHtml(f: Finding, source: string | undefined): string {
  const details: string[] = [`<dt>Why</dt><dd>${escapeHtml(whyOf(f, describeRule))}</dd>`];
  if (f.via) details.push(`<dt>Via</dt><dd>${escapeHtml(f.via)}</dd>`);
  if (f.readers?.length) details.push(`<dt>Read at</dt><dd>${f.readers.map(escapeHtml).join(", ")}</dd>`);
  return `<article class="finding ${f.severity}" data-rule="${escapeHtml(f.rule)}">
<div class="head"><span class="badge ${f.severity}">${f.severity}</span><span class="loc">${escapeHtml(`${f.file}:${f.line}:${f.column}`)}</span><a class="rule" href="${escapeHtml(ruleDocsUrl(f.rule))}">${escapeHtml(f.rule)}</a></div>
<p class="message">${escapeHtml(f.message)}</p>
${frameHtml(source, f)}
<dl>${details.join("")}</dl>
<details class="fix"><summary>Fix</summary><pre>${escapeHtml(f.suggestion ?? defaultFix(f.rule))}</pre></details>
</article>`;
}

function frameHtml(source: string | undefined, f: Finding): string {
  if (source === undefined) return "";
  const lines = source.split(/\r?\n/);
  const from = Math.max(1, f.line - 2);
  const to = Math.min(lines.length, (f.endLine ?? f.line) + 2);
  const rows: string[] = [];
  for (let n = from; n <= to; n++) {
    const hit = n >= f.line && n <= (f.endLine ?? f.line);
    rows.push(`<span class="row${hit ? " hit" : ""}"><span class="ln">${n}</span>${escapeHtml(lines[n - 1] ?? "")}</span>`);
  }
  return `<pre class="frame">${rows.join("")}</pre>`;
}
