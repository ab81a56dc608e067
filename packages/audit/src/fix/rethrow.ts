/**
 * The `silent-state-reset` suggestion: rethrow every error but ENOENT, so that a missing file
 * still starts from the default while a corrupt or unreadable one stops the program. The test is
 * written to type-check in strict TypeScript (`unknown` catch variables) as well as run in JS.
 */
import { span, walk, type Node } from "../js/ast.js";
import type { Scope } from "../js/scope.js";
import type { TextEdit } from "./plan.js";

export const RETHROW_DESC = "Rethrow errors other than ENOENT (a missing file keeps the default)";

const CANDIDATE_NAMES = ["err", "error", "cause", "readError"];

function rethrow(name: string): string {
  return `if (!(${name} instanceof Error && "code" in ${name} && ${name}.code === "ENOENT")) throw ${name};`;
}

/** A name for the error that is not in scope and that the handler does not use (no shadowing either way). */
function freshName(handler: Node, scope: Scope): string | undefined {
  const used = new Set<string>();
  walk(handler, (n) => void (n.type === "Identifier" && used.add(n.name as string)));
  return CANDIDATE_NAMES.find((n) => !used.has(n) && !scope.lookup(n));
}

/** The rethrow as the block's first statement: on its own line when the block is laid out over lines. */
function insertInBlock(source: string, block: Node, name: string): TextEdit {
  const first = (block.body as Node[])[0];
  const open = span(block).start + 1;
  if (!first) return { start: open, end: open, text: ` ${rethrow(name)} ` };
  const at = span(first).start;
  const before = source.slice(open, at);
  const nl = before.lastIndexOf("\n");
  if (nl < 0) return { start: at, end: at, text: `${rethrow(name)} ` };
  const indent = /^[ \t]*/.exec(before.slice(nl + 1))![0];
  return { start: at, end: at, text: `${rethrow(name)}\n${indent}` };
}

/** `catch (e) { … }` / `catch { … }` → the same handler, rethrowing first (a parameter added when missing). */
export function catchClauseRethrow(source: string, handler: Node, scope: Scope): TextEdit[] | undefined {
  const param = handler.param as Node | null;
  if (param && param.type !== "Identifier") return undefined;
  const name = param ? (param.name as string) : freshName(handler, scope);
  const at = span(handler).start + "catch".length;
  if (!name || (!param && !source.startsWith("catch", span(handler).start))) return undefined;
  const edits = [insertInBlock(source, handler.body as Node, name)];
  return param ? edits : [{ start: at, end: at, text: ` (${name})` }, ...edits];
}

/** The value of an arrow's expression body, without the parentheses around an object literal. */
function arrowValue(source: string, body: Node): string {
  let inner = body;
  while (inner.type === "ParenthesizedExpression") inner = inner.expression as Node;
  return source.slice(span(inner).start, span(inner).end);
}

/**
 * `.catch(() => ({}))` → `.catch((err) => { if (…) throw err; return {}; })`, and a block-bodied
 * handler gets the rethrow as its first statement.
 */
export function promiseHandlerRethrow(source: string, handler: Node, scope: Scope): TextEdit[] | undefined {
  const first = (handler.params as Node[])[0];
  if ((first && first.type !== "Identifier") || handler.typeParameters) return undefined;
  const name = first ? (first.name as string) : freshName(handler, scope);
  if (!name) return undefined;
  const body = handler.body as Node;
  const edits: TextEdit[] = [];
  if (!first) {
    const open = source.indexOf("(", span(handler).start);
    if (open < 0 || open > span(body).start || !/^\(\s*\)/.test(source.slice(open))) return undefined;
    edits.push({ start: open + 1, end: open + 1, text: name });
  }
  if (body.type === "BlockStatement") return [...edits, insertInBlock(source, body, name)];
  const arrow = source.lastIndexOf("=>", span(body).start);
  const end = span(handler).end;
  return [...edits, { start: arrow + 2, end, text: ` { ${rethrow(name)} return ${arrowValue(source, body)}; }` }];
}
