/**
 * Parser-neutral access to ESTree nodes: oxc-parser puts offsets in `start`/`end`,
 * typescript-eslint in `range`. Everything else reads nodes through these helpers.
 */

/** An ESTree / TS-ESTree node, loosely typed: the analyzer accepts two parsers' trees. */
export interface Node {
  type: string;
  start?: number;
  end?: number;
  range?: [number, number];
  [key: string]: unknown;
}

/** Start and end offset of a node, whichever parser produced it. */
export function span(node: Node): { start: number; end: number } {
  if (node.range) return { start: node.range[0], end: node.range[1] };
  return { start: node.start ?? 0, end: node.end ?? 0 };
}

export function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && typeof (value as Node).type === "string";
}

const SKIP_KEYS = new Set(["parent", "range", "loc", "start", "end", "type", "typeAnnotation", "returnType", "typeArguments", "typeParameters", "decorators"]);

/** The child nodes of `node`, in source order for the usual shapes. */
export function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const key in node) {
    if (SKIP_KEYS.has(key)) continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) out.push(item);
    } else if (isNode(value)) {
      out.push(value);
    }
  }
  return out;
}

const WRAPPERS = new Set(["ParenthesizedExpression", "TSAsExpression", "TSSatisfiesExpression", "TSNonNullExpression", "TSTypeAssertion", "ChainExpression", "AwaitExpression"]);

/** Strips parentheses, TS casts, `await` and optional chains: `(await x as T)!` is `x`. */
export function unwrap(node: Node): Node {
  let current = node;
  while (WRAPPERS.has(current.type)) current = (current.expression ?? current.argument) as Node;
  return current;
}

/** A property name of a member expression or property key, when it is static. */
export function propertyName(node: Node): string | undefined {
  const key = (node.type === "MemberExpression" ? node.property : node.key) as Node | undefined;
  if (!key) return undefined;
  if (!node.computed && key.type === "Identifier") return key.name as string;
  if (key.type === "Literal" && typeof key.value === "string") return key.value;
  if (key.type === "TemplateLiteral" && (key.expressions as Node[]).length === 0) return templateText(key);
  return undefined;
}

/** The cooked text of a template literal without substitutions. */
export function templateText(node: Node): string {
  return (node.quasis as Node[]).map((q) => ((q.value as { cooked?: string; raw: string }).cooked ?? (q.value as { raw: string }).raw)).join("");
}

/** The value of a string literal or substitution-free template, else undefined. */
export function stringValue(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  const n = unwrap(node);
  if (n.type === "Literal" && typeof n.value === "string") return n.value;
  if (n.type === "TemplateLiteral" && (n.expressions as Node[]).length === 0) return templateText(n);
  return undefined;
}

export function isFunction(node: Node): boolean {
  return node.type === "FunctionDeclaration" || node.type === "FunctionExpression" || node.type === "ArrowFunctionExpression";
}

/** Calls `visit` on every node below `root` (pre-order); `visit` returns false to skip a subtree. */
export function walk(root: Node, visit: (node: Node) => boolean | void): void {
  const stack: Node[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (visit(node) === false) continue;
    const kids = children(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
}

/** Like {@link walk} but does not enter nested functions (the body of `root` itself is walked). */
export function walkOwn(root: Node, visit: (node: Node) => void): void {
  walk(root, (node) => {
    if (node !== root && isFunction(node)) return false;
    visit(node);
    return true;
  });
}
