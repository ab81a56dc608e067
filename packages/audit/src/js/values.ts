/**
 * What a value is made of, followed through local constants: is it serialized state, which file
 * does a path expression name, does it depend on a parameter, is a temp name unique.
 */
import { propertyName, stringValue, unwrap, type Node } from "./ast.js";
import { SERIALIZERS, STATE_EXTENSIONS, TEMP_DIRS } from "./apis.js";
import { refKey, resolveRef } from "./resolve.js";
import { memberName } from "./facts.js";
import type { Binding, Scope } from "./scope.js";

const MAX_DEPTH = 5;
/** Paths are built in module-level steps (`DIR = join(cwd(), "data")`, `FILE = join(DIR, …)`, `TMP = FILE + ".tmp"`): follow them further. */
const MAX_PATH_DEPTH = 8;
const STRING_METHODS = new Set(["trim", "trimEnd", "trimStart", "replace", "replaceAll", "concat", "padEnd", "padStart", "toString", "normalize", "slice"]);
const WRAPPING_CALLS = new Set(["global:Buffer.from", "global:String", "buffer:Buffer.from"]);

/** The binding of an identifier expression, if it is one. */
export function bindingOf(expr: Node, scope: Scope): Binding | undefined {
  const n = unwrap(expr);
  return n.type === "Identifier" ? scope.lookup(n.name as string) : undefined;
}

/** The one value a variable holds: its initializer, when it is never assigned again. */
function initOf(b: Binding | undefined): Node | undefined {
  return b && b.kind === "var" && b.init && (!b.path || b.path.length === 0) && !b.assigned?.length ? b.init : undefined;
}

/** Project serializers by name: `this._serialize(v)`, `stableStringify(v)`, `yamlDump(v)`. */
const SERIALIZER_NAME = /(stringify|serialize|serialise)$|^_?(dump|dumps|safeDump|toJSONString)$/i;

/** The name a callee is called by: `f` for `f()`, `m` for `o.m()`. */
export function calleeName(callee: Node): string | undefined {
  const c = unwrap(callee);
  if (c.type === "Identifier") return c.name as string;
  if (c.type === "MemberExpression") return propertyName(c) ?? ((c.property as Node).type === "PrivateIdentifier" ? ((c.property as Node).name as string) : undefined);
  return undefined;
}

/** True when `expr` evaluates to serialized data (JSON.stringify, yaml dump, …) as far as we can see. */
export function isSerialized(expr: Node | undefined, scope: Scope, depth = 0): boolean {
  if (!expr || depth > MAX_DEPTH) return false;
  const n = unwrap(expr);
  switch (n.type) {
    case "CallExpression":
    case "NewExpression": {
      const callee = unwrap(n.callee as Node);
      const key = refKey(callee, scope);
      if (key && SERIALIZERS.has(key)) return true;
      const args = n.arguments as Node[];
      if (key && WRAPPING_CALLS.has(key)) return isSerialized(args[0], scope, depth + 1);
      if (SERIALIZER_NAME.test(calleeName(callee) ?? "")) return true;
      if (callee.type === "MemberExpression") {
        const name = propertyName(callee);
        if (name === "encode" || (name !== undefined && STRING_METHODS.has(name))) return isSerialized(callee.object as Node, scope, depth + 1) || (name === "encode" && isSerialized(args[0], scope, depth + 1));
      }
      return false;
    }
    case "TemplateLiteral":
      return (n.expressions as Node[]).some((e) => isSerialized(e, scope, depth + 1));
    case "BinaryExpression":
      return n.operator === "+" && (isSerialized(n.left as Node, scope, depth + 1) || isSerialized(n.right as Node, scope, depth + 1));
    case "ConditionalExpression":
      return isSerialized(n.consequent as Node, scope, depth + 1) || isSerialized(n.alternate as Node, scope, depth + 1);
    case "LogicalExpression":
      return isSerialized(n.left as Node, scope, depth + 1) || isSerialized(n.right as Node, scope, depth + 1);
    case "Identifier": {
      const b = scope.lookup(n.name as string);
      if (b?.kind !== "var" || (b.path && b.path.length)) return false;
      // Any value the variable ever holds: `let data = serialize(v); if (key) data = encrypt(data)`.
      return [b.init, ...(b.assigned ?? [])].some((v) => v !== undefined && isSerialized(v, scope, depth + 1));
    }
  }
  return false;
}

/** A piece of a path: literal text, or an opaque value named by what it came from. */
export interface Part {
  literal: boolean;
  text: string;
}

/** Calls that build a path (or a VS Code file URI) from their arguments, in order. */
const PATH_JOINS = new Set(["path:join", "path:resolve", "path:posix.join", "path:default.join", "path:default.resolve", "upath:join", "vscode:Uri.joinPath", "vscode:Uri.file"]);

/** Flattens a path expression into literal and opaque parts, following constants. */
export function pathParts(expr: Node | undefined, scope: Scope, depth = 0): Part[] {
  if (!expr) return [{ literal: false, text: "?" }];
  const n = unwrap(expr);
  const s = stringValue(n);
  if (s !== undefined) return [{ literal: true, text: s }];
  if (depth > MAX_PATH_DEPTH) return [{ literal: false, text: "?" }];
  switch (n.type) {
    case "TemplateLiteral": {
      const out: Part[] = [];
      const quasis = n.quasis as Node[];
      (n.expressions as Node[]).forEach((e, i) => {
        out.push({ literal: true, text: stringValue({ type: "TemplateLiteral", quasis: [quasis[i]!], expressions: [] }) ?? "" });
        out.push(...pathParts(e, scope, depth + 1));
      });
      out.push({ literal: true, text: stringValue({ type: "TemplateLiteral", quasis: [quasis[quasis.length - 1]!], expressions: [] }) ?? "" });
      return out;
    }
    case "BinaryExpression":
      if (n.operator === "+") return [...pathParts(n.left as Node, scope, depth + 1), ...pathParts(n.right as Node, scope, depth + 1)];
      break;
    case "Identifier": {
      const b = scope.lookup(n.name as string);
      const init = initOf(b);
      if (init) return pathParts(init, scope, depth + 1);
      return [{ literal: false, text: `${b?.kind === "param" ? "param" : "id"}:${n.name as string}` }];
    }
    case "CallExpression": {
      const key = refKey(n.callee as Node, scope) ?? "call:?";
      if (PATH_JOINS.has(key)) {
        const out: Part[] = [];
        (n.arguments as Node[]).forEach((a, i) => {
          if (i > 0) out.push({ literal: true, text: "/" });
          out.push(...pathParts(a, scope, depth + 1));
        });
        return out;
      }
      // A local name builder (`getTempFilename(file)`) with one returned expression: what it returns.
      const returned = returnedExpression(n.callee as Node, scope);
      if (returned) return pathParts(returned, scope, depth + 1);
      return [{ literal: false, text: key }];
    }
    case "MemberExpression": {
      // `this.file`, set once in the class (`this.file = join(dir, "state.json")`): follow the value.
      if ((n.object as Node).type === "ThisExpression") {
        const name = memberName(n);
        const values = name === undefined ? undefined : scope.thisField(name);
        if (values?.length === 1) return pathParts(values[0], scope, depth + 1);
      }
      const key = refKey(n, scope);
      return [{ literal: false, text: key ?? `.${propertyName(n) ?? memberName(n) ?? "?"}` }];
    }
    case "NewExpression": {
      // new URL("state.json", import.meta.url)
      const args = n.arguments as Node[];
      if (unwrap(n.callee as Node).name === "URL") return pathParts(args[0], scope, depth + 1);
      break;
    }
  }
  return [{ literal: false, text: `node:${n.type}` }];
}

/** The single expression a local function returns (`(f) => f + ".tmp"`, `function t(f) { return … }`). */
function returnedExpression(callee: Node, scope: Scope): Node | undefined {
  const c = unwrap(callee);
  if (c.type !== "Identifier") return undefined;
  const b = scope.lookup(c.name as string);
  const fn = b?.kind === "function" ? b.fn : b?.kind === "var" && b.init && !b.assigned?.length ? unwrap(b.init) : undefined;
  if (!fn || !(fn.type === "ArrowFunctionExpression" || fn.type === "FunctionExpression" || fn.type === "FunctionDeclaration")) return undefined;
  const body = fn.body as Node;
  if (body.type !== "BlockStatement") return body;
  const returns = (body.body as Node[]).filter((st) => st.type === "ReturnStatement");
  return returns.length === 1 ? ((returns[0]!.argument as Node | null) ?? undefined) : undefined;
}

/** The file name a path expression ends in, when its last component is literal: `join(dir, "state.json")` → "state.json". */
export function fileName(parts: Part[]): string | undefined {
  const last = parts[parts.length - 1];
  if (!last?.literal) return undefined;
  let text = "";
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i]!;
    if (!p.literal) return text.includes("/") ? text.slice(text.lastIndexOf("/") + 1) : undefined;
    text = p.text + text;
    if (text.includes("/")) break;
  }
  const base = text.slice(text.lastIndexOf("/") + 1);
  return base || undefined;
}

/** The path ends in a state-file extension (`.json`, `.yaml`, …). */
export function looksLikeStateFile(parts: Part[]): boolean {
  const last = parts[parts.length - 1];
  if (!last?.literal) return false;
  const text = last.text.toLowerCase();
  return STATE_EXTENSIONS.some((ext) => text.endsWith(ext));
}

const UNIQUE_NAME = /pid|rand|uuid|nonce|unique|counter|seq|suffix|hash|time|now|stamp|(^|[^a-z])id$|Id$|nanoid|tmpName|tempName/i;
const PATH_HELPERS = /^path:|^upath:|^node:path/;

/** Values every writer of the file sees alike: the working or home directory, the environment, the app's data folder. */
const STABLE_PARTS = /^(global:process\.(cwd|env)|process:(cwd|env)|os:(default\.)?(homedir|tmpdir)|url:fileURLToPath|electron:app\.getPath|global:require\.resolve)/;

/** A part that makes a name differ per writer: a pid, a random or time-based value, a counter, an unknown call. */
function isUniquePart(p: Part): boolean {
  if (p.literal || PATH_HELPERS.test(p.text) || STABLE_PARTS.test(p.text)) return false;
  const named = /^(id|param):(.*)$/.exec(p.text) ?? /^\.(.*)$/.exec(p.text);
  if (named) return UNIQUE_NAME.test(named[named.length - 1]!);
  return true;
}

/** A temp name that every writer computes identically (`p + ".tmp"`), so that two writers share it. */
export function isFixedTempName(parts: Part[]): boolean {
  return parts.some((p) => p.literal && p.text.length > 0) && !parts.some(isUniquePart);
}

/** The path lies under the system temp directory (os.tmpdir(), mkdtemp…). */
export function isInTempDir(parts: Part[]): boolean {
  return parts.some((p) => !p.literal && TEMP_DIRS.has(p.text));
}

/** Index of the enclosing function's parameter that `expr` is built from, if any. */
export function paramSource(expr: Node | undefined, scope: Scope, fn: Node | undefined, depth = 0): number | undefined {
  if (!expr || !fn || depth > MAX_DEPTH) return undefined;
  const n = unwrap(expr);
  if (n.type === "Identifier") {
    const b = scope.lookup(n.name as string);
    if (b?.kind === "param" && b.fn === fn) return b.index;
    return paramSource(initOf(b), scope, fn, depth + 1);
  }
  const parts: Node[] =
    n.type === "TemplateLiteral" ? (n.expressions as Node[])
    : n.type === "BinaryExpression" ? [n.left as Node, n.right as Node]
    : n.type === "CallExpression" && PATH_JOINS.has(refKey(n.callee as Node, scope) ?? "") ? (n.arguments as Node[])
    : n.type === "CallExpression" && WRAPPING_CALLS.has(refKey(n.callee as Node, scope) ?? "") ? (n.arguments as Node[]).slice(0, 1)
    : n.type === "NewExpression" ? (n.arguments as Node[]).slice(0, 1)
    : [];
  for (const p of parts) {
    const i = paramSource(p, scope, fn, depth + 1);
    if (i !== undefined) return i;
  }
  return undefined;
}

export { resolveRef };
