/**
 * Plans the `--fix` rewrite of a direct state write into a crashsafe call, only where the rewrite
 * keeps behaviour: sync stays sync (writeFileAtomicSync), promise stays promise (writeFileAtomic),
 * callback forms, directory-creating writes (outputFile/outputJson) and unknown options are left alone.
 */
import { isFunction, propertyName, span, stringValue, unwrap, walk, type Node } from "../js/ast.js";
import type { ModuleFacts } from "../js/facts.js";
import { refKey } from "../js/resolve.js";
import type { Scope } from "../js/scope.js";
import type { WriteSite } from "../js/writes.js";

/** Replace `[start, end)` of the source with `text`. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export interface FixPlan {
  /** Edits of the call itself. */
  callEdits: TextEdit[];
  /** The crashsafe function the call now uses. */
  importName: "writeFileAtomic" | "writeFileAtomicSync" | "writeJson" | "writeJsonSync";
  /** The call's edits plus the import (what one finding's fix applies alone). */
  edits: TextEdit[];
}

const PLAIN = new Set(["fs:writeFileSync", "fs-extra:writeFileSync", "fs:default.writeFileSync", "fs-extra:default.writeFileSync"]);
const PROMISE = new Set(["fs:promises.writeFile", "fs-extra:promises.writeFile"]);
const MAYBE_PROMISE = new Set(["fs-extra:writeFile"]);
const JSON_SYNC = new Set(["fs-extra:writeJsonSync", "fs-extra:writeJSONSync"]);
const JSON_PROMISE = new Set(["fs-extra:writeJson", "fs-extra:writeJSON"]);

function objectProps(node: Node): Map<string, Node> | undefined {
  const n = unwrap(node);
  if (n.type !== "ObjectExpression") return undefined;
  const out = new Map<string, Node>();
  for (const p of n.properties as Node[]) {
    const key = p.type === "Property" && !p.computed ? propertyName(p) : undefined;
    if (key === undefined) return undefined;
    out.set(key, p.value as Node);
  }
  return out;
}

function text(facts: ModuleFacts, node: Node): string {
  const { start, end } = span(node);
  return facts.source.slice(start, end);
}

/** fs-style options: none, "utf8", or `{ encoding, mode }` — what crashsafe's WriteOptions accept alike. */
export function optionsEdit(facts: ModuleFacts, options: Node | undefined): TextEdit[] | undefined {
  if (!options) return [];
  const s = stringValue(options);
  if (s !== undefined) return ["utf8", "utf-8"].includes(s.toLowerCase()) ? [{ ...span(options), text: '{ encoding: "utf8" }' }] : undefined;
  const props = objectProps(options);
  if (!props || [...props.keys()].some((k) => k !== "encoding" && k !== "mode")) return undefined;
  const enc = props.get("encoding");
  if (enc && !["utf8", "utf-8"].includes((stringValue(enc) ?? "").toLowerCase())) return undefined;
  return [];
}

/** fs-extra writeJson(file, obj, { spaces }) and crashsafe writeJson(file, obj, { space }) both write JSON.stringify(obj, null, n) + "\n". */
export function jsonOptionsEdit(facts: ModuleFacts, args: Node[]): TextEdit[] | undefined {
  const [, obj, options] = args;
  if (!obj || args.length > 3) return undefined;
  if (!options) return [];
  const props = objectProps(options);
  if (!props || [...props.keys()].some((k) => k !== "spaces")) return undefined;
  const spaces = props.get("spaces");
  return [{ ...span(options), text: spaces ? `{ space: ${text(facts, spaces)} }` : "{}" }];
}

export function hasCallback(call: Node): boolean {
  const a = call.arguments as Node[];
  const last = a[a.length - 1];
  return last !== undefined && (isFunction(unwrap(last)) || (unwrap(last).type === "Identifier" && /^(cb|callback|done|next)$/.test(unwrap(last).name as string)));
}

/** `name` may be imported from "crashsafe" here: no other binding of that name is in scope. */
export function canImport(scope: Scope, name: string): boolean {
  const clash = scope.lookup(name);
  return !clash || (clash.kind === "import" && clash.source === "crashsafe");
}

/** The call's edits plus the import of `importName` they need. */
export function withImport(facts: ModuleFacts, callEdits: TextEdit[], importName: FixPlan["importName"]): FixPlan {
  const imp = importEdit(facts, [importName]);
  return { callEdits, importName, edits: imp ? [...callEdits, imp] : callEdits };
}

/** Where and how to import `name` from "crashsafe" (merged into an existing import when there is one). */
export function importEdit(facts: ModuleFacts, names: string[]): TextEdit | undefined {
  const body = facts.program.body as Node[];
  const existing = body.find((st) => st.type === "ImportDeclaration" && (st.source as Node).value === "crashsafe" && st.importKind !== "type");
  const needed = names.filter((n) => {
    const b = facts.rootScope.vars.get(n);
    return !(b?.kind === "import" && b.source === "crashsafe");
  });
  if (needed.length === 0) return undefined;
  const specs = existing ? (existing.specifiers as Node[]).filter((s) => s.type === "ImportSpecifier") : [];
  if (existing && specs.length) return { start: span(specs[specs.length - 1]!).end, end: span(specs[specs.length - 1]!).end, text: `, ${needed.join(", ")}` };
  const imports = body.filter((st) => st.type === "ImportDeclaration");
  const requires = body.filter(isTopLevelRequire);
  // The parsers disagree on sourceType (espree: module, oxc: commonjs for the same .js), so the code decides.
  const esmSyntax = imports.length > 0 || body.some((st) => st.type.startsWith("Export"));
  const cjs = !esmSyntax && (requires.length > 0 || /\.c[jt]s$/.test(facts.filename) || facts.program.sourceType !== "module");
  const line = cjs ? `const { ${needed.join(", ")} } = require("crashsafe");` : `import { ${needed.join(", ")} } from "crashsafe";`;
  const anchor = cjs ? requires[requires.length - 1] : imports[imports.length - 1];
  if (anchor) return { start: span(anchor).end, end: span(anchor).end, text: `\n${line}` };
  const first = body.find((st) => !(st.type === "ExpressionStatement" && st.directive));
  const at = first ? span(first).start : span(facts.program).end;
  return { start: at, end: at, text: `${line}\n` };
}

/** `const x = require("…")`, also wrapped: `__importDefault(require("fs"))`, `require("fs").promises`. */
function isTopLevelRequire(st: Node): boolean {
  if (st.type !== "VariableDeclaration") return false;
  let found = false;
  for (const d of st.declarations as Node[]) {
    if (!d.init) continue;
    walk(d.init as Node, (n) => {
      if (n.type === "CallExpression" && unwrap(n.callee as Node).name === "require") found = true;
      return !found && !isFunction(n);
    });
  }
  return found;
}

/**
 * `JSON.stringify(v, null, n) + "\n"` is exactly what crashsafe's writeJson writes for `{ space: n }`:
 * the payload's value and space, else undefined.
 */
function jsonWithNewline(facts: ModuleFacts, w: WriteSite): { value: Node; space: Node | undefined } | undefined {
  const data = w.dataExpr && unwrap(w.dataExpr);
  let call: Node | undefined;
  if (data?.type === "BinaryExpression" && data.operator === "+" && stringValue(data.right as Node) === "\n") call = unwrap(data.left as Node);
  if (data?.type === "TemplateLiteral" && (data.expressions as Node[]).length === 1 && stringValue({ ...data, expressions: [], quasis: [(data.quasis as Node[])[0]!] }) === "" && stringValue({ ...data, expressions: [], quasis: [(data.quasis as Node[])[1]!] }) === "\n") call = unwrap((data.expressions as Node[])[0]!);
  if (call?.type !== "CallExpression" || refKey(call.callee as Node, w.site.scope) !== "global:JSON.stringify") return undefined;
  const [value, replacer, space, ...rest] = call.arguments as Node[];
  if (!value || value.type === "SpreadElement" || rest.length) return undefined;
  if (replacer && !(unwrap(replacer).type === "Literal" && unwrap(replacer).value === null) && !(unwrap(replacer).type === "Identifier" && unwrap(replacer).name === "undefined")) return undefined;
  return { value, space };
}

/** `writeFileSync(p, JSON.stringify(v, null, 2) + "\n")` → `writeJsonSync(p, v, { space: 2 })`. */
function planJsonFix(facts: ModuleFacts, w: WriteSite, sync: boolean): FixPlan | undefined {
  const json = jsonWithNewline(facts, w);
  const call = w.site.node;
  const options = (call.arguments as Node[])[2];
  // Only an encoding of utf8 may be dropped; other options (mode…) keep the plain writeFileAtomic rewrite.
  if (!json || (options && !["utf8", "utf-8"].includes((stringValue(options) ?? "").toLowerCase()))) return undefined;
  const importName = sync ? "writeJsonSync" : "writeJson";
  if (!canImport(w.site.scope, importName)) return undefined;
  const args = call.arguments as Node[];
  const tail = json.space ? `, { space: ${text(facts, json.space)} }` : "";
  const callEdits = [
    { ...span(call.callee as Node), text: importName },
    { start: span(args[1]!).start, end: span(args[args.length - 1]!).end, text: `${text(facts, json.value)}${tail}` },
  ];
  return withImport(facts, callEdits, importName);
}

/** The fix of one direct write, or undefined when a rewrite could change behaviour. */
export function planFix(facts: ModuleFacts, w: WriteSite): FixPlan | undefined {
  const key = w.site.key ?? "";
  const call = w.site.node;
  if ((call.arguments as Node[]).some((a) => a.type === "SpreadElement")) return undefined;
  let importName: FixPlan["importName"];
  let argEdits: TextEdit[] | undefined;
  if (PLAIN.has(key) || PROMISE.has(key)) {
    const json = planJsonFix(facts, w, PLAIN.has(key));
    if (json) return json;
  }
  if (PLAIN.has(key)) importName = "writeFileAtomicSync";
  else if (JSON_SYNC.has(key)) importName = "writeJsonSync";
  else if (PROMISE.has(key) || (MAYBE_PROMISE.has(key) && !hasCallback(call))) importName = "writeFileAtomic";
  else if (JSON_PROMISE.has(key) && !hasCallback(call)) importName = "writeJson";
  else return undefined;
  if (JSON_SYNC.has(key) || JSON_PROMISE.has(key)) argEdits = jsonOptionsEdit(facts, call.arguments as Node[]);
  else argEdits = (call.arguments as Node[]).length > 3 ? undefined : optionsEdit(facts, (call.arguments as Node[])[2]);
  if (!argEdits || !canImport(w.site.scope, importName)) return undefined;
  return withImport(facts, [{ ...span(call.callee as Node), text: importName }, ...argEdits], importName);
}
