import { relative, resolve, sep } from "node:path";
import { isSuppressed } from "../js/suppress.js";
import { RULES, type Finding, type FindingKind } from "../types.js";
import {
  replaceConsequence, resetSuggestion, replaceSuggestion, resetConsequence, writeConsequence, writeSuggestion,
} from "./explain.js";
import { fileNameOf, loadSite, pathKey } from "./facts.js";
import { HelperIndex } from "./helpers.js";
import { buildModel, text, type FileModel, type Scope } from "./model.js";
import { replaceIssues } from "./replace.js";
import { silentResets, type ResetSite } from "./reset.js";
import { setupContext, setupFile, setupReason } from "./setup.js";
import { parsePythonFile, type PythonFileParse } from "./file.js";
import { decodePython, isWithin, type PyNode } from "./tree.js";
import { collectWrites, paramIndex, type WriteSite } from "./writes.js";

/** One Python file to analyse: its path (absolute, or relative to `options.cwd`) and its text. */
export interface PythonSource {
  file: string;
  source: string;
}

/** Options of {@link analyzePythonFiles}. */
export interface PythonOptions {
  /** Directory that finding paths (`file`, `readers`, `via`) are relative to, and relative inputs resolved against. Default: `process.cwd()`. */
  cwd?: string;
}

/**
 * Runs the Python rules over `files`. Pass all of a project's Python files in one call: path-taking
 * helpers are followed across files (`from utils import save_json`) only within one call.
 * A file that does not parse yields a `parse-error` finding and is not analysed further.
 */
export async function analyzePythonFiles(files: PythonSource[], options: PythonOptions = {}): Promise<Finding[]> {
  const parsed: PythonFileParse[] = [];
  for (const { file, source } of files) parsed.push(await parsePythonFile(file, source));
  return analyzeParsedPython(parsed, options);
}

/**
 * The cross-file stage of {@link analyzePythonFiles}, over files already through the per-file
 * stage ({@link parsePythonFile}, possibly on other threads): the results are the same.
 */
export function analyzeParsedPython(files: PythonFileParse[], options: PythonOptions = {}): Finding[] {
  const cwd = resolve(options.cwd ?? process.cwd());
  const findings: Finding[] = [];
  const models: FileModel[] = [];
  for (const { file, source, encoded, failure } of files) {
    const display = displayPath(resolve(cwd, file), cwd);
    if (!encoded) {
      findings.push(notAnalysed(display, 1, 1, `Python file could not be parsed (${failure})`));
      continue;
    }
    try {
      if (encoded.error) {
        const { row, col, reason } = encoded.error;
        findings.push(notAnalysed(display, row + 1, col + 1, `Python syntax error (${reason}) at ${row + 1}:${col + 1}`));
        continue;
      }
      models.push(buildModel(display, resolve(cwd, file), decodePython(source, encoded)));
    } catch (error) {
      findings.push(notAnalysed(display, 1, 1, `Python file could not be parsed (${String(error)})`));
    }
  }
  const helpers = new HelperIndex(models).build();
  const failed = new Set<FileModel>();
  // One file tripping the analyzer must cost that file, not the whole audit.
  const guarded = <T>(model: FileModel, run: () => T[]): T[] => {
    try {
      return run();
    } catch (error) {
      if (!failed.has(model)) findings.push(notAnalysed(model.file, 1, 1, `Python analysis failed (${String(error)})`));
      failed.add(model);
      return [];
    }
  };
  const perScope = models.flatMap((model) => model.scopes.map((scope) => ({ model, scope })));
  const writes = perScope.flatMap(({ model, scope }) => guarded(model, () => collectWrites(model, scope, helpers)));
  // Setup scripts and tests read fixtures and configs once: their fallbacks are not runtime state resets.
  const resets = perScope
    .filter(({ model }) => !setupFile(model))
    .flatMap(({ model, scope }) => guarded(model, () => silentResets(model, scope, helpers).map((r) => ({ model, scope, ...r }))));
  const readers = readerIndex(perScope, resets);
  findings.push(...writes.flatMap((w) => writeFinding(w, helpers, readers)));
  const writers = writersByKey(writes);
  findings.push(...resets.map((r) => resetFinding(r, writers)));
  for (const { model, scope } of perScope) findings.push(...guarded(model, () => replaceFindings(model, scope, helpers)));
  const suppressions = new Map(models.map((m) => [m.file, m.suppressions]));
  return findings
    .filter((f) => !isSuppressed(suppressions.get(f.file) ?? new Map(), f.line, f.rule))
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

function notAnalysed(file: string, line: number, column: number, reason: string): Finding {
  return { rule: "parse-error", severity: "error", file, line, column, message: `${reason}: the file was not analysed.`, fixable: false };
}

function displayPath(abs: string, cwd: string): string {
  return relative(cwd, abs).split(sep).join("/");
}

function location(model: FileModel, node: PyNode): Pick<Finding, "file" | "line" | "column" | "endLine" | "endColumn"> {
  return { file: model.file, line: node.row + 1, column: node.col + 1, endLine: node.endRow + 1, endColumn: node.endCol + 1 };
}

function finding(rule: FindingKind & keyof typeof RULES, model: FileModel, node: PyNode, rest: Omit<Finding, "rule" | "severity" | "file" | "line" | "column" | "fixable">): Finding {
  return { rule, severity: RULES[rule].severity, ...location(model, node), fixable: false, ...rest };
}

/** A name for the file a path expression points at: its literal file name, else the expression. */
function fileLabel(model: FileModel, scope: Scope, node: PyNode): string {
  return fileNameOf(model, scope, node) ?? text(model, node);
}

/** Identity used to link writers and readers across files: the literal file name, or a constant's name. */
function linkKey(model: FileModel, scope: Scope, node: PyNode): string | undefined {
  const name = fileNameOf(model, scope, node);
  if (name) return name;
  const key = pathKey(model, node);
  if (/^[A-Z][A-Z0-9_]*$/.test(key)) return key;
  return key.startsWith("self.") ? `${model.file}#${key}` : undefined;
}

interface Reader {
  at: string;
  resets: boolean;
}

/** Grouped once: comparing every reader or writer with every reset is quadratic in the project's size. */
function groupBy<T, K>(items: T[], key: (item: T) => K | undefined): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function readerIndex(perScope: Array<{ model: FileModel; scope: Scope }>, resets: Array<ResetSite & { model: FileModel }>): Map<string, Reader[]> {
  const resetsOf = groupBy(resets, (r) => r.model);
  const index = new Map<string, Reader[]>();
  for (const { model, scope } of perScope) {
    for (const call of scope.calls) {
      const load = loadSite(model, scope, call);
      const key = load?.path && linkKey(model, scope, load.path);
      if (!key) continue;
      const resetsHere = (resetsOf.get(model) ?? []).some((r) => r.load?.call === call || isWithin(call, r.node.parent ?? r.node));
      const at = `${model.file}:${call.row + 1}`;
      const list = index.get(key);
      if (list) list.push({ at, resets: resetsHere });
      else index.set(key, [{ at, resets: resetsHere }]);
    }
  }
  return index;
}

/** `file:line` of the writes by link key, computed on first use (only resets with a key ask). */
function writersByKey(writes: WriteSite[]): (key: string) => string[] {
  let index: Map<string, WriteSite[]> | undefined;
  return (key) => {
    index ??= groupBy(writes, (w) => linkKey(w.model, w.scope, w.target));
    return (index.get(key) ?? []).map((w) => `${w.model.file}:${w.node.row + 1}`);
  };
}

function writeFinding(w: WriteSite, helpers: HelperIndex, readers: Map<string, Reader[]>): Finding[] {
  if (!w.format) return [];
  // A helper's own write is reported where callers hand it a concrete path.
  if (w.scope.fn && paramIndex(w.scope, w.model, w.target) !== undefined && helpers.called.has(w.scope.fn)) return [];
  const name = fileLabel(w.model, w.scope, w.target);
  const key = linkKey(w.model, w.scope, w.target);
  const found = (key && readers.get(key)) || [];
  const via = w.via ? ` through ${w.via}` : "";
  const setup = setupReason(w, found.length > 0);
  if (setup) {
    return [finding("setup-write", w.model, w.node, {
      message: `One-time write of ${name} (${w.how}${via}): ${setup}; allowed, listed.`,
      ...(w.via ? { via: w.via } : {}),
    })];
  }
  const what = w.format === "temp copy" ? `${name} is overwritten by ${w.how}` : `${w.format} state written in place to ${name} with ${w.how}${via}`;
  return [finding("direct-state-write", w.model, w.node, {
    message: `${what}: a crash mid-write leaves it empty or torn.`,
    consequence: writeConsequence(name, found),
    suggestion: writeSuggestion(text(w.model, w.target), w.dataText, w.how),
    ...(found.length > 0 ? { readers: found.map((r) => r.at) } : {}),
    ...(w.via ? { via: w.via } : {}),
  })];
}

function resetFinding(r: ResetSite & { model: FileModel; scope: Scope }, writersOf: (key: string) => string[]): Finding {
  const name = r.load?.path ? fileLabel(r.model, r.scope, r.load.path) : "the state file";
  const key = r.load?.path && linkKey(r.model, r.scope, r.load.path);
  const writers = key ? writersOf(key) : [];
  return finding("silent-state-reset", r.model, r.node, {
    message: `${r.how} around loading ${name} carries on with empty/default state when it does not parse: a corrupt file silently erases history.`,
    consequence: resetConsequence(name, writers),
    suggestion: resetSuggestion(r.load?.path ? text(r.model, r.load.path) : undefined),
  });
}

function replaceFindings(model: FileModel, scope: Scope, helpers: HelperIndex): Finding[] {
  // A build or setup step's rename runs once, like its writes: not worth a warning.
  if (setupContext(model, scope)) return [];
  return replaceIssues(model, scope, helpers).map((i) => finding(i.rule, model, i.node, {
    message: i.rule === "shared-temp-name"
      ? `Temp ${text(model, i.node)} has a fixed name: concurrent writers of ${i.targetText} share it.`
      : `${i.tempText} is renamed over ${i.targetText}, but ${i.reason}.`,
    consequence: replaceConsequence(i.rule, i.targetText, i.rule === "shared-temp-name" ? text(model, i.node) : i.tempText, i.reason),
    suggestion: replaceSuggestion(i.rule, i.targetText, i.tempText),
  }));
}
