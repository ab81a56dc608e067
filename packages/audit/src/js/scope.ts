/**
 * Lexical scopes, just enough to know what a name refers to: an import or `require` (and which
 * export of it), a local variable's initializer, a parameter, or a local function.
 */
import { isFunction, propertyName, walkOwn, type Node } from "./ast.js";

export interface Binding {
  name: string;
  kind: "import" | "var" | "param" | "function" | "catch";
  /** import: module specifier; `imported` is "default", "*" or the export name. */
  source?: string;
  imported?: string;
  /** var: the initializer and the destructuring path taken from it (`const { a: { b } } = x` → ["a","b"]). */
  init?: Node;
  path?: string[];
  /** param / function: the function node and (param) the position. */
  fn?: Node;
  index?: number;
  /** Values assigned to the variable after its declaration (`x = …`). */
  assigned?: Node[];
}

export class Scope {
  readonly vars = new Map<string, Binding>();
  /** In a class method's scope: the values assigned to `this.<field>` anywhere in the class. */
  thisFields: Map<string, Node[]> | undefined;
  constructor(readonly parent: Scope | undefined, readonly node: Node) {}

  /** What `this.<name>` may hold here: arrows see their method's `this`, other functions their own. */
  thisField(name: string): Node[] | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      if (s.thisFields) return s.thisFields.get(name);
      if (s.node.type === "FunctionExpression" || s.node.type === "FunctionDeclaration") return undefined;
    }
    return undefined;
  }

  lookup(name: string): Binding | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const b = s.vars.get(name);
      if (b) return b;
    }
    return undefined;
  }

  /** The nearest enclosing function node (undefined at module level). */
  get fn(): Node | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) if (isFunction(s.node)) return s.node;
    return undefined;
  }
}

/** Adds the names bound by a pattern (`a`, `{ a, b: c }`, `[a, ...b]`, `a = 1`). */
export function declarePattern(scope: Scope, pattern: Node | null | undefined, make: (name: string, path: string[]) => Binding, path: string[] = []): void {
  if (!pattern) return;
  switch (pattern.type) {
    case "Identifier":
      scope.vars.set(pattern.name as string, make(pattern.name as string, path));
      return;
    case "ObjectPattern":
      for (const prop of pattern.properties as Node[]) {
        if (prop.type === "RestElement") declarePattern(scope, prop.argument as Node, make, path);
        else {
          const key = propertyName(prop);
          declarePattern(scope, prop.value as Node, make, key === undefined ? [...path, "?"] : [...path, key]);
        }
      }
      return;
    case "ArrayPattern":
      for (const el of pattern.elements as Array<Node | null>) declarePattern(scope, el, make, [...path, "?"]);
      return;
    case "AssignmentPattern":
      declarePattern(scope, pattern.left as Node, make, path);
      return;
    case "RestElement":
      declarePattern(scope, pattern.argument as Node, make, [...path, "?"]);
      return;
    case "TSParameterProperty":
      declarePattern(scope, pattern.parameter as Node, make, path);
      return;
  }
}

function declareVariables(scope: Scope, decl: Node): void {
  for (const d of decl.declarations as Node[]) {
    const init = (d.init as Node | null) ?? undefined;
    declarePattern(scope, d.id as Node, (name, path) => ({ name, kind: "var", init, path }));
  }
}

function declareImport(scope: Scope, decl: Node): void {
  const source = (decl.source as Node).value as string;
  for (const spec of (decl.specifiers as Node[]) ?? []) {
    const local = (spec.local as Node).name as string;
    const imported =
      spec.type === "ImportDefaultSpecifier" ? "default" : spec.type === "ImportNamespaceSpecifier" ? "*" : (propertyName({ type: "Property", key: spec.imported as Node, computed: false }) ?? "?");
    scope.vars.set(local, { name: local, kind: "import", source, imported });
  }
}

/** TypeScript's `import fs = require("fs")`. */
function declareImportEquals(scope: Scope, decl: Node): void {
  const ref = decl.moduleReference as Node;
  const source = ref.type === "TSExternalModuleReference" ? ((ref.expression as Node).value as string) : undefined;
  const name = (decl.id as Node).name as string;
  if (typeof source === "string") scope.vars.set(name, { name, kind: "import", source, imported: "*" });
  else scope.vars.set(name, { name, kind: "var" });
}

/** Declares what a statement list binds directly (imports, let/const/var, functions, classes). */
function declareStatements(scope: Scope, statements: Node[]): void {
  for (let st of statements) {
    if ((st.type === "ExportNamedDeclaration" || st.type === "ExportDefaultDeclaration") && st.declaration) st = st.declaration as Node;
    if (st.type === "ImportDeclaration") declareImport(scope, st);
    else if (st.type === "VariableDeclaration") declareVariables(scope, st);
    else if (st.type === "FunctionDeclaration" && st.id) scope.vars.set((st.id as Node).name as string, { name: (st.id as Node).name as string, kind: "function", fn: st });
    else if (st.type === "TSImportEqualsDeclaration") declareImportEquals(scope, st);
    else if (st.type === "ClassDeclaration" && st.id) scope.vars.set((st.id as Node).name as string, { name: (st.id as Node).name as string, kind: "var" });
  }
}

/** `var` declarations anywhere in a function body (not in nested functions) belong to it. */
function hoistVars(scope: Scope, body: Node): void {
  walkOwn(body, (n) => {
    if (n.type === "VariableDeclaration" && n.kind === "var") declareVariables(scope, n);
  });
}

/** The scope a node opens, or undefined when it opens none. */
export function openScope(node: Node, parent: Scope | undefined): Scope | undefined {
  switch (node.type) {
    case "Program": {
      const s = new Scope(parent, node);
      declareStatements(s, node.body as Node[]);
      hoistVars(s, node);
      return s;
    }
    case "FunctionDeclaration":
    case "FunctionExpression":
    case "ArrowFunctionExpression": {
      const s = new Scope(parent, node);
      if (node.type === "FunctionExpression" && node.id) s.vars.set((node.id as Node).name as string, { name: (node.id as Node).name as string, kind: "function", fn: node });
      (node.params as Node[]).forEach((p, index) => declarePattern(s, p, (name) => ({ name, kind: "param", fn: node, index })));
      const body = node.body as Node;
      if (body.type === "BlockStatement") {
        declareStatements(s, body.body as Node[]);
        hoistVars(s, body);
      }
      return s;
    }
    case "BlockStatement":
    case "StaticBlock": {
      const s = new Scope(parent, node);
      declareStatements(s, node.body as Node[]);
      return s;
    }
    case "ForStatement":
    case "ForInStatement":
    case "ForOfStatement": {
      const decl = (node.init ?? node.left) as Node | undefined;
      if (!decl || decl.type !== "VariableDeclaration") return undefined;
      const s = new Scope(parent, node);
      declareVariables(s, decl);
      return s;
    }
    case "CatchClause": {
      const s = new Scope(parent, node);
      declarePattern(s, node.param as Node | null, (name) => ({ name, kind: "catch" }));
      return s;
    }
    case "SwitchStatement": {
      const s = new Scope(parent, node);
      for (const c of node.cases as Node[]) declareStatements(s, c.consequent as Node[]);
      return s;
    }
  }
  return undefined;
}
