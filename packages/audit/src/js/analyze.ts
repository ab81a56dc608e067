/**
 * The JS/TS detection core: one program in, findings out. `audit()` runs it per file (plus
 * cross-file linking); the ESLint plugin runs it through {@link analyzeProgram}.
 */
import type { RuleId } from "../types.js";
import { importEdit, planFix, type TextEdit } from "../fix/plan.js";
import { RETHROW_DESC } from "../fix/rethrow.js";
import { suggestWrite } from "../fix/suggest.js";
import { span, unwrap, type Node } from "./ast.js";
import { collectFacts, type ModuleFacts } from "./facts.js";
import { lineStarts, position } from "../lines.js";
import { collectRenames, isTempWrite, replaceFindings } from "./replace.js";
import { resetFindings } from "./resets.js";
import { analyzeReads, displayKey, pathKey, type ReaderHelper, type StateRead } from "./reads.js";
import { setupFunctionReason, setupReason, writeFlag } from "./setup.js";
import { collectSuppressions, isSuppressed, type CommentLike } from "./suppress.js";
import { fileName, isSerialized, looksLikeStateFile, pathParts } from "./values.js";
import { collectWrites, type HelperSummary, type WriteSite } from "./writes.js";

export type { TextEdit } from "../fix/plan.js";

/** A finding with offsets into the analysed source (what the ESLint plugin reports). */
export interface ProgramFinding {
  rule: RuleId;
  /** Offsets into `sourceText` (UTF-16 code units), end exclusive. */
  start: number;
  end: number;
  /** What is wrong, why, and the fix, in one paragraph. */
  message: string;
  /** Behaviour-preserving rewrite to crashsafe (the call plus its import), when one exists. */
  fix?: TextEdit[];
  /**
   * Editor suggestions: the autofix itself, or, where there is none, a close rewrite whose `desc`
   * says what to review (a direct write's callback or directory creation, a reset's rethrow).
   */
  suggestions?: Array<{ desc: string; edits: TextEdit[] }>;
}

/** A finding with the detail `audit()` needs for its report and cross-file linking. */
export interface JsFinding extends ProgramFinding {
  suggestion?: string;
  via?: string;
  /** Offset of the helper's write when reached through a local helper. */
  viaStart?: number;
  /** File name the write/read targets (`state.json`), for linking writers and readers. */
  stateFile?: string;
  /** Set when reported inside a helper body (no caller in this module): the helper's local name. */
  helperBody?: string;
  /** Name to import from "crashsafe" when the fix is applied. */
  fixImport?: string;
  /** The fix's edits of the call alone (the import is merged per file). */
  fixCall?: TextEdit[];
  /** `--fix` resolves it: its own call is rewritten, or the helper it calls is. */
  fixable?: boolean;
}

/** An exported helper that writes state to a path it takes (for call sites in other modules). */
export interface ExportedHelper extends Omit<HelperSummary, "fn" | "name"> {
  exported: string;
  local: string;
  /** `--fix` rewrites the write inside the helper. */
  fixable: boolean;
}

/** A call of a function imported from a project module (`./util.js`), resolved by `audit()`. */
export interface ImportCall {
  source: string;
  imported: string;
  start: number;
  end: number;
  args: Array<{ serialized: boolean; stateFile: boolean; name?: string; key?: string }>;
  setup?: string;
}

export type { StateRead } from "./reads.js";

/** An exported function that reads the path it takes (its callers in other modules are readers). */
export interface ExportedReader {
  exported: string;
  local: string;
  pathParam: number;
  outcome: StateRead["outcome"];
  start: number;
}

/** A re-export from a project module; `"*"` for `export * from`. */
export interface Reexport {
  source: string;
  imported: string;
  exported: string;
}

export interface ModuleAnalysis {
  reexports: Reexport[];
  findings: JsFinding[];
  reads: StateRead[];
  exports: ExportedHelper[];
  readerExports: ExportedReader[];
  importCalls: ImportCall[];
  suppressions: Array<[number, string[]]>;
  /** Every fixable finding's call edits plus one import: what `--fix` applies to this file. */
  fileFix: TextEdit[];
  /** Number of calls `fileFix` rewrites. */
  fixCount: number;
}

export interface AnalyzeOptions {
  /** The file's path (decides setup-write context: scripts/, build files, tests). */
  filename?: string;
  /** The program's comments, for `crashsafe-ignore` suppressions. */
  comments?: CommentLike[];
}

const RESET_SUGGESTION = "let a parse error stop the program (or restore a backup); default only on ENOENT — crashsafe readJson/openState do this";
const SUGGEST_SYNC = 'use writeFileAtomicSync (or writeJsonSync) from "crashsafe": temp in the same directory, fsync, rename';
const SUGGEST_ASYNC = 'use await writeFileAtomic (or writeJson) from "crashsafe": temp in the same directory, fsync, rename';

function describeTarget(name: string | undefined, key?: string): string {
  return name ? `"${name}"` : key && key.length <= 50 ? displayKey(key) : "the state file";
}

function isStateWrite(w: WriteSite): boolean {
  const scope = w.site.scope;
  if (w.serializes || isSerialized(w.dataExpr, scope)) return true;
  if (w.helper?.stateFile && w.pathExpr === undefined) return true;
  return looksLikeStateFile(pathParts(w.pathExpr, scope)) || (w.helper?.stateFile ?? false);
}

function writeFinding(facts: ModuleFacts, w: WriteSite, starts: number[]): JsFinding | undefined {
  const flag = writeFlag(w.optionsExpr);
  if (flag?.includes("a")) return undefined;
  if (!isStateWrite(w)) return undefined;
  const parts = pathParts(w.pathExpr, w.site.scope);
  const name = fileName(parts);
  const key = pathKey(facts, w.pathExpr, w.site);
  const { start, end } = span(w.report);
  const reason = setupReason(w.site, facts, w.pathExpr, parts, flag) ?? (w.helper ? setupFunctionReason(w.helper.name) : undefined);
  const via = w.helper ? `${w.helper.name} (line ${position(starts, w.helper.start).line})` : undefined;
  if (reason) {
    return { rule: "setup-write", start, end, message: `One-time write of ${describeTarget(name, key)} (${reason}): allowed, listed.`, stateFile: key, via };
  }
  const how = w.helper ? `${w.helper.name}() writes it with ${w.sinkName}, which truncates` : `${w.sinkName} truncates`;
  const finding: JsFinding = {
    rule: "direct-state-write",
    start,
    end,
    message: `${how} ${describeTarget(name, key)} and rewrites it in place: a crash mid-write leaves it empty or torn.`,
    suggestion: w.form === "sync" ? SUGGEST_SYNC : SUGGEST_ASYNC,
    stateFile: key,
    via,
    viaStart: w.helper?.start,
  };
  if (w.kind === "direct") {
    const fix = planFix(facts, w);
    if (fix) {
      finding.fix = fix.edits;
      finding.fixImport = fix.importName;
      finding.fixCall = fix.callEdits;
      finding.fixable = true;
    } else {
      const s = suggestWrite(facts, w);
      if (s) finding.suggestions = [s];
    }
  }
  return finding;
}

/** Local name → exported names, for top-level exports (ESM and CommonJS). */
function exportedNames(program: Node): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (local: string, exported: string): void => void out.set(local, [...(out.get(local) ?? []), exported]);
  for (const st of program.body as Node[]) {
    if (st.type === "ExportNamedDeclaration") {
      const d = st.declaration as Node | null;
      if (d?.type === "FunctionDeclaration" && d.id) add((d.id as Node).name as string, (d.id as Node).name as string);
      if (d?.type === "VariableDeclaration") for (const v of d.declarations as Node[]) if ((v.id as Node).type === "Identifier") add((v.id as Node).name as string, (v.id as Node).name as string);
      if (!st.source) for (const s of (st.specifiers as Node[]) ?? []) add((s.local as Node).name as string, ((s.exported as Node).name ?? (s.exported as Node).value) as string);
    } else if (st.type === "ExportDefaultDeclaration") {
      const d = st.declaration as Node;
      if ((d.type === "FunctionDeclaration" && d.id) || d.type === "Identifier") add((d.id as Node | undefined)?.name as string ?? (d.name as string), "default");
    } else if (st.type === "ExpressionStatement" && unwrap(st.expression as Node).type === "AssignmentExpression") {
      commonJsExports(unwrap(st.expression as Node), add);
    }
  }
  return out;
}

function commonJsExports(assign: Node, add: (local: string, exported: string) => void): void {
  const left = assign.left as Node;
  const right = unwrap(assign.right as Node);
  const text = (n: Node): string => (n.type === "MemberExpression" ? `${text(n.object as Node)}.${((n.property as Node).name as string) ?? "?"}` : n.type === "Identifier" ? (n.name as string) : "?");
  const target = text(left);
  if (target === "module.exports" && right.type === "ObjectExpression") {
    for (const p of right.properties as Node[]) {
      const key = (p.key as Node | undefined)?.name as string | undefined;
      const value = p.value as Node | undefined;
      if (key && value?.type === "Identifier") add(value.name as string, key);
    }
  } else if (target === "module.exports" && right.type === "Identifier") add(right.name as string, "default");
  else if ((target.startsWith("module.exports.") || target.startsWith("exports.")) && right.type === "Identifier") add(right.name as string, target.slice(target.lastIndexOf(".") + 1));
}

function exportsOf(facts: ModuleFacts, summaries: Map<Node, HelperSummary>, fixable: Set<number>): ExportedHelper[] {
  const names = exportedNames(facts.program);
  const out: ExportedHelper[] = [];
  for (const h of summaries.values()) {
    for (const exported of names.get(h.name) ?? []) {
      const { fn: _fn, name: local, ...summary } = h; // the AST node cannot cross to the main thread
      out.push({ ...summary, exported, local, fixable: fixable.has(h.start) });
    }
  }
  return out;
}

/** Relative imports and the usual project aliases (`@/lib/x`, `~/lib/x`). */
function isProjectSpecifier(key: string): boolean {
  return key.startsWith("./") || key.startsWith("../") || key.startsWith("@/") || key.startsWith("~/");
}

/** `export { a as b } from "./x.js"` and `export * from "./x.js"` (barrel files). */
function reexportsOf(program: Node): Reexport[] {
  const out: Reexport[] = [];
  for (const st of program.body as Node[]) {
    const source = (st.source as Node | null | undefined)?.value;
    if (typeof source !== "string" || !isProjectSpecifier(source)) continue;
    if (st.type === "ExportAllDeclaration" && !st.exported) out.push({ source, imported: "*", exported: "*" });
    if (st.type === "ExportNamedDeclaration") {
      for (const spec of (st.specifiers as Node[]) ?? []) {
        const name = (n: Node): string => ((n.name ?? n.value) as string);
        out.push({ source, imported: name(spec.local as Node), exported: name(spec.exported as Node) });
      }
    }
  }
  return out;
}

function importCallsOf(facts: ModuleFacts): ImportCall[] {
  const out: ImportCall[] = [];
  for (const c of facts.calls) {
    if (!c.key || !isProjectSpecifier(c.key)) continue;
    const sep = c.key.indexOf(":");
    const source = c.key.slice(0, sep);
    const imported = c.key.slice(sep + 1) || "default";
    if (imported.includes(".")) continue;
    const args = (c.node.arguments as Node[]).map((a) => {
      const parts = pathParts(a, c.scope);
      return { serialized: isSerialized(a, c.scope), stateFile: looksLikeStateFile(parts), name: fileName(parts), key: pathKey(facts, a, c) };
    });
    const { start, end } = span(c.node);
    out.push({ source, imported, start, end, args, setup: setupReason(c, facts, undefined, [], undefined) });
  }
  return out;
}

function readerExportsOf(facts: ModuleFacts, helpers: Map<Node, ReaderHelper>): ExportedReader[] {
  const names = exportedNames(facts.program);
  return [...helpers.values()].flatMap((h) => (names.get(h.name) ?? []).map((exported) => ({ exported, local: h.name, pathParam: h.pathParam, outcome: h.outcome, start: h.start })));
}

function fileFix(facts: ModuleFacts, findings: JsFinding[]): TextEdit[] {
  const fixable = findings.filter((f) => f.fixCall);
  if (fixable.length === 0) return [];
  const names = [...new Set(fixable.map((f) => f.fixImport!))].sort();
  const imp = importEdit(facts, names);
  return [...fixable.flatMap((f) => f.fixCall!), ...(imp ? [imp] : [])];
}

/** Analyses one parsed module: every finding (unsuppressed) plus the facts used for linking. */
export function analyzeModule(program: Node, source: string, options: AnalyzeOptions = {}): ModuleAnalysis {
  const facts = collectFacts(program, source, options.filename ?? "");
  const starts = lineStarts(source);
  const renames = collectRenames(facts);
  const writes = collectWrites(facts, (w) => isTempWrite(w, renames, facts));
  const findings: JsFinding[] = [];
  // Writes inside helpers that have callers here are reported at the callers; their fixes still apply.
  const hiddenFixes: JsFinding[] = [];
  const helperFixable = new Set<number>();
  const summaries = [...writes.summaries.values()];
  // Direct writes first, so that a helper's fixability is known before its callers are reported.
  const ordered = [...writes.sites.filter((x) => x.kind !== "helper"), ...writes.sites.filter((x) => x.kind === "helper")];
  for (const w of ordered) {
    const inHelper = summaries.find((h) => h.start === span(w.site.node).start);
    const f = writeFinding(facts, w, starts);
    if (f && w.helper && helperFixable.has(w.helper.start)) f.fixable = true;
    if (inHelper && (f?.fixCall || f?.fixable)) helperFixable.add(inHelper.start);
    if (inHelper && (writes.callers.get(inHelper.fn) ?? 0) > 0) {
      if (f?.fixCall) hiddenFixes.push(f);
      continue;
    }
    if (f && inHelper) f.helperBody = inHelper.name;
    if (f) findings.push(f);
  }
  for (const r of replaceFindings(facts, renames, writes.base)) {
    const { start, end } = span(r.node);
    findings.push({ rule: r.rule, start, end, message: r.message, suggestion: r.suggestion });
  }
  const resets = resetFindings(facts);
  for (const r of resets) {
    const suggestions = r.edits ? { suggestions: [{ desc: RETHROW_DESC, edits: r.edits }] } : {};
    findings.push({ rule: "silent-state-reset", start: r.start, end: r.end, message: r.message, suggestion: RESET_SUGGESTION, ...suggestions });
  }
  const reads = analyzeReads(facts, new Set(resets.map((r) => r.node)));
  const suppressions = collectSuppressions(options.comments ?? [], starts);
  const visible = findings.filter((f) => !isSuppressed(suppressions, position(starts, f.start).line, f.rule));
  visible.sort((a, b) => a.start - b.start);
  return {
    findings: visible,
    reads: reads.reads,
    readerExports: readerExportsOf(facts, reads.helpers),
    exports: exportsOf(facts, writes.summaries, helperFixable),
    importCalls: importCallsOf(facts),
    reexports: reexportsOf(facts.program),
    suppressions: [...suppressions],
    fileFix: fileFix(facts, [...visible, ...hiddenFixes]),
    fixCount: [...visible, ...hiddenFixes].filter((f) => f.fixCall).length,
  };
}

/**
 * Runs every JS/TS rule on one program. `program` is an ESTree/TS-ESTree Program from oxc-parser
 * (offsets in `start`/`end`) or from @typescript-eslint/parser (offsets in `range`).
 * Handles `// crashsafe-ignore <rule-id>: <reason>` itself when `options.comments` is given.
 */
export function analyzeProgram(program: unknown, sourceText: string, options: AnalyzeOptions = {}): ProgramFinding[] {
  return analyzeModule(program as Node, sourceText, options).findings.map((f) => {
    const out: ProgramFinding = { rule: f.rule, start: f.start, end: f.end, message: f.suggestion ? `${f.message} Fix: ${f.suggestion}.` : f.message };
    if (f.fix) {
      out.fix = f.fix;
      out.suggestions = [{ desc: `Replace with crashsafe's ${f.fixImport}`, edits: f.fix }];
    } else if (f.suggestions) out.suggestions = f.suggestions;
    return out;
  });
}
