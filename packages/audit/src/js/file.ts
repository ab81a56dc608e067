/**
 * Parse and analyse one JS/TS file (what each worker does per file), with offsets turned into
 * 1-based lines and columns so that results cross thread boundaries as plain data.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { parseSync, type ParserOptions } from "oxc-parser";
import { analyzeModule, type ExportedHelper, type ExportedReader, type ImportCall, type JsFinding, type Reexport, type StateRead } from "./analyze.js";
import type { TextEdit } from "../fix/plan.js";
import { lineStarts, position } from "../lines.js";

export interface Located {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface JsFileResult {
  file: string;
  /** Number of lines (for throughput figures). */
  lines: number;
  /** Set when the file could not be parsed: the parser's first error. */
  parseError?: { message: string; line: number; column: number };
  findings: Array<JsFinding & Located & { viaLine?: number }>;
  reads: Array<StateRead & { line: number }>;
  exports: Array<ExportedHelper & { line: number }>;
  readerExports: Array<ExportedReader & { line: number }>;
  reexports: Reexport[];
  importCalls: Array<ImportCall & Located>;
  suppressions: Array<[number, string[]]>;
  fileFix: TextEdit[];
  fixCount: number;
  /** sha256 of the analysed text, when there is a fix: `--fix` refuses to apply it to changed text. */
  sourceHash?: string;
}

const JS_EXTENSIONS = new Set(["js", "mjs", "cjs", "jsx", "ts", "tsx", "mts", "cts"]);

export function isJsFile(file: string): boolean {
  return JS_EXTENSIONS.has(file.slice(file.lastIndexOf(".") + 1).toLowerCase());
}

/** Parser options per extension: plain .js may hold JSX, and may be CommonJS (top-level return). */
function parserAttempts(file: string): ParserOptions[] {
  const ext = file.slice(file.lastIndexOf(".") + 1).toLowerCase();
  if (ext === "js" || ext === "jsx") return [{ lang: "jsx", sourceType: "unambiguous" }, { lang: "jsx", sourceType: "commonjs" }, { lang: "js", sourceType: "unambiguous" }];
  if (ext === "mjs") return [{ lang: "jsx", sourceType: "module" }, { lang: "js", sourceType: "module" }];
  if (ext === "cjs") return [{ lang: "jsx", sourceType: "commonjs" }, { lang: "js", sourceType: "commonjs" }];
  // TS is parsed as TS, but its type annotations are left out of the tree: no rule reads them,
  // and not transferring them makes parsing about a fifth cheaper.
  return [{ astType: "js" }];
}

function located(starts: number[], start: number, end: number): Located {
  const a = position(starts, start);
  const b = position(starts, end);
  return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
}

function parse(file: string, source: string): ReturnType<typeof parseSync> {
  let result: ReturnType<typeof parseSync> | undefined;
  for (const options of parserAttempts(file)) {
    const r = parseSync(file, source, options);
    if (!r.errors.some((e) => e.severity === "Error")) return r;
    result ??= r;
  }
  return result!;
}

/**
 * `displayName` is the path relative to the project (what setup-write context is judged on:
 * `scripts/`, `test/`…); an absolute path would let the project's own location decide.
 */
export function analyzeFile(file: string, source: string, displayName = file): JsFileResult {
  const starts = lineStarts(source);
  const empty = { file, lines: starts.length, findings: [], reads: [], exports: [], readerExports: [], reexports: [], importCalls: [], suppressions: [], fileFix: [], fixCount: 0 };
  const r = parse(file, source);
  const error = r.errors.find((e) => e.severity === "Error");
  if (error) {
    const at = position(starts, error.labels[0]?.start ?? 0);
    return { ...empty, parseError: { message: error.message, ...at } };
  }
  let a: ReturnType<typeof analyzeModule>;
  try {
    a = analyzeModule(r.program as never, source, { filename: displayName, comments: r.comments });
  } catch (error) {
    // Reported, never passed over silently: e.g. a stack overflow on pathologically deep code.
    return { ...empty, parseError: { message: `the analyzer failed on this file (${(error as Error).message})`, line: 1, column: 1 } };
  }
  return {
    file,
    lines: starts.length,
    findings: a.findings.map((f) => ({ ...f, ...located(starts, f.start, f.end), viaLine: f.viaStart === undefined ? undefined : position(starts, f.viaStart).line })),
    reads: a.reads.map((x) => ({ ...x, line: position(starts, x.start).line })),
    exports: a.exports.map((x) => ({ ...x, line: position(starts, x.start).line })),
    readerExports: a.readerExports.map((x) => ({ ...x, line: position(starts, x.start).line })),
    importCalls: a.importCalls.map((x) => ({ ...x, ...located(starts, x.start, x.end) })),
    reexports: a.reexports,
    suppressions: a.suppressions,
    fileFix: a.fileFix,
    fixCount: a.fixCount,
    sourceHash: a.fileFix.length ? hashText(source) : undefined,
  };
}

/**
 * Reads and analyses `file`, judging its context by its path relative to `root`. The read is
 * synchronous on purpose: the thread has nothing else to do, and thousands of small async reads
 * spend more time hopping through the libuv pool than reading.
 */
export function analyzePath(file: string, root: string): JsFileResult {
  return analyzeFile(file, readFileSync(file, "utf8"), relative(root, file).split("\\").join("/"));
}

export function hashText(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
