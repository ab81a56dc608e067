/**
 * One walk over a program that records what the rules need, each with the scope it occurs in
 * and its ancestors: calls (with their resolved callee) and try statements.
 */
import { children, isFunction, span, type Node } from "./ast.js";
import { refKey } from "./resolve.js";
import { openScope, type Scope } from "./scope.js";

/** The path from the root to a node, shared between siblings (one cell per visited node). */
interface Chain {
  node: Node;
  up: Chain | undefined;
}

/** Where a node occurs. Ancestors are materialised on first use: most sites never need them. */
export class Site {
  #ancestors: Node[] | undefined;
  constructor(
    readonly node: Node,
    readonly scope: Scope,
    private readonly chain: Chain | undefined,
    /** The innermost enclosing function (undefined at module level). */
    readonly fn: Node | undefined,
  ) {}

  /** Outermost first; does not include `node`. */
  get ancestors(): Node[] {
    if (!this.#ancestors) {
      const out: Node[] = [];
      for (let c = this.chain; c; c = c.up) out.push(c.node);
      this.#ancestors = out.reverse();
    }
    return this.#ancestors;
  }
}

export class CallSite extends Site {
  /** Resolved callee, "module:path" (see resolve.ts), when it resolves. */
  key: string | undefined;
  constructor(node: Node, scope: Scope, chain: Chain | undefined, fn: Node | undefined) {
    super(node, scope, chain, fn);
    this.key = refKey(node.callee as Node, scope);
  }
}

export interface ModuleFacts {
  program: Node;
  source: string;
  filename: string;
  calls: CallSite[];
  tries: Site[];
  rootScope: Scope;
  /** Names of functions, from their id or what they are assigned to. */
  functionNames: Map<Node, string>;
}

export function collectFacts(program: Node, source: string, filename: string): ModuleFacts {
  const calls: CallSite[] = [];
  const tries: Site[] = [];
  const functionNames = new Map<Node, string>();
  const rootScope = openScope(program, undefined)!;
  // Iterative, not recursive: generated code nests 10,000s deep (long `+` chains) and must not overflow.
  // Class fields: `file = "state.json"` and `this.file = …` in any method, per class body.
  const classFields = new Map<Node, Map<string, Node[]>>();
  const addField = (fields: Map<string, Node[]> | undefined, name: string | undefined, value: Node | undefined): void => {
    if (fields && name !== undefined && value) fields.set(name, [...(fields.get(name) ?? []), value]);
  };
  const stack: Array<[Node, Scope, Chain | undefined, Node | undefined]> = [[program, rootScope, undefined, undefined]];
  while (stack.length) {
    const [node, scope, chain, fn] = stack.pop()!;
    const parent = chain?.node;
    const isFnBody = parent !== undefined && isFunction(parent) && parent.body === node;
    const inner = node === program ? scope : ((isFnBody ? undefined : openScope(node, scope)) ?? scope);
    if (node.type === "CallExpression" || node.type === "NewExpression") calls.push(new CallSite(node, inner, chain, fn));
    else if (node.type === "TryStatement") tries.push(new Site(node, inner, chain, fn));
    else if (node.type === "AssignmentExpression" && node.operator === "=" && (node.left as Node).type === "Identifier") {
      const b = inner.lookup((node.left as Node).name as string);
      if (b) (b.assigned ??= []).push(node.right as Node);
    } else if (node.type === "AssignmentExpression" && node.operator === "=" && (node.left as Node).type === "MemberExpression" && ((node.left as Node).object as Node).type === "ThisExpression") {
      addField(thisFieldsOf(inner), memberName(node.left as Node), node.right as Node);
    } else if (node.type === "ClassBody") {
      classFields.set(node, new Map());
    } else if (node.type === "PropertyDefinition" && parent?.type === "ClassBody" && !node.static) {
      addField(classFields.get(parent), memberName({ type: "MemberExpression", property: node.key, computed: node.computed }), node.value as Node | undefined);
    }
    if (node.type === "FunctionExpression" && parent?.type === "MethodDefinition" && chain?.up?.node.type === "ClassBody") inner.thisFields = classFields.get(chain.up.node);
    let innerFn = fn;
    if (isFunction(node)) {
      innerFn = node;
      const name = functionName(node, parent);
      if (name) functionNames.set(node, name);
    }
    const here: Chain = { node, up: chain };
    const kids = children(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, inner, here, innerFn]);
  }
  return { program, source, filename, calls, tries, rootScope, functionNames };
}

/** `this.file` → "file", `this.#tmp` → "#tmp". */
export function memberName(member: Node): string | undefined {
  const prop = member.property as Node;
  if (member.computed) return undefined;
  return prop.type === "PrivateIdentifier" ? `#${prop.name as string}` : (prop.name as string | undefined);
}

/** The fields of the class whose method a scope belongs to (arrows included), if any. */
function thisFieldsOf(scope: Scope): Map<string, Node[]> | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    if (s.thisFields) return s.thisFields;
    if (s.node.type === "FunctionExpression" || s.node.type === "FunctionDeclaration") return undefined;
  }
  return undefined;
}

/** The innermost function among a site's ancestors (undefined at module level). */
export function enclosingFunction(site: Site): Node | undefined {
  return site.fn;
}

/** A readable name for a function node, from its id or what it is assigned to. */
export function functionName(fn: Node, parent: Node | undefined): string | undefined {
  const id = fn.id as Node | null | undefined;
  if (id?.name) return id.name as string;
  if (!parent) return undefined;
  const target = (parent.type === "VariableDeclarator" ? parent.id : parent.type === "AssignmentExpression" ? parent.left : parent.type === "Property" || parent.type === "MethodDefinition" || parent.type === "PropertyDefinition" ? parent.key : undefined) as Node | undefined;
  if (!target) return undefined;
  if (target.type === "Identifier") return target.name as string;
  if (target.type === "MemberExpression" && !target.computed) return ((target.property as Node).name as string) ?? undefined;
  return undefined;
}

/** Names of the functions enclosing a site, innermost first. */
export function enclosingFunctionNames(site: Site): string[] {
  const names: string[] = [];
  for (let i = site.ancestors.length - 1; i >= 0; i--) {
    const a = site.ancestors[i]!;
    if (isFunction(a)) {
      const name = functionName(a, site.ancestors[i - 1]);
      if (name) names.push(name);
    }
  }
  return names;
}

/** Source text of a node with whitespace removed: how two path expressions are compared. */
export function textOf(facts: ModuleFacts, node: Node): string {
  const { start, end } = span(node);
  return facts.source.slice(start, end).replace(/\s+/g, "");
}
