/**
 * `silent-state-reset`: a reader that parses a file's content and, when that fails, carries on
 * with empty or default state (`catch { return {} }`, `state = {}`, an empty catch, `.catch(() => ({}))`).
 * Fine: the catch re-throws, exits, propagates the error, recovers from a backup, or only
 * defaults when the error is ENOENT.
 */
import { isFunction, propertyName, span, stringValue, unwrap, walk, walkOwn, type Node } from "./ast.js";
import { COPIES, EXITS, PARSERS, READERS, RENAMES, SETUP_FILE_NAMES, WRITE_SINKS } from "./apis.js";
import type { CallSite, ModuleFacts, Site } from "./facts.js";
import { refKey } from "./resolve.js";
import type { Scope } from "./scope.js";
import { calleeName, fileName, paramSource, pathParts } from "./values.js";
import { calledFunction } from "./writes.js";
import { catchClauseRethrow, promiseHandlerRethrow } from "../fix/rethrow.js";
import type { TextEdit } from "../fix/plan.js";

const MAX_DEPTH = 4;

/**
 * Functions passed as callbacks to a read (`fs.readFile(p, (err, data) => …)`): their parameters
 * hold file content. Filled per module by {@link resetFindings} before the rules run.
 */
let readerCallbacks = new WeakSet<Node>();

function collectReaderCallbacks(facts: ModuleFacts): void {
  readerCallbacks = new WeakSet();
  for (const c of facts.calls) {
    if (!c.key || !READERS.has(c.key)) continue;
    for (const a of c.node.arguments as Node[]) if (isFunction(a)) readerCallbacks.add(a);
  }
}

/** File names this module writes with a truncating write: a `require()`d JSON file among them is state. */
let writtenNames = new Set<string>();

function collectWrittenNames(facts: ModuleFacts): void {
  writtenNames = new Set();
  for (const c of facts.calls) {
    const sink = c.key ? WRITE_SINKS.get(c.key) : undefined;
    const name = sink && fileName(pathParts((c.node.arguments as Node[])[sink.pathArg], c.scope));
    if (name) writtenNames.add(name);
  }
}

/**
 * `require("./state.json")`: a read and a parse in one — of state only when the module also writes
 * that file; otherwise it is bundled data (`require("../src/node-types.json")`).
 */
function isJsonRequire(n: Node, scope: Scope): boolean {
  if (n.type !== "CallExpression" || refKey(n.callee as Node, scope) !== "global:require") return false;
  const name = fileName(pathParts((n.arguments as Node[])[0], scope));
  return name !== undefined && name.toLowerCase().endsWith(".json") && writtenNames.has(name);
}

/** `expr` contains a file read, directly or through a local constant or a read callback's parameter. */
function containsRead(expr: Node | undefined, scope: Scope, depth = 0): boolean {
  if (!expr || depth > MAX_DEPTH) return false;
  let found = false;
  walk(expr, (n) => {
    if (found) return false;
    if (n.type === "CallExpression" && READERS.has(refKey(n.callee as Node, scope) ?? "")) found = true;
    else if (n.type === "Identifier") {
      const b = scope.lookup(n.name as string);
      if (b?.kind === "var" && b.init && b.init !== expr && containsRead(b.init, scope, depth + 1)) found = true;
      if (b?.kind === "param" && b.fn && readerCallbacks.has(b.fn) && b.index !== 0) found = true;
    }
    return !found;
  });
  return found;
}

/** Project parsers by name, counted only when applied to what was read from a file. */
const PARSER_NAME = /^_?(parse|parseJson|parseJSON|deserialize|deserialise|decode|load|safeLoad|fromJSON)$/;

/** Functions of this module by name (methods included), for `this.read()` calls. Filled by {@link resetFindings}. */
let functionsByName = new Map<string, Node[]>();

function collectFunctionsByName(facts: ModuleFacts): void {
  functionsByName = new Map();
  for (const [fn, name] of facts.functionNames) functionsByName.set(name, [...(functionsByName.get(name) ?? []), fn]);
}

/**
 * A local function (`function readJSON(f) { return JSON.parse(readFileSync(f)) }`) called by
 * `callee`, or the one method of that name that `this.read()` calls.
 */
function localFunction(callee: Node, scope: Scope): Node | undefined {
  const c = unwrap(callee);
  if (c.type === "MemberExpression" && unwrap(c.object as Node).type === "ThisExpression") {
    const fns = functionsByName.get(propertyName(c) ?? "");
    return fns?.length === 1 ? fns[0] : undefined;
  }
  const b = c.type === "Identifier" ? scope.lookup(c.name as string) : undefined;
  if (b?.kind === "function") return b.fn;
  const init = b?.kind === "var" && b.init && !b.assigned?.length && !b.path?.length ? unwrap(b.init) : undefined;
  return init && isFunction(init) ? init : undefined;
}

/**
 * The local function reads and parses a file and lets a parse error escape to its caller (no
 * try of its own): a call of it inside a try parses file content as much as an inline JSON.parse.
 * Resolved with the caller's scope: the helper's reads go through module-level imports.
 */
function readsAndParses(fn: Node, scope: Scope, depth: number): boolean {
  const body = fn.body as Node;
  let catches = false;
  walkOwn(body, (n) => {
    if (n.type === "TryStatement" && n.handler) catches = true;
  });
  return !catches && parsesFile(body, scope, depth + 1);
}

/** The code parses file content: a parser applied to a read, or a reader that parses (readJson). */
export function parsesFile(body: Node, scope: Scope, depth = 0): boolean {
  let found = false;
  walkOwn(body, (n) => {
    if (found || (n.type !== "CallExpression" && n.type !== "NewExpression")) return;
    const key = refKey(n.callee as Node, scope) ?? "";
    const local = depth < 2 && n.type === "CallExpression" ? localFunction(n.callee as Node, scope) : undefined;
    if (READERS.get(key)?.parses || isJsonRequire(n, scope)) found = true;
    else if (local && readsAndParses(local, scope, depth)) found = true;
    else if (PARSERS.has(key)) found = containsRead(n, scope) || containsRead(body, scope);
    else if (PARSER_NAME.test(calleeName(n.callee as Node) ?? "")) found = (n.arguments as Node[]).some((a) => containsRead(a, scope));
    else if (propertyName(unwrap(n.callee as Node)) === "json" && containsRead(n.callee as Node, scope)) found = true;
  });
  return found;
}

const PROPAGATE_CALLS = /^(cb|callback|done|next|reject|fail|onError|handleError)$/;
const RECOVERY = /backup|\.bak|restore|recover|fallback[A-Z_]?[Ff]ile|quarantine/i;

function mentions(node: Node, name: string | undefined): boolean {
  if (!name) return false;
  let hit = false;
  walk(node, (n) => {
    if (n.type === "Identifier" && n.name === name) hit = true;
    return !hit;
  });
  return hit;
}


/** The handler stops or hands the error on instead of carrying on with a default. */
function handlerIsFine(body: Node, errorName: string | undefined, scope: Scope): boolean {
  let fine = false;
  walkOwn(body, (n) => {
    if (fine) return;
    if (n.type === "ThrowStatement") fine = true;
    else if (n.type === "CallExpression") {
      const key = refKey(n.callee as Node, scope) ?? "";
      const name = calleeName(n.callee as Node) ?? "";
      if (EXITS.has(key) || key === "global:Promise.reject") fine = true;
      else if (PROPAGATE_CALLS.test(name) && (n.arguments as Node[]).some((a) => mentions(a, errorName))) fine = true;
      else if (RECOVERY.test(name)) fine = true;
    } else if (n.type === "ReturnStatement" && n.argument && mentions(n.argument as Node, errorName)) fine = true;
    else if (n.type === "AssignmentExpression" && mentions(n.right as Node, errorName)) fine = true;
    else if (n.type === "Identifier" && RECOVERY.test(n.name as string)) fine = true;
    else if (RECOVERY.test(stringValue(n) ?? "")) fine = true;
    else if (n.type === "TemplateElement" && RECOVERY.test((n.value as { raw: string }).raw)) fine = true;
  });
  return (fine && !defaultsOnParseError(body, errorName)) || onlyDefaultsOnMissingFile(body) || movesAside(body, scope);
}

/** `renameSync(file, file + ".corrupt")` in the handler: the unreadable file is kept aside, not lost, before starting over. */
function movesAside(body: Node, scope: Scope): boolean {
  let moved = false;
  walkOwn(body, (n) => {
    if (n.type === "CallExpression" && (RENAMES.has(refKey(n.callee as Node, scope) ?? "") || COPIES.has(refKey(n.callee as Node, scope) ?? ""))) moved = true;
  });
  return moved;
}

/**
 * `if (e instanceof SyntaxError) return {}` or `if (!(e instanceof SyntaxError)) throw e; return {}`:
 * the handler re-throws everything except the parse error, which it turns into default state.
 */
function defaultsOnParseError(body: Node, errorName: string | undefined): boolean {
  let namesParseError = false;
  let defaults = false;
  walkOwn(body, (n) => {
    if ((n.type === "Identifier" && n.name === "SyntaxError") || stringValue(n) === "SyntaxError") namesParseError = true;
    if (n.type === "ReturnStatement" && !(n.argument && mentions(n.argument as Node, errorName))) defaults = true;
    if (n.type === "AssignmentExpression" && !mentions(n.right as Node, errorName)) defaults = true;
  });
  return namesParseError && defaults;
}

/**
 * A handler that already singles out the parse error (`if (e instanceof SyntaxError) return {}`)
 * needs that branch removed, a judgment call: no suggested rewrite.
 */
function rethrowFits(body: Node, errorName: string | undefined): boolean {
  return !defaultsOnParseError(body, errorName);
}

function testsMissingFile(test: Node): boolean {
  let hit = false;
  walk(test, (n) => {
    const s = stringValue(n);
    if (s === "ENOENT" || s === "ENOTDIR") hit = true;
    return !hit;
  });
  return hit && !(unwrap(test).type === "BinaryExpression" && ["!==", "!="].includes(unwrap(test).operator as string));
}

/** `catch (e) { if (e.code === "ENOENT") return {}; … }` with nothing else carrying on. */
function onlyDefaultsOnMissingFile(body: Node): boolean {
  const statements = body.type === "BlockStatement" ? (body.body as Node[]) : [body];
  const guarded = statements.filter((st) => st.type === "IfStatement" && testsMissingFile(st.test as Node));
  if (guarded.length === 0) return false;
  const rest = statements.filter((st) => !guarded.includes(st));
  return rest.every((st) => st.type === "ExpressionStatement" && unwrap(st.expression as Node).type === "CallExpression" && !isAssignmentLike(st));
}

function isAssignmentLike(st: Node): boolean {
  return unwrap(st.expression as Node).type === "AssignmentExpression";
}

/** `catch { return false }`: a validity check answering a question, not a reader carrying on. */
function answersYesNo(body: Node): boolean {
  const returns: Node[] = [];
  walkOwn(body, (n) => {
    if (n.type === "ReturnStatement") returns.push(n);
  });
  return returns.length > 0 && returns.every((r) => r.argument && typeof unwrap(r.argument as Node).value === "boolean");
}

export interface ResetFinding {
  node: Node;
  start: number;
  end: number;
  message: string;
  /** The rethrow-all-but-ENOENT rewrite, where the pattern has one. */
  edits?: TextEdit[];
}

const MESSAGE = "A parse failure of this state file is swallowed and the code carries on with empty/default state: a corrupt file silently erases its history (every alert re-fires, processed items re-run).";

/** Every file the code reads is a hand-edited config or manifest (package.json, .babelrc…), not state. */
function readsOnlyConfig(body: Node, scope: Scope): boolean {
  const names: Array<string | undefined> = [];
  walkOwn(body, (n) => {
    if (n.type === "CallExpression" && (READERS.has(refKey(n.callee as Node, scope) ?? "") || isJsonRequire(n, scope))) names.push(fileName(pathParts((n.arguments as Node[])[0], scope)));
  });
  return names.length > 0 && names.every((n) => n !== undefined && (SETUP_FILE_NAMES.has(n) || /^\.[a-z]+rc(\.json)?$/.test(n)));
}

/** The function's own variable (declared in its body, not in an outer scope or module). */
function isOwnVariable(name: string, scope: Scope, fn: Node): boolean {
  let s: Scope | undefined = scope;
  while (s && !s.vars.has(name)) s = s.parent;
  return s?.fn === fn && s.vars.get(name)?.kind === "var";
}

/**
 * `let d; try { d = JSON.parse(read(f)) } catch { return; } use(d)`: the function gives up its own
 * work (skips a half-written entry) and leaves no default behind — the try only sets the
 * function's own variables. A module or `this.` field set there would keep its default: a reset.
 */
function abandonsOwnWork(t: Site, handler: Node): boolean {
  const body = handler.body as Node;
  const statements = body.body as Node[];
  if (!t.fn || statements.length === 0 || !statements.every((st) => st.type === "ReturnStatement" && !st.argument)) return false;
  // Only declarations and assignments of its own variables: a call there (`Object.assign(state, …)`) could fill shared state.
  return ((t.node.block as Node).body as Node[]).every((st) => {
    if (st.type === "VariableDeclaration") return true;
    const e = st.type === "ExpressionStatement" ? unwrap(st.expression as Node) : undefined;
    const left = e?.type === "AssignmentExpression" ? unwrap(e.left as Node) : undefined;
    return left?.type === "Identifier" && isOwnVariable(left.name as string, t.scope, t.fn!);
  });
}

function catchClauseFinding(t: Site, source: string): ResetFinding | undefined {
  const handler = t.node.handler as Node | null;
  if (!handler) return undefined;
  if (!parsesFile(t.node.block as Node, t.scope) || readsOnlyConfig(t.node.block as Node, t.scope) || abandonsOwnWork(t, handler)) return undefined;
  const param = handler.param as Node | null;
  const errorName = param?.type === "Identifier" ? (param.name as string) : undefined;
  if (handlerIsFine(handler.body as Node, errorName, t.scope) || answersYesNo(handler.body as Node)) return undefined;
  const { start } = span(handler);
  const edits = rethrowFits(handler.body as Node, errorName) ? catchClauseRethrow(source, handler, t.scope) : undefined;
  return { node: handler, start, end: span(handler.body as Node).start, message: MESSAGE, ...(edits ? { edits } : {}) };
}

/** A function that parses its parameter and returns a default when that fails: `safeParse(text, {})`. */
interface ParseHelper {
  fn: Node;
  name: string;
  param: number;
  start: number;
}

/** The try parses (JSON.parse…) a parameter of its function rather than a read. */
function parsedParam(t: Site, names: Map<Node, string>): ParseHelper | undefined {
  const name = t.fn && names.get(t.fn);
  if (!name) return undefined;
  let param: number | undefined;
  walkOwn(t.node.block as Node, (n) => {
    if (param !== undefined || n.type !== "CallExpression" || !PARSERS.has(refKey(n.callee as Node, t.scope) ?? "")) return;
    param = paramSource((n.arguments as Node[])[0], t.scope, t.fn);
  });
  return param === undefined ? undefined : { fn: t.fn!, name, param, start: span(t.node).start };
}

function parseHelperOf(t: Site, names: Map<Node, string>): ParseHelper | undefined {
  const handler = t.node.handler as Node | null;
  if (!handler) return undefined;
  const helper = parsedParam(t, names);
  if (!helper) return undefined;
  const param = handler.param as Node | null;
  const errorName = param?.type === "Identifier" ? (param.name as string) : undefined;
  return handlerIsFine(handler.body as Node, errorName, t.scope) || answersYesNo(handler.body as Node) ? undefined : helper;
}

/** Calls of a parse helper with file content: `safeParse(fs.readFileSync(p, "utf8"), {})`. */
function parseHelperCallFindings(facts: ModuleFacts, helpers: Map<Node, ParseHelper>): ResetFinding[] {
  const out: ResetFinding[] = [];
  if (helpers.size === 0) return out;
  for (const c of facts.calls) {
    const fn = calledFunction(c);
    const h = fn && helpers.get(fn);
    if (!h || !containsRead((c.node.arguments as Node[])[h.param], c.scope)) continue;
    out.push({ node: c.node, ...span(c.node), message: `${h.name}() swallows the parse error of this state file and returns a default: a corrupt file silently erases its history (every alert re-fires, processed items re-run).` });
  }
  return out;
}

/** `readFile(p).then(JSON.parse).catch(() => ({}))` */
function promiseCatchFinding(c: CallSite, source: string): ResetFinding | undefined {
  const callee = unwrap(c.node.callee as Node);
  if (callee.type !== "MemberExpression" || propertyName(callee) !== "catch") return undefined;
  const handler = (c.node.arguments as Node[])[0];
  if (!handler || !isFunction(handler)) return undefined;
  const chain = callee.object as Node;
  if (!parsesChain(chain, c.scope)) return undefined;
  const param = (handler.params as Node[])[0];
  const errorName = param?.type === "Identifier" ? (param.name as string) : undefined;
  const body = handler.body as Node;
  if (body.type !== "BlockStatement" ? mentions(body, errorName) || isRejection(body, c.scope) : handlerIsFine(body, errorName, c.scope)) return undefined;
  const prop = callee.property as Node;
  const edits = rethrowFits(body, errorName) ? promiseHandlerRethrow(source, handler, c.scope) : undefined;
  return { node: c.node, start: span(prop).start, end: span(c.node).end, message: MESSAGE, ...(edits ? { edits } : {}) };
}

function isRejection(expr: Node, scope: Scope): boolean {
  const n = unwrap(expr);
  return n.type === "CallExpression" && refKey(n.callee as Node, scope) === "global:Promise.reject";
}

/** A promise chain that reads and parses: `readFile(p, "utf8").then(JSON.parse)`, `readJson(p)`. */
function parsesChain(chain: Node, scope: Scope): boolean {
  let reads = false;
  let parses = false;
  walk(chain, (n) => {
    if (n.type === "CallExpression") {
      const key = refKey(n.callee as Node, scope) ?? "";
      if (READERS.has(key)) {
        reads = true;
        if (READERS.get(key)!.parses) parses = true;
      }
      if (PARSERS.has(key)) parses = true;
    } else if ((n.type === "MemberExpression" || n.type === "Identifier") && PARSERS.has(refKey(n, scope) ?? "")) parses = true;
    return true;
  });
  return reads && parses;
}

const NO_THROW_READERS = new Set(["fs-extra:readJsonSync", "fs-extra:readJSONSync", "fs-extra:readJson", "fs-extra:readJSON", "jsonfile:readFileSync", "jsonfile:readFile"]);

/** fs-extra/jsonfile `readJsonSync(p, { throws: false })`: a corrupt file reads as null. */
function noThrowReaderFinding(c: CallSite): ResetFinding | undefined {
  if (!c.key || !NO_THROW_READERS.has(c.key)) return undefined;
  const options = (c.node.arguments as Node[])[1];
  const n = options && unwrap(options);
  if (n?.type !== "ObjectExpression") return undefined;
  const off = (n.properties as Node[]).some((p) => p.type === "Property" && propertyName(p) === "throws" && unwrap(p.value as Node).value === false);
  if (!off) return undefined;
  const { start, end } = span(c.node);
  return { node: c.node, start, end, message: "`throws: false` turns a corrupt state file into null: the code carries on with empty state and silently erases its history." };
}

/** The variable a read's result lands in: `const raw = readFileSync(p)` / `raw = await readFile(p)`. */
function readTarget(c: CallSite): string | undefined {
  const a = c.ancestors;
  for (let i = a.length - 1; i >= 0 && i >= a.length - 4; i--) {
    const n = a[i]!;
    if (n.type === "VariableDeclarator" && (n.id as Node).type === "Identifier") return (n.id as Node).name as string;
    if (n.type === "AssignmentExpression" && (n.left as Node).type === "Identifier") return (n.left as Node).name as string;
  }
  return undefined;
}

/** `x`, `x.trim()`, `x.toString().trim()`: the read content itself, possibly trimmed. */
function isContent(expr: Node, name: string): boolean {
  let n = unwrap(expr);
  while (n.type === "CallExpression" && unwrap(n.callee as Node).type === "MemberExpression" && CONTENT_METHODS.has(propertyName(unwrap(n.callee as Node)) ?? "")) n = unwrap((unwrap(n.callee as Node).object as Node));
  if (n.type === "MemberExpression" && propertyName(n) === "length") n = unwrap(n.object as Node);
  return n.type === "Identifier" && n.name === name;
}

const CONTENT_METHODS = new Set(["trim", "trimStart", "trimEnd", "toString"]);
const EMPTY_JSON = new Set(["{}", "[]", "null", ""]);

function isEmptyTest(test: Node, name: string): boolean {
  const t = unwrap(test);
  if (t.type === "UnaryExpression" && t.operator === "!") return isContent(t.argument as Node, name);
  if (t.type === "BinaryExpression" && ["===", "==", "<", "<="].includes(t.operator as string)) {
    const [l, r] = [unwrap(t.left as Node), unwrap(t.right as Node)];
    return isContent(l, name) && (stringValue(r) === "" || r.value === 0 || r.value === 1);
  }
  return false;
}

function returnsDefault(node: Node): boolean {
  const st = node.type === "BlockStatement" ? (node.body as Node[])[0] : node;
  if (st?.type !== "ReturnStatement" || !st.argument) return false;
  const v = unwrap(st.argument as Node);
  return v.type === "ObjectExpression" || v.type === "ArrayExpression" || v.type === "NewExpression" || (v.type === "Literal" && typeof v.value !== "boolean");
}

/** `readFileSync(p, "utf8") || "{}"` as the parse input. */
function emptyReadFallback(c: CallSite): ResetFinding | undefined {
  for (let i = c.ancestors.length - 1; i >= Math.max(0, c.ancestors.length - 3); i--) {
    const n = c.ancestors[i]!;
    if (n.type === "LogicalExpression" && (n.operator === "||" || n.operator === "??") && EMPTY_JSON.has(stringValue(n.right as Node) ?? "?") && span(n.left as Node).start <= span(c.node).start && span(c.node).end <= span(n.left as Node).end) {
      return { node: n, ...span(n), message: EMPTY_MESSAGE };
    }
  }
  return undefined;
}

const EMPTY_MESSAGE = "An empty state file — what a crash during an in-place write leaves — is read as \"no state\": its history is silently erased.";

/**
 * `JSON.parse(text || "")`: the empty fallback still throws (JSON.parse("") is a SyntaxError), so an
 * empty file stops the reader instead of reading as "no state".
 */
function strictJsonFallbacks(facts: ModuleFacts): Set<Node> {
  const out = new Set<Node>();
  for (const c of facts.calls) {
    const arg = c.key === "global:JSON.parse" ? (c.node.arguments as Node[])[0] : undefined;
    if (arg && unwrap(arg).type === "LogicalExpression" && stringValue(unwrap(arg).right as Node) === "") out.add(unwrap(arg));
  }
  return out;
}

/** An empty (0-byte) file — what a torn in-place write leaves — read as "no state". */
function emptyFileFindings(facts: ModuleFacts): ResetFinding[] {
  const out: ResetFinding[] = [];
  const strict = strictJsonFallbacks(facts);
  for (const c of facts.calls) {
    if (!c.key || !READERS.has(c.key) || READERS.get(c.key)!.parses) continue;
    const direct = emptyReadFallback(c);
    if (direct && strict.has(direct.node)) continue;
    if (direct) {
      out.push(direct);
      continue;
    }
    const name = readTarget(c);
    if (!name) continue;
    walkOwn(c.fn ?? facts.program, (n) => {
      const hit =
        (n.type === "IfStatement" && isEmptyTest(n.test as Node, name) && returnsDefault(n.consequent as Node)) ||
        (n.type === "LogicalExpression" && !strict.has(n) && (n.operator === "||" || n.operator === "??") && isContent(n.left as Node, name) && EMPTY_JSON.has(stringValue(n.right as Node) ?? "?"));
      if (hit) out.push({ node: n, ...span(n), message: EMPTY_MESSAGE });
    });
  }
  return out;
}

export function resetFindings(facts: ModuleFacts): ResetFinding[] {
  collectReaderCallbacks(facts);
  collectWrittenNames(facts);
  collectFunctionsByName(facts);
  const out: ResetFinding[] = emptyFileFindings(facts);
  const parseHelpers = new Map<Node, ParseHelper>();
  for (const t of facts.tries) {
    const f = catchClauseFinding(t, facts.source);
    if (f) out.push(f);
    const h = f ? undefined : parseHelperOf(t, facts.functionNames);
    if (h && !parseHelpers.has(h.fn)) parseHelpers.set(h.fn, h);
  }
  out.push(...parseHelperCallFindings(facts, parseHelpers));
  for (const c of facts.calls) {
    const f = promiseCatchFinding(c, facts.source) ?? noThrowReaderFinding(c);
    if (f) out.push(f);
  }
  return out;
}
