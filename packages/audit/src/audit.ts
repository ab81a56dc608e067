/**
 * `audit()`: select the project's source files, analyse JS/TS and parse Python on worker threads,
 * run the Python rules' cross-file stage, link writers to readers and helpers to their call
 * sites across files, and summarise. With `fix`, rewrite the fixable JS/TS writes.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import { selectFiles } from "./files.js";
import { fixFile, type FileFix } from "./fix/apply.js";
import { isJsFile, type JsFileResult } from "./js/file.js";
import { linkJsResults, toPosix } from "./js/link.js";
import { analyzeFiles } from "./js/pool.js";
import type { PythonFileParse } from "./python/file.js";
import type { AuditReport, AuditSummary, Finding } from "./types.js";

/** Options of {@link audit}. */
export interface AuditOptions {
  /** Files and directories to audit, relative to `cwd`. Default: `["."]`. */
  paths?: string[];
  /** Directory the paths, ignore globs and report file names are relative to. Default: `process.cwd()`. */
  cwd?: string;
  /** Extra globs to skip (picomatch, relative to `cwd`). Default: none. */
  ignore?: string[];
  /** Rewrite fixable JS/TS direct writes to crashsafe calls. Default: false. */
  fix?: boolean;
  /** With `fix`: compute the diffs but write nothing. Default: false. */
  dryRun?: boolean;
  /** Threads analysing JS/TS and parsing Python, the calling thread included; default: available parallelism (at most 8); 0 or 1: the calling thread only. */
  workers?: number;
}

/** The report, plus what `fix` changed (or would change, with `dryRun`). */
export type AuditResult = AuditReport & { fixes?: FileFix[] };

/** Loaded on demand: projects without Python never load the analyzer. */
async function analyzePython(parses: PythonFileParse[], cwd: string): Promise<Finding[]> {
  if (parses.length === 0) return [];
  const { analyzeParsedPython } = await import("./python/analyze.js");
  // Relative to `cwd`, like the JS/TS findings: `file`, and the `readers` and `via` locations too.
  return analyzeParsedPython(parses, { cwd });
}

function parseErrors(results: JsFileResult[], cwd: string): Finding[] {
  return results.flatMap((r) =>
    r.parseError
      ? [{ rule: "parse-error" as const, severity: "error" as const, file: toPosix(relative(cwd, r.file)), line: r.parseError.line, column: r.parseError.column, message: `Could not parse this file, so it was not audited: ${r.parseError.message}`, fixable: false }]
      : [],
  );
}

const PROJECT_MARKERS = [".git", "package.json", "pyproject.toml", "setup.py", "deno.json"];

/**
 * The project the audited paths belong to: the nearest directory at or above them that holds a
 * `.git`, `package.json`, … Setup context (`scripts/`, `test/`) is judged relative to it, so that
 * auditing `~/tests/app` does not make every file of `app` a test file, and `crashsafe audit test/`
 * still knows it is looking at tests.
 */
export function projectRoot(paths: string[], cwd: string): string {
  const dirs = paths.map((p) => {
    const abs = resolve(cwd, p);
    return existsSync(abs) && statSync(abs).isFile() ? dirname(abs) : abs;
  });
  let common = dirs[0] ?? cwd;
  for (const d of dirs.slice(1)) while (d !== common && !d.startsWith(common.endsWith(sep) ? common : common + sep)) common = dirname(common);
  for (let dir = common; ; dir = dirname(dir)) {
    if (PROJECT_MARKERS.some((m) => existsSync(resolve(dir, m)))) return dir;
    if (dirname(dir) === dir) return common;
  }
}

export function summarize(findings: Finding[], files: number): AuditSummary {
  const summary: AuditSummary = { files, error: 0, warning: 0, note: 0 };
  for (const f of findings) summary[f.severity]++;
  return summary;
}

function compareFindings(a: Finding, b: Finding): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}

async function applyFixes(results: JsFileResult[], cwd: string, dryRun: boolean): Promise<FileFix[]> {
  const fixes: FileFix[] = [];
  for (const r of results) {
    if (r.fileFix.length === 0) continue;
    fixes.push(await fixFile(r.file, toPosix(relative(cwd, r.file)), r.fileFix, r.fixCount, dryRun, r.sourceHash));
  }
  return fixes;
}

/**
 * Audits a project for unsafe state writes and silent state resets.
 * Rejects with the underlying error (code and path kept) when a path does not exist or a file
 * cannot be read; a file that cannot be parsed becomes a `parse-error` finding instead.
 */
export async function audit(options: AuditOptions = {}): Promise<AuditResult> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const paths = options.paths?.length ? options.paths : ["."];
  const files = await selectFiles(paths, { cwd, ignore: options.ignore });
  const js = files.filter(isJsFile);
  const py = files.filter((f) => f.endsWith(".py"));
  const root = projectRoot(paths, cwd);
  const { js: jsResults, py: pyParses } = await analyzeFiles(js, py, { workers: options.workers, root });
  const pyFindings = await analyzePython(pyParses, cwd);
  const findings = [...parseErrors(jsResults, cwd), ...linkJsResults(jsResults, cwd, root), ...pyFindings].sort(compareFindings);
  const report: AuditResult = { version: 1, findings, summary: summarize(findings, js.length + py.length) };
  if (options.fix) report.fixes = await applyFixes(jsResults, cwd, options.dryRun ?? false);
  return report;
}
