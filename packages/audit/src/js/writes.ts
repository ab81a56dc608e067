/**
 * Truncating writes of state: direct calls (fs.writeFileSync, fs-extra writeJson, Bun.write…),
 * writes through a handle opened for writing (createWriteStream, FileHandle, fd), and calls of
 * project helpers whose path parameter flows into one of those.
 */
import { propertyName, span, stringValue, unwrap, type Node } from "./ast.js";
import { OPENERS, WRITE_SINKS, type WriteForm } from "./apis.js";
import { enclosingFunction, type CallSite, type ModuleFacts } from "./facts.js";
import { refKey } from "./resolve.js";
import type { Scope } from "./scope.js";
import { writeFlag } from "./setup.js";
import { isSerialized, looksLikeStateFile, paramSource, pathParts } from "./values.js";

/** A project function that writes to a path it takes as a parameter. */
export interface HelperSummary {
  fn: Node;
  name: string;
  pathParam: number;
  /** The data parameter, when the helper writes its argument as given. */
  dataParam?: number;
  /** The helper serializes the data itself (or writes through a serializing call). */
  serializes: boolean;
  /** The write inside the helper targets a state-file extension. */
  stateFile: boolean;
  sinkName: string;
  /** Offset of the write inside the helper. */
  start: number;
}

export interface WriteSite {
  site: CallSite;
  kind: "direct" | "handle" | "helper";
  sinkName: string;
  form: WriteForm;
  serializes: boolean;
  pathExpr: Node | undefined;
  dataExpr: Node | undefined;
  optionsExpr: Node | undefined;
  /** What the finding points at (the call, or the opener of a stream). */
  report: Node;
  helper?: HelperSummary;
}

function args(call: Node): Node[] {
  return call.arguments as Node[];
}

const STD_STREAMS = new Set(["global:process.stdout.fd", "global:process.stderr.fd", "process:stdout.fd", "process:stderr.fd"]);

/** `writeFileSync(1, …)`, `writeFileSync(process.stdout.fd, …)`, `"/dev/stdout"`: output, not a file. */
function isStandardStream(expr: Node | undefined, scope: Scope): boolean {
  if (!expr) return false;
  const n = unwrap(expr);
  if (n.type === "ConditionalExpression") return isStandardStream(n.consequent as Node, scope) && isStandardStream(n.alternate as Node, scope);
  if (n.type === "Literal" && (n.value === 1 || n.value === 2)) return true;
  const s = stringValue(n);
  if (s === "/dev/stdout" || s === "/dev/stderr") return true;
  return n.type === "MemberExpression" && STD_STREAMS.has(refKey(n, scope) ?? "");
}

function hasAtomicOption(options: Node | undefined): boolean {
  const n = options && unwrap(options);
  return n?.type === "ObjectExpression" && (n.properties as Node[]).some((p) => p.type === "Property" && propertyName(p) === "atomic" && unwrap(p.value as Node).value === true);
}

function directSite(site: CallSite): WriteSite | undefined {
  const sink = site.key === undefined ? undefined : WRITE_SINKS.get(site.key);
  if (!sink) return undefined;
  const a = args(site.node);
  if (isStandardStream(a[sink.pathArg], site.scope) || (sink.atomicOption && hasAtomicOption(a[2]))) return undefined;
  // writeFileSync(fd, …) on a descriptor from openSync(tmp, "w"): a write through that handle (handleSite).
  if (openerOf(a[sink.pathArg], site.scope)) return undefined;
  return { site, kind: "direct", sinkName: sink.name, form: sink.form, serializes: sink.serializes, pathExpr: a[sink.pathArg], dataExpr: a[sink.dataArg], optionsExpr: a[2], report: site.node };
}

/** `const ws = fs.createWriteStream(p)` → the opener call and how it opened. */
function openerOf(expr: Node | undefined, scope: Scope): { call: Node; flags: string | undefined; handle: string } | undefined {
  if (!expr) return undefined;
  const id = unwrap(expr);
  if (id.type !== "Identifier") return undefined;
  const b = scope.lookup(id.name as string);
  if (!b || b.kind !== "var" || (b.path && b.path.length)) return undefined;
  // `h = h || await open(p, "w")`: the opener may come with the declaration or a later assignment.
  const values = [b.init, ...(b.assigned ?? [])].filter((v): v is Node => v !== undefined).map(unwrap).map((v) => (v.type === "LogicalExpression" ? unwrap(v.right as Node) : v));
  const call = values.find((v) => v.type === "CallExpression" && OPENERS.has(refKey(v.callee as Node, scope) ?? ""));
  if (!call) return undefined;
  const info = OPENERS.get(refKey(call.callee as Node, scope) ?? "");
  if (!info) return undefined;
  const flagArg = args(call)[info.flagsArg];
  let flags = stringValue(flagArg);
  if (flagArg && unwrap(flagArg).type === "ObjectExpression") {
    const prop = (unwrap(flagArg).properties as Node[]).find((p) => p.type === "Property" && propertyName(p) === "flags");
    flags = prop ? stringValue(prop.value as Node) : undefined;
  }
  if (info.handle === "stream") flags ??= "w";
  return { call, flags, handle: info.handle };
}

const HANDLE_METHODS = new Set(["write", "end", "writeFile"]);
/** fs calls that take a descriptor as their first argument. */
const FD_WRITES = new Set(["fs:writeSync", "fs-extra:writeSync", "fs:write", "fs-extra:write", "fs:writeFileSync", "fs-extra:writeFileSync", "fs:writeFile", "fs-extra:writeFile"]);

function handleSite(site: CallSite): WriteSite | undefined {
  const callee = unwrap(site.node.callee as Node);
  let handleExpr: Node | undefined;
  let dataExpr: Node | undefined;
  if (site.key !== undefined && FD_WRITES.has(site.key)) {
    handleExpr = args(site.node)[0];
    dataExpr = args(site.node)[1];
  } else if (callee.type === "MemberExpression" && HANDLE_METHODS.has(propertyName(callee) ?? "")) {
    handleExpr = callee.object as Node;
    dataExpr = args(site.node)[0];
  }
  const opener = openerOf(handleExpr, site.scope);
  if (!opener || !opener.flags || !opener.flags.includes("w")) return undefined;
  if (opener.handle === "stream" && isLogLike(site, handleExpr!, args(opener.call)[0])) return undefined;
  const options: Node = { type: "ObjectExpression", properties: [{ type: "Property", key: { type: "Identifier", name: "flag" }, computed: false, value: { type: "Literal", value: opener.flags } }] };
  const name = opener.handle === "stream" ? "fs.createWriteStream + write" : opener.handle === "fd" ? "fs.openSync(…, \"w\") + write" : "FileHandle.writeFile";
  return { site, kind: "handle", sinkName: name, form: "other", serializes: false, pathExpr: args(opener.call)[0], dataExpr, optionsExpr: options, report: opener.handle === "stream" ? opener.call : site.node };
}

const LOOPS = new Set(["ForStatement", "ForInStatement", "ForOfStatement", "WhileStatement", "DoWhileStatement"]);
const LOG_EXTENSIONS = [".log", ".jsonl", ".ndjson", ".csv", ".txt"];

/**
 * A stream written record by record — in a loop, from a callback (an event handler), or to a
 * .log/.jsonl file — is a log, not a state file rewritten in one go.
 */
function isLogLike(site: CallSite, handle: Node, pathExpr: Node | undefined): boolean {
  const last = pathParts(pathExpr, site.scope).at(-1);
  if (last?.literal && LOG_EXTENSIONS.some((e) => last.text.toLowerCase().endsWith(e))) return true;
  const name = unwrap(handle).name as string;
  let declaredIn: Scope | undefined = site.scope;
  while (declaredIn && !declaredIn.vars.has(name)) declaredIn = declaredIn.parent;
  if (declaredIn?.fn !== site.fn) return true;
  for (let i = site.ancestors.length - 1; i >= 0 && site.ancestors[i] !== site.fn; i--) if (LOOPS.has(site.ancestors[i]!.type)) return true;
  return false;
}

/** The local function a call's callee names, if any. */
export function calledFunction(site: CallSite): Node | undefined {
  const callee = unwrap(site.node.callee as Node);
  if (callee.type !== "Identifier") return undefined;
  const b = site.scope.lookup(callee.name as string);
  if (b?.kind === "function") return b.fn;
  if (b?.kind === "var" && b.init && !(b.path && b.path.length)) {
    const init = unwrap(b.init);
    if (init.type === "ArrowFunctionExpression" || init.type === "FunctionExpression") return init;
  }
  return undefined;
}

function summarize(w: WriteSite, fnNames: Map<Node, string>): HelperSummary | undefined {
  const fn = enclosingFunction(w.site);
  const name = fn && fnNames.get(fn);
  if (!fn || !name) return undefined;
  const pathParam = paramSource(w.pathExpr, w.site.scope, fn);
  if (pathParam === undefined) return undefined;
  // `writeFileSync(p, d, { flag: "wx" })` (exclusive create) or "a" (append) never truncates: nor do its callers.
  const flag = writeFlag(w.optionsExpr);
  if (flag?.includes("x") || flag?.includes("a")) return undefined;
  const serializes = w.serializes || isSerialized(w.dataExpr, w.site.scope);
  const dataParam = serializes ? undefined : paramSource(w.dataExpr, w.site.scope, fn);
  const stateFile = looksLikeStateFile(pathParts(w.pathExpr, w.site.scope));
  if (!serializes && dataParam === undefined && !stateFile) return undefined;
  return { fn, name, pathParam, dataParam, serializes, stateFile, sinkName: w.sinkName, start: span(w.site.node).start };
}

function helperSite(site: CallSite, h: HelperSummary): WriteSite {
  const a = args(site.node);
  return { site, kind: "helper", sinkName: h.sinkName, form: "other", serializes: h.serializes, pathExpr: a[h.pathParam], dataExpr: h.dataParam === undefined ? undefined : a[h.dataParam], optionsExpr: undefined, report: site.node, helper: h };
}

export interface WriteAnalysis {
  /** Direct and handle writes, temp writes included. */
  base: WriteSite[];
  /** Writes of state candidates: base writes that are not temps, plus helper calls. */
  sites: WriteSite[];
  summaries: Map<Node, HelperSummary>;
  /** Calls of each helper inside this module. */
  callers: Map<Node, number>;
}

/** Finds every write site, following local helpers up to three levels deep. */
export function collectWrites(facts: ModuleFacts, isTemp: (w: WriteSite) => boolean): WriteAnalysis {
  const base: WriteSite[] = [];
  const seenOpeners = new Set<Node>();
  for (const c of facts.calls) {
    const w = directSite(c) ?? handleSite(c);
    const opener = w?.kind === "handle" ? w.pathExpr : undefined;
    if (!w || (opener && seenOpeners.has(opener))) continue;
    if (opener) seenOpeners.add(opener);
    base.push(w);
  }
  const fnNames = facts.functionNames;
  const summaries = new Map<Node, HelperSummary>();
  let sites = base.filter((w) => !isTemp(w));
  for (let round = 0; round < 3; round++) {
    let added = false;
    for (const w of sites) {
      const s = summarize(w, fnNames);
      if (s && !summaries.has(s.fn)) {
        summaries.set(s.fn, s);
        added = true;
      }
    }
    const helpers: WriteSite[] = [];
    for (const c of facts.calls) {
      const fn = calledFunction(c);
      const h = fn && summaries.get(fn);
      if (h) helpers.push(helperSite(c, h));
    }
    sites = [...base.filter((w) => !isTemp(w)), ...helpers];
    if (!added) break;
  }
  const callers = new Map<Node, number>();
  for (const w of sites) if (w.helper) callers.set(w.helper.fn, (callers.get(w.helper.fn) ?? 0) + 1);
  return { base, sites, summaries, callers };
}
