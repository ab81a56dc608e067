/**
 * Cross-file linking of the per-file JS/TS results: calls of exported project helpers become
 * findings at the call sites, writers get the readers of the same file name, and every write
 * answers the background's drill: what happens on the next start if this file is corrupt.
 */
import { dirname, join, relative, sep } from "node:path";
import { RULES, type Finding, type RuleId } from "../types.js";
import type { JsFileResult, Located } from "./file.js";
import type { JsFinding } from "./analyze.js";
import { isSuppressed } from "./suppress.js";
import { displayKey } from "./reads.js";

type LocatedFinding = JsFinding & Located & { viaLine?: number };

const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

/**
 * Resolves a project import to one of the analysed files (TS-style `./x.js` → `./x.ts` included);
 * `@/x` and `~/x` are tried under the project root and its `src/`.
 */
export function resolveImport(from: string, specifier: string, known: Set<string>, root?: string): string | undefined {
  if (specifier.startsWith("@/") || specifier.startsWith("~/")) {
    if (!root) return undefined;
    return resolveImport(join(root, "x"), `./${specifier.slice(2)}`, known) ?? resolveImport(join(root, "src", "x"), `./${specifier.slice(2)}`, known);
  }
  const base = join(dirname(from), specifier);
  const stem = base.replace(/\.(m|c)?[jt]sx?$/, "");
  const candidates = [base, ...EXTENSIONS.map((e) => stem + e), ...EXTENSIONS.map((e) => join(base, "index" + e))];
  return candidates.find((c) => known.has(c));
}

export function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}

interface Reader {
  where: string;
  /** The reading module: a key that is an expression's text only links within it. */
  file: string;
  outcome: "throws" | "reset" | "handled";
}

const RESET_CONSEQUENCE =
  "On the next start after a crash mid-write, this reader gets a torn or empty file, swallows the parse error and starts from empty state: the history is gone with no error (alerts re-fire, processed work re-runs).";

function consequence(name: string | undefined, readers: Reader[]): string {
  const file = name ? displayKey(name) : "this file";
  const reset = readers.find((r) => r.outcome === "reset");
  if (reset) return `On the next start ${reset.where} fails to parse a torn ${file} and silently carries on with empty state: its history is lost (alerts re-fire, finished work re-runs).`;
  const throws = readers.find((r) => r.outcome === "throws");
  if (throws) return `On the next start ${throws.where} throws a parse error on a torn ${file}: the program does not start until someone repairs or deletes the file by hand.`;
  if (readers.length) return `On the next start ${readers[0]!.where} detects the torn ${file}; its last good content is gone all the same.`;
  return `Whatever reads ${file} next gets an empty or truncated file: a parse error, or state that silently lost its history.`;
}

/** Readers of a write's key: by file name project-wide, by expression text only in the same module. */
function readersOf(readers: Map<string, Reader[]>, key: string | undefined, rel: string): Reader[] {
  const all = key ? (readers.get(key) ?? []) : [];
  const mine = key?.startsWith("`") ? all.filter((r) => r.file === rel) : all;
  return mine.filter((r, i) => mine.findIndex((x) => x.where === r.where) === i);
}

function toFinding(f: LocatedFinding, rel: string, readers: Map<string, Reader[]>): Finding {
  const out: Finding = {
    rule: f.rule,
    severity: RULES[f.rule].severity,
    file: rel,
    line: f.line,
    column: f.column,
    endLine: f.endLine,
    endColumn: f.endColumn,
    message: f.message,
    fixable: f.fixable === true,
  };
  if (f.suggestion) out.suggestion = f.suggestion;
  if (f.via) out.via = f.viaLine !== undefined && !f.via.includes(":") ? `${f.via.replace(/ \(line \d+\)$/, "")} (${rel}:${f.viaLine})` : f.via;
  if (f.rule === "direct-state-write" || f.rule === "non-durable-replace" || f.rule === "setup-write") {
    const r = readersOf(readers, f.stateFile, rel);
    if (r.length) out.readers = r.map((x) => x.where);
    if (f.rule === "direct-state-write") out.consequence = consequence(f.stateFile, r);
  }
  if (f.rule === "silent-state-reset") out.consequence = RESET_CONSEQUENCE;
  return out;
}

/** Follows re-exports (barrel files) to the module that defines `name`, at most 5 hops. */
function definingModule<T extends { exported: string }>(
  file: string, name: string, pick: (r: JsFileResult) => T[], byFile: Map<string, JsFileResult>, known: Set<string>, root: string | undefined, depth = 0,
): { file: string; item: T } | undefined {
  const r = byFile.get(file);
  if (!r || depth > 5) return undefined;
  const item = pick(r).find((e) => e.exported === name);
  if (item) return { file, item };
  for (const re of r.reexports) {
    if (re.exported !== name && re.exported !== "*") continue;
    const next = resolveImport(file, re.source, known, root);
    const found = next && definingModule(next, re.exported === "*" ? name : re.imported, pick, byFile, known, root, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Turns per-file results into report findings (without parse errors), relative to `cwd`. */
export function linkJsResults(results: JsFileResult[], cwd: string, root?: string): Finding[] {
  const rel = (file: string): string => toPosix(relative(cwd, file));
  const known = new Set(results.map((r) => r.file));
  const byFile = new Map(results.map((r) => [r.file, r]));
  const readers = new Map<string, Reader[]>();
  const addReader = (key: string, reader: Reader): void => void readers.set(key, [...(readers.get(key) ?? []), reader]);
  for (const r of results) for (const read of r.reads) addReader(read.key, { where: `${rel(r.file)}:${read.line}`, file: rel(r.file), outcome: read.outcome });
  for (const r of results) {
    for (const call of r.importCalls) {
      const imported = resolveImport(r.file, call.source, known, root);
      const found = imported ? definingModule(imported, call.imported, (x) => x.readerExports, byFile, known, root) : undefined;
      const key = found && call.args[found.item.pathParam]?.key;
      if (found && key) addReader(key, { where: `${rel(found.file)}:${found.item.line}`, file: rel(r.file), outcome: found.item.outcome });
    }
  }
  const findings: Finding[] = [];
  const helpersCalledElsewhere = new Set<string>();
  for (const r of results) {
    for (const call of r.importCalls) {
      const imported = resolveImport(r.file, call.source, known, root);
      const found = imported ? definingModule(imported, call.imported, (x) => x.exports, byFile, known, root) : undefined;
      if (!found) continue;
      const { file: target, item: helper } = found;
      helpersCalledElsewhere.add(`${target}\0${helper.local}`);
      const pathArg = call.args[helper.pathParam];
      const dataArg = helper.dataParam === undefined ? undefined : call.args[helper.dataParam];
      if (!(helper.serializes || helper.stateFile || pathArg?.stateFile || dataArg?.serialized)) continue;
      const rule: RuleId = call.setup ? "setup-write" : "direct-state-write";
      if (isSuppressed(r.suppressions, call.line, rule)) continue;
      const name = pathArg?.name;
      const target_ = name ? `"${name}"` : pathArg?.key && pathArg.key.length <= 50 ? displayKey(pathArg.key) : "the state file";
      const f: LocatedFinding = {
        ...call,
        rule,
        message: call.setup ? `One-time write of ${target_} through ${helper.local}() (${call.setup}): allowed, listed.` : `${helper.local}() writes ${target_} with ${helper.sinkName}, which truncates it and rewrites it in place: a crash mid-write leaves it empty or torn.`,
        suggestion: `make ${helper.local}() use writeFileAtomic/writeJson from "crashsafe"`,
        stateFile: pathArg?.key,
        via: `${helper.local} (${rel(target)}:${helper.line})`,
        fixable: helper.fixable,
      };
      findings.push(toFinding(f, rel(r.file), readers));
    }
  }
  for (const r of results) {
    for (const f of r.findings) {
      if (f.helperBody && helpersCalledElsewhere.has(`${r.file}\0${f.helperBody}`)) continue;
      findings.push(toFinding(f, rel(r.file), readers));
    }
  }
  return findings;
}
