import { parseSuppression, type Suppressions } from "../js/suppress.js";
import { descendants, field, type ParsedPython, type PyNode } from "./tree.js";

export { field };

/** A value bound to a name: `x = value`, or element `index` of a tuple unpacking. */
export interface Binding {
  value: PyNode;
  index?: number;
}

/** A module body or a function body, without the bodies of nested functions. */
export interface Scope {
  node: PyNode;
  fn: FunctionInfo | undefined;
  bindings: Map<string, Binding[]>;
  calls: PyNode[];
  tries: PyNode[];
  /** `a if cond else b` expressions. */
  conditionals: PyNode[];
  returns: PyNode[];
  ifs: PyNode[];
}

export interface FunctionInfo {
  name: string;
  node: PyNode;
  params: string[];
  /** Defined in a class body: calls through `self.`/`cls.` skip the first parameter (not for a @staticmethod). */
  isMethod: boolean;
  isStatic: boolean;
  scope: Scope;
}

/** An `from X import name` that may point into the project. */
export interface ProjectImport {
  module: string;
  /** Leading dots of a relative import. */
  level: number;
  name: string | undefined;
}

/** What the Python rules know about one file. */
export interface FileModel {
  /** Display path, relative to the current directory. */
  file: string;
  /** Absolute path, used to resolve project imports. */
  abs: string;
  parsed: ParsedPython;
  /** Local name → qualified name: `P` → `pathlib.Path`, `j` → `json`, `replace` → `os.replace`. */
  imports: Map<string, string>;
  projectImports: Map<string, ProjectImport>;
  module: Scope;
  functions: FunctionInfo[];
  scopes: Scope[];
  /** `self.<attr> = value` anywhere in the file. */
  attrBindings: Map<string, Binding[]>;
  /** `# crashsafe-ignore <rule>` comments: line → rule ids. */
  suppressions: Suppressions;
  /** Format a project function returns when it returns serialized data (`def _dump(s): return json.dumps(s)`); set by the helper index. */
  returnedFormat?: (call: PyNode) => string | undefined;
}

export function text(model: FileModel, node: PyNode): string {
  return model.parsed.source.slice(node.start, node.end);
}

/** Builds the scopes, bindings and import aliases of a parsed file. */
export function buildModel(file: string, abs: string, parsed: ParsedPython): FileModel {
  const model: FileModel = {
    file, abs, parsed,
    imports: new Map(), projectImports: new Map(),
    module: newScope(parsed.root, undefined),
    functions: [], scopes: [], attrBindings: new Map(), suppressions: new Map(),
  };
  for (const c of parsed.comments) {
    const rules = parseSuppression(text(model, c));
    if (!rules) continue;
    for (const line of [c.row + 1, c.row + 2]) model.suppressions.set(line, [...(model.suppressions.get(line) ?? []), ...rules]);
  }
  model.scopes.push(model.module);
  fillScope(model, model.module, parsed.root, false);
  for (const n of descendants(parsed.root, ["import_statement", "import_from_statement"])) readImport(model, n);
  return model;
}

function newScope(node: PyNode, fn: FunctionInfo | undefined): Scope {
  return { node, fn, bindings: new Map(), calls: [], tries: [], ifs: [], conditionals: [], returns: [] };
}

/** Pre-order and iterative: deeply nested expressions must not overflow the stack. */
function fillScope(model: FileModel, scope: Scope, node: PyNode, inClass: boolean): void {
  const stack: Array<{ n: PyNode; inClass: boolean }> = node.children.map((n) => ({ n, inClass })).reverse();
  while (stack.length > 0) {
    const { n: child, inClass: classBody } = stack.pop()!;
    if (child.type === "function_definition") {
      addFunction(model, child, classBody);
      continue;
    }
    if (child.type === "call") scope.calls.push(child);
    else if (child.type === "try_statement") scope.tries.push(child);
    else if (child.type === "if_statement") scope.ifs.push(child);
    else if (child.type === "conditional_expression") scope.conditionals.push(child);
    else if (child.type === "return_statement") scope.returns.push(child);
    else if (child.type === "assignment") recordAssignment(model, scope, child);
    else if (child.type === "with_item") recordWithItem(model, scope, child);
    const nextClass = child.type === "class_definition" ? true : child.type === "block" || child.type === "decorated_definition" ? classBody : false;
    for (let i = child.children.length - 1; i >= 0; i--) stack.push({ n: child.children[i]!, inClass: nextClass });
  }
}

function addFunction(model: FileModel, node: PyNode, isMethod: boolean): void {
  const nameNode = field(node, "name");
  const info: FunctionInfo = {
    name: nameNode ? text(model, nameNode) : "<anonymous>",
    node,
    params: paramNames(model, field(node, "parameters")),
    isMethod,
    isStatic: node.parent?.type === "decorated_definition"
      && node.parent.children.some((d) => d.type === "decorator" && text(model, d).replace(/\s/g, "") === "@staticmethod"),
    scope: newScope(node, undefined),
  };
  info.scope.fn = info;
  model.functions.push(info);
  model.scopes.push(info.scope);
  const body = field(node, "body");
  if (body) fillScope(model, info.scope, body, false);
}

function paramNames(model: FileModel, params: PyNode | undefined): string[] {
  if (!params) return [];
  return params.children.map((p) => {
    const id = p.type === "identifier" ? p : (field(p, "name") ?? p.children.find((c) => c.type === "identifier"));
    return id ? text(model, id) : "";
  });
}

function bind(map: Map<string, Binding[]>, name: string, binding: Binding): void {
  const list = map.get(name);
  if (list) list.push(binding);
  else map.set(name, [binding]);
}

function recordTarget(model: FileModel, scope: Scope, target: PyNode, value: PyNode, index?: number): void {
  const b: Binding = index === undefined ? { value } : { value, index };
  if (target.type === "identifier") bind(scope.bindings, text(model, target), b);
  else if (target.type === "attribute") {
    const obj = field(target, "object");
    const attr = field(target, "attribute");
    if (obj && attr && ["self", "cls"].includes(text(model, obj))) bind(model.attrBindings, text(model, attr), b);
  } else if (["pattern_list", "tuple_pattern", "list_pattern"].includes(target.type)) {
    target.children.forEach((el, i) => recordTarget(model, scope, el, value, i));
  }
}

function recordAssignment(model: FileModel, scope: Scope, node: PyNode): void {
  const left = field(node, "left");
  const right = field(node, "right");
  if (left && right) recordTarget(model, scope, left, right);
}

function recordWithItem(model: FileModel, scope: Scope, node: PyNode): void {
  const value = node.children[0];
  if (value?.type !== "as_pattern") return;
  const expr = value.children[0];
  const alias = value.children.find((c) => c.type === "as_pattern_target");
  const target = alias?.children[0];
  if (expr && target) recordTarget(model, scope, target, expr);
}

function readImport(model: FileModel, node: PyNode): void {
  if (node.type === "import_statement") {
    for (const item of node.children) {
      if (item.type === "dotted_name") {
        const full = text(model, item);
        const head = full.split(".")[0] ?? full;
        model.imports.set(head, head);
        model.projectImports.set(head, { module: head, level: 0, name: undefined });
      } else if (item.type === "aliased_import") {
        const name = field(item, "name");
        const alias = field(item, "alias");
        if (name && alias) {
          model.imports.set(text(model, alias), text(model, name));
          model.projectImports.set(text(model, alias), { module: text(model, name), level: 0, name: undefined });
        }
      }
    }
    return;
  }
  const moduleNode = field(node, "module_name");
  if (!moduleNode) return;
  const { module, level } = splitRelative(text(model, moduleNode));
  for (const item of node.children) {
    if (item === moduleNode) continue;
    let name: PyNode | undefined;
    let alias: PyNode | undefined;
    if (item.type === "dotted_name") name = alias = item;
    else if (item.type === "aliased_import") {
      name = field(item, "name");
      alias = field(item, "alias");
    }
    if (!name || !alias) continue;
    const local = text(model, alias);
    const imported = text(model, name);
    model.imports.set(local, level > 0 ? `${".".repeat(level)}${module}.${imported}` : `${module}.${imported}`);
    model.projectImports.set(local, { module, level, name: imported });
  }
}

function splitRelative(spec: string): { module: string; level: number } {
  const level = spec.length - spec.replace(/^\.+/, "").length;
  return { module: spec.slice(level), level };
}

/** Builtins and aliases resolved: `j.dumps` → `json.dumps`, `P("x").write_text` → `pathlib.Path().write_text`. */
export function qname(model: FileModel, node: PyNode | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === "identifier") {
    const name = text(model, node);
    return model.imports.get(name) ?? name;
  }
  if (node.type === "attribute") {
    const obj = qname(model, field(node, "object"));
    const attr = field(node, "attribute");
    return obj && attr ? `${obj}.${text(model, attr)}` : undefined;
  }
  if (node.type === "call") {
    const callee = qname(model, field(node, "function"));
    return callee ? `${callee}()` : undefined;
  }
  return undefined;
}

/** Callee of a call, qualified (memoized on the node: every rule asks). */
export function calleeName(model: FileModel, call: PyNode): string | undefined {
  if (call.callee === undefined) call.callee = qname(model, field(call, "function")) ?? null;
  return call.callee ?? undefined;
}

/** Last component of a callee (`write_text` for `p.write_text`). */
export function calleeAttr(model: FileModel, call: PyNode): string | undefined {
  const fn = field(call, "function");
  if (fn?.type === "attribute") {
    const attr = field(fn, "attribute");
    return attr ? text(model, attr) : undefined;
  }
  return fn?.type === "identifier" ? text(model, fn) : undefined;
}

/** Receiver of a method call (`p` in `p.write_text(x)`). */
export function receiver(call: PyNode): PyNode | undefined {
  const fn = field(call, "function");
  return fn?.type === "attribute" ? field(fn, "object") : undefined;
}

export function positionalArgs(call: PyNode): PyNode[] {
  const args = field(call, "arguments");
  return args ? args.children.filter((c) => c.type !== "keyword_argument" && !c.type.endsWith("splat")) : [];
}

export function keywordArg(model: FileModel, call: PyNode, name: string): PyNode | undefined {
  const args = field(call, "arguments");
  for (const kw of args?.children ?? []) {
    if (kw.type !== "keyword_argument") continue;
    const key = field(kw, "name");
    if (key && text(model, key) === name) return field(kw, "value");
  }
  return undefined;
}

/** Positional argument `index`, or keyword `name`. */
export function arg(model: FileModel, call: PyNode, index: number, name?: string): PyNode | undefined {
  return positionalArgs(call)[index] ?? (name ? keywordArg(model, call, name) : undefined);
}

/** The value of a plain string literal (no interpolation), else undefined. */
export function stringValue(model: FileModel, node: PyNode | undefined): string | undefined {
  if (node?.type !== "string") return undefined;
  if (node.children.some((c) => c.type === "interpolation")) return undefined;
  return node.children.filter((c) => c.type === "string_content").map((c) => text(model, c)).join("");
}

/** The scope whose body holds `node` (innermost function, else the module). */
export function scopeOf(model: FileModel, node: PyNode): Scope {
  let best: Scope = model.module;
  for (const fn of model.functions) {
    const inside = node.start >= fn.node.start && node.end <= fn.node.end;
    if (inside && (best === model.module || fn.node.start > best.node.start)) best = fn.scope;
  }
  return best;
}

/** Values bound to a bare name in `scope`, falling back to module-level bindings. */
export function bindingsOf(model: FileModel, scope: Scope, name: string): Binding[] {
  return scope.bindings.get(name) ?? model.module.bindings.get(name) ?? [];
}
