import { loadSite, type LoadSite } from "./facts.js";
import type { HelperIndex } from "./helpers.js";
import { calleeName, field, positionalArgs, qname, text, type FileModel, type Scope } from "./model.js";
import { ancestor, descendants, type PyNode } from "./tree.js";

/** A reader that carries on with default state when the file does not parse. */
export interface ResetSite {
  node: PyNode;
  load: LoadSite | undefined;
  how: string;
}

const PARSE_ERRORS = /^(builtins\.)?(Exception|BaseException|ValueError)$|(JSONDecodeError|DecodeError|ParseError|ParserError|ScannerError|YAMLError|ConstructorError|UnpicklingError|TOMLDecodeError|TomlDecodeError|EOFError|UnicodeDecodeError)$/;
const ABORTS = new Set(["sys.exit", "exit", "quit", "os._exit", "os.abort", "abort"]);
const RESTORE_WORDS = /restore|backup|recover|\.bak\b|fallback_file/i;

/** Every silent reset in `scope`: swallowed parse errors around a file load, and empty files read as "no state". */
export function silentResets(model: FileModel, scope: Scope, helpers: HelperIndex): ResetSite[] {
  const sites: ResetSite[] = [];
  const loads = scope.calls.map((c) => loadSite(model, scope, c)).filter((l): l is LoadSite => !!l?.fromFile);
  for (const tryNode of scope.tries) {
    const body = field(tryNode, "body");
    if (!body) continue;
    const bodyCalls = descendants(body, "call");
    const load = bodyCalls.map((c) => loadSite(model, scope, c)).find((l) => l?.fromFile);
    if (!load && !bodyCalls.some((c) => helpers.loadsFile(model, c))) continue;
    for (const clause of tryNode.children.filter((c) => c.type === "except_clause")) {
      const caught = caughtTypes(model, clause);
      const parseError = caught.find((t) => t === "" || PARSE_ERRORS.test(t));
      if (parseError === undefined) continue;
      const handler = clause.children.find((c) => c.type === "block");
      if (handler && handlerIsSafe(model, scope, handler, helpers)) continue;
      sites.push({ node: clause, load, how: parseError === "" ? "a bare `except:`" : `\`except ${parseError}\`` });
    }
  }
  sites.push(...suppressedParseErrors(model, scope, helpers));
  for (const load of loads) {
    const site = emptyTextDefaulted(model, load);
    if (site) sites.push(site);
  }
  for (const ifNode of scope.ifs) {
    const site = emptyFileAsNoState(model, ifNode, loads);
    if (site) sites.push(site);
  }
  for (const cond of scope.conditionals) {
    const site = emptyTextAsNoState(model, cond, loads);
    if (site) sites.push(site);
  }
  return sites;
}

/** `with contextlib.suppress(json.JSONDecodeError): state = json.load(f)`: an `except: pass` in other words. */
function suppressedParseErrors(model: FileModel, scope: Scope, helpers: HelperIndex): ResetSite[] {
  const sites: ResetSite[] = [];
  for (const call of scope.calls) {
    if (calleeName(model, call) !== "contextlib.suppress") continue;
    const parseError = positionalArgs(call).map((a) => qname(model, a) ?? text(model, a)).find((t) => PARSE_ERRORS.test(t));
    const withNode = ancestor(call, ["with_statement"]);
    const body = withNode && field(withNode, "body");
    if (!parseError || !body) continue;
    const bodyCalls = descendants(body, "call");
    const load = bodyCalls.map((c) => loadSite(model, scope, c)).find((l) => l?.fromFile);
    if (load || bodyCalls.some((c) => helpers.loadsFile(model, c))) sites.push({ node: withNode, load, how: `\`suppress(${parseError})\`` });
  }
  return sites;
}

/** `json.loads(f.read() or "{}")`: a file torn to empty parses as the default. */
function emptyTextDefaulted(model: FileModel, load: LoadSite): ResetSite | undefined {
  const first = positionalArgs(load.call)[0];
  const fallback = first?.type === "boolean_operator" && text(model, first).includes(" or ") ? field(first, "right") : undefined;
  if (!fallback || !["string", "dictionary", "list", "concatenated_string"].includes(fallback.type)) return undefined;
  return { node: first!, load, how: "an empty file read as \"no state\"" };
}

function caughtTypes(model: FileModel, clause: PyNode): string[] {
  const first = clause.children[0];
  if (!first || first.type === "block") return [""];
  const expr = first.type === "as_pattern" ? first.children[0] : first;
  if (!expr) return [""];
  const items = expr.type === "tuple" || expr.type === "parenthesized_expression" ? expr.children : [expr];
  return items.map((i) => qname(model, i) ?? text(model, i));
}

/**
 * Re-raises, aborts, or restores from a backup (a second load, or a restore/backup helper). A handler
 * that `continue`s skips one input of a batch (a directory of manifests), it does not reset state.
 */
function handlerIsSafe(model: FileModel, scope: Scope, handler: PyNode, helpers: HelperIndex): boolean {
  if (descendants(handler, ["raise_statement", "continue_statement"]).length > 0) return true;
  for (const call of descendants(handler, "call")) {
    const name = calleeName(model, call) ?? "";
    if (ABORTS.has(name) || RESTORE_WORDS.test(name)) return true;
    if (loadSite(model, scope, call)?.fromFile || helpers.loadsFile(model, call)) return true;
  }
  return descendants(handler, "string").some((s) => RESTORE_WORDS.test(text(model, s)));
}

/** `if not text: return {}` / `if p.stat().st_size == 0: return {}` before parsing: a torn-to-empty file becomes "no state". */
function emptyFileAsNoState(model: FileModel, ifNode: PyNode, loads: LoadSite[]): ResetSite | undefined {
  const cond = field(ifNode, "condition");
  const body = field(ifNode, "consequence");
  if (!cond || !body || loads.length === 0) return undefined;
  const later = loads.filter((l) => l.call.start > ifNode.start);
  const condText = text(model, cond);
  const sizeCheck = /st_size|getsize/.test(condText) && /==\s*0|<\s*1|\bnot\b/.test(condText);
  const parsedNames = new Set(later.flatMap((l) => descendants(l.call, "identifier").map((i) => text(model, i))));
  const emptyText = isEmptinessTest(model, cond, parsedNames);
  if (!sizeCheck && !emptyText) return undefined;
  if (descendants(body, "raise_statement").length > 0 || !returnsDefault(model, body)) return undefined;
  return { node: ifNode, load: later[0] ?? loads[0], how: "an empty file read as \"no state\"" };
}

/** `json.loads(text) if text else {}`: an empty file parsed as "no state". */
function emptyTextAsNoState(model: FileModel, cond: PyNode, loads: LoadSite[]): ResetSite | undefined {
  const [body, test, alternative] = cond.children;
  if (!body || !test || !alternative) return undefined;
  const load = loads.find((l) => l.call.start >= body.start && l.call.end <= body.end && l.call.parent !== undefined);
  if (!load || !["dictionary", "list", "none", "tuple", "set"].includes(alternative.type)) return undefined;
  const parsed = new Set(descendants(load.call, "identifier").map((i) => text(model, i)));
  // `json.load(open(p)) if os.path.getsize(p) else {}`
  if (/getsize|st_size/.test(text(model, test))) return { node: cond, load, how: "an empty file read as \"no state\"" };
  const subject = test.type === "call" ? field(field(test, "function") ?? test, "object") : test;
  if (!subject || subject.type !== "identifier" || !parsed.has(text(model, subject))) return undefined;
  return { node: cond, load, how: "an empty file read as \"no state\"" };
}

function isEmptinessTest(model: FileModel, cond: PyNode, parsed: Set<string>): boolean {
  const subject = (n: PyNode | undefined): string | undefined => {
    if (!n) return undefined;
    if (n.type === "identifier") return text(model, n);
    if (n.type === "call") return subject(field(field(n, "function") ?? n, "object"));
    return undefined;
  };
  if (cond.type === "not_operator") {
    const name = subject(cond.children[0]);
    return !!name && parsed.has(name);
  }
  if (cond.type === "comparison_operator") {
    const [left, right] = cond.children;
    const emptyLiteral = right && (text(model, right) === '""' || text(model, right) === "''" || text(model, right) === "0");
    const name = left?.type === "call" && text(model, field(left, "function") ?? left) === "len" ? subject(field(left, "arguments")?.children[0]) : subject(left);
    return !!emptyLiteral && !!name && parsed.has(name);
  }
  return false;
}

function returnsDefault(model: FileModel, body: PyNode): boolean {
  const defaults = ["dictionary", "list", "none", "tuple", "set"];
  for (const stmt of descendants(body, ["return_statement", "assignment"])) {
    const value = stmt.type === "return_statement" ? stmt.children[0] : field(stmt, "right");
    if (!value || defaults.includes(value.type) || value.type === "identifier") return true;
    if (value.type === "call" && ["dict", "list", "set", "copy.deepcopy", "deepcopy"].includes(calleeName(model, value) ?? "")) return true;
    if (value.type === "call" && /default/i.test(text(model, value))) return true;
  }
  return descendants(body, "pass_statement").length > 0;
}
