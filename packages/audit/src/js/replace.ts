/**
 * Temp-then-rename replaces: `non-durable-replace` when the temp is not fsynced before the rename
 * or lives in another directory (os.tmpdir), `shared-temp-name` when every writer uses the same temp.
 */
import { propertyName, span, unwrap, type Node } from "./ast.js";
import { COPIES, FSYNCS, RENAMES } from "./apis.js";
import { enclosingFunction, textOf, type CallSite, type ModuleFacts } from "./facts.js";
import { isFixedTempName, isInTempDir, pathParts, type Part } from "./values.js";
import type { WriteSite } from "./writes.js";

export interface Rename {
  site: CallSite;
  from: Node;
  fn: Node | undefined;
  /** A copy over the target instead of a rename: never atomic. */
  copy: boolean;
}

export function collectRenames(facts: ModuleFacts): Rename[] {
  const out: Rename[] = [];
  for (const c of facts.calls) {
    const from = (c.node.arguments as Node[])[0];
    const copy = c.key !== undefined && COPIES.has(c.key);
    if (c.key && (RENAMES.has(c.key) || copy) && from) out.push({ site: c, from, fn: enclosingFunction(c), copy });
  }
  return out;
}

/** The rename runs in the write's function or in a callback nested in it (`writeFile(t, d, () => rename(t, p))`). */
function sameOrNested(r: Rename, writeFn: Node | undefined): boolean {
  if (r.fn === writeFn) return true;
  return writeFn === undefined || r.site.ancestors.includes(writeFn);
}

/**
 * The write comes before the rename/copy of its file. In one function body source order is run
 * order: `copyFileSync(db, db + ".old"); writeFileSync(db, …)` backs the target up and then
 * rewrites it in place, so that write is no temp. (A rename in a callback is judged by nesting alone.)
 */
function writtenBefore(w: WriteSite, r: Rename, writeFn: Node | undefined): boolean {
  return r.fn !== writeFn || span(w.pathExpr ?? w.site.node).start < span(r.site.node).start;
}

/** The write targets a temp that the same function renames afterwards. */
export function isTempWrite(w: WriteSite, renames: Rename[], facts: ModuleFacts): boolean {
  if (!w.pathExpr || renames.length === 0) return false;
  const fn = enclosingFunction(w.site);
  const text = textOf(facts, w.pathExpr);
  return renames.some((r) => textOf(facts, r.from) === text && sameOrNested(r, fn) && writtenBefore(w, r, fn));
}

const FSYNC_NAMES = /^(sync|datasync|fsync|fdatasync|fsyncSync|fdatasyncSync)$|fsync|Fsync|FSync/;

function hasFlushOption(w: WriteSite): boolean {
  const opts = w.optionsExpr && unwrap(w.optionsExpr);
  return opts?.type === "ObjectExpression" && (opts.properties as Node[]).some((p) => p.type === "Property" && propertyName(p) === "flush" && unwrap(p.value as Node).value === true);
}

/** An fsync anywhere in the function that writes the temp, callbacks included. */
function hasFsync(facts: ModuleFacts, fn: Node | undefined, temps: WriteSite[]): boolean {
  if (temps.some(hasFlushOption)) return true;
  return facts.calls.some((c) => {
    if (fn !== undefined && c.fn !== fn && !c.ancestors.includes(fn)) return false;
    if (c.key && FSYNCS.has(c.key)) return true;
    const callee = unwrap(c.node.callee as Node);
    const name = callee.type === "Identifier" ? (callee.name as string) : callee.type === "MemberExpression" ? propertyName(callee) : undefined;
    return name !== undefined && FSYNC_NAMES.test(name);
  });
}

const TEMP_MARKERS = [".tmp", ".temp", "~", ".new", ".part", "tmp", "temp"];

function looksLikeTemp(parts: Part[]): boolean {
  return parts.some((p) => p.literal && TEMP_MARKERS.some((m) => p.text.toLowerCase().includes(m)));
}

/** The temp name as written where it is built: `tmp` shows as `${file}.tmp` when tmp is a constant. */
function tempShown(facts: ModuleFacts, r: Rename): string {
  const from = unwrap(r.from);
  const b = from.type === "Identifier" ? r.site.scope.lookup(from.name as string) : undefined;
  const init = b?.kind === "var" && b.init && !b.assigned?.length && !b.path?.length ? b.init : undefined;
  return facts.source.slice(span(init ?? r.from).start, span(init ?? r.from).end);
}

export interface ReplaceFinding {
  rule: "non-durable-replace" | "shared-temp-name";
  node: Node;
  message: string;
  suggestion: string;
}

const USE_CRASHSAFE = 'use writeFileAtomic/writeJson from "crashsafe": unique temp in the same directory, fsync, rename, directory fsync';

export function replaceFindings(facts: ModuleFacts, renames: Rename[], base: WriteSite[]): ReplaceFinding[] {
  const out: ReplaceFinding[] = [];
  for (const r of renames) {
    const fromText = textOf(facts, r.from);
    const temps = base.filter((w) => w.pathExpr && textOf(facts, w.pathExpr) === fromText && sameOrNested(r, enclosingFunction(w.site)) && writtenBefore(w, r, enclosingFunction(w.site)));
    const parts = pathParts(r.from, r.site.scope);
    if (temps.length === 0 && !looksLikeTemp(parts)) continue;
    if (r.copy) {
      out.push({ rule: "non-durable-replace", node: r.site.node, message: "The temp file is copied over the target: a copy truncates the target and rewrites it in place, so a crash mid-copy leaves it torn. Rename the temp instead (same directory, after an fsync).", suggestion: USE_CRASHSAFE });
      continue;
    }
    if (isInTempDir(parts)) {
      out.push({ rule: "non-durable-replace", node: r.site.node, message: "The temp file lives in the system temp directory, not beside the target: the rename crosses directories (often filesystems, EXDEV) and is then a non-atomic copy.", suggestion: USE_CRASHSAFE });
    } else if (temps.length > 0 && !hasFsync(facts, enclosingFunction(temps[0]!.site), temps)) {
      out.push({ rule: "non-durable-replace", node: r.site.node, message: "Temp file renamed over the target without an fsync first: after a power cut the renamed file can be empty or partial.", suggestion: USE_CRASHSAFE });
    }
    if (isFixedTempName(parts)) {
      out.push({ rule: "shared-temp-name", node: r.site.node, message: `Fixed temp name (${tempShown(facts, r)}): two concurrent writers share it and can rename each other's half-written file.`, suggestion: "make the temp name unique per writer (pid + random), or use crashsafe's writeFileAtomic" });
    }
  }
  return out;
}
