/**
 * One walk over a program that records what the rules need, each with the scope it occurs in
 * and its ancestors: calls (with their resolved callee) and try statements.
 */
import { children, isFunction, span, type Node } from "./ast.js";
import { refKey } from "./resolve.js";
import { openScope, type Scope } from "./scope.js";

export interface Site {
  node: Node;
  scope: Scope;
  /** Outermost first; does not include `node`. */
  ancestors: Node[];
}

export interface CallSite extends Site {
  /** Resolved callee, "module:path" (see resolve.ts), when it resolves. */
  key: string | undefined;
}

export interface ModuleFacts {
  program: Node;
  source: string;
  filename: string;
  calls: CallSite[];
  tries: Site[];
  rootScope: Scope;
}

export function collectFacts(program: Node, source: string, filename: string): ModuleFacts {
  const calls: CallSite[] = [];
  const tries: Site[] = [];
  const rootScope = openScope(program, undefined)!;
  const ancestors: Node[] = [];
  const visit = (node: Node, scope: Scope): void => {
    const parent = ancestors[ancestors.length - 1];
    const isFnBody = parent !== undefined && isFunction(parent) && parent.body === node;
    const inner = node === program ? scope : ((isFnBody ? undefined : openScope(node, scope)) ?? scope);
    if (node.type === "CallExpression" || node.type === "NewExpression") {
      calls.push({ node, scope: inner, ancestors: ancestors.slice(), key: refKey(node.callee as Node, inner) });
    } else if (node.type === "TryStatement") {
      tries.push({ node, scope: inner, ancestors: ancestors.slice() });
    }
    ancestors.push(node);
    for (const child of children(node)) visit(child, inner);
    ancestors.pop();
  };
  visit(program, rootScope);
  return { program, source, filename, calls, tries, rootScope };
}

/** The innermost function among a site's ancestors (undefined at module level). */
export function enclosingFunction(site: Site): Node | undefined {
  for (let i = site.ancestors.length - 1; i >= 0; i--) if (isFunction(site.ancestors[i]!)) return site.ancestors[i];
  return undefined;
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
