/**
 * Suggestions (never autofixes) for direct state writes whose crashsafe rewrite is close but
 * changes something the author must review: a callback now called from a promise, a parent
 * directory no longer created, Bun.write's byte count gone. Where even that would be wrong
 * (unknown options, a callback that is not a plain name or function, Blob data) there is none.
 */
import { isFunction, span, unwrap, type Node } from "../js/ast.js";
import type { ModuleFacts } from "../js/facts.js";
import { refKey } from "../js/resolve.js";
import { isSerialized } from "../js/values.js";
import type { WriteSite } from "../js/writes.js";
import { canImport, hasCallback, jsonOptionsEdit, optionsEdit, withImport, type FixPlan, type TextEdit } from "./plan.js";

/** An edit set offered to the author, with what it does and what to check. */
export interface Suggestion {
  desc: string;
  edits: TextEdit[];
}

interface Target {
  importName: FixPlan["importName"];
  json: boolean;
  /** What the rewrite changes, for the author to review. */
  notes: string[];
  /** The API always ends with a callback (node's fs.writeFile). */
  callbackRequired?: boolean;
}

const OUTPUT = "the parent directory is no longer created, it must exist";
const CALLBACK = "the callback now runs from a promise, after the data is durable";
const JSONFILE = "the JSON text is the same, the write now goes through crashsafe instead of jsonfile";
const BUN = "Bun.write created missing parent directories and resolved to the byte count, writeFileAtomic does neither";

const TARGETS = new Map<string, Target>([
  ["fs:writeFile", { importName: "writeFileAtomic", json: false, notes: [], callbackRequired: true }],
  ["fs-extra:writeFile", { importName: "writeFileAtomic", json: false, notes: [] }],
  ["fs-extra:writeJson", { importName: "writeJson", json: true, notes: [] }],
  ["fs-extra:writeJSON", { importName: "writeJson", json: true, notes: [] }],
  ["fs-extra:outputJson", { importName: "writeJson", json: true, notes: [OUTPUT] }],
  ["fs-extra:outputJSON", { importName: "writeJson", json: true, notes: [OUTPUT] }],
  ["fs-extra:outputJsonSync", { importName: "writeJsonSync", json: true, notes: [OUTPUT] }],
  ["fs-extra:outputJSONSync", { importName: "writeJsonSync", json: true, notes: [OUTPUT] }],
  ["fs-extra:outputFile", { importName: "writeFileAtomic", json: false, notes: [OUTPUT] }],
  ["fs-extra:outputFileSync", { importName: "writeFileAtomicSync", json: false, notes: [OUTPUT] }],
  ["jsonfile:writeFile", { importName: "writeJson", json: true, notes: [JSONFILE] }],
  ["jsonfile:writeFileSync", { importName: "writeJsonSync", json: true, notes: [JSONFILE] }],
  ["global:Bun.write", { importName: "writeFileAtomic", json: false, notes: [BUN] }],
]);

function sourceOf(facts: ModuleFacts, node: Node): string {
  const { start, end } = span(node);
  return facts.source.slice(start, end);
}

/** The completion callback of an async call, when it ends with one. */
function callbackOf(call: Node, target: Target): Node | undefined {
  const args = call.arguments as Node[];
  if (target.importName.endsWith("Sync")) return undefined;
  if (target.callbackRequired) return args.length >= 3 ? args[args.length - 1] : undefined;
  return hasCallback(call) ? args[args.length - 1] : undefined;
}

/**
 * `fs.writeFile(p, d, cb)` → `writeFileAtomic(p, d).then(() => cb(null), cb)`: the callback moves
 * behind the promise. Only a plain name or an inline function moves without changing `this`.
 */
function callbackEdits(facts: ModuleFacts, call: Node, callback: Node, lastKept: Node): TextEdit[] | undefined {
  const cb = unwrap(callback);
  const end = span(call).end;
  const removal = { start: span(lastKept).end, end: span(callback).end, text: "" };
  if (cb.type === "Identifier") return [removal, { start: end, end, text: `.then(() => ${cb.name as string}(null), ${cb.name as string})` }];
  if (isFunction(cb)) return [removal, { start: end, end, text: `.then(() => null, (err) => err).then(${sourceOf(facts, callback)})` }];
  return undefined;
}

/** Bun.write only when the data is serialized text and the target a path (not a Blob or BunFile). */
function bunWriteFits(w: WriteSite): boolean {
  const args = w.site.node.arguments as Node[];
  const path = args[0] && unwrap(args[0]);
  if (args.length !== 2 || !path || !isSerialized(w.dataExpr, w.site.scope)) return false;
  return !(path.type === "CallExpression" && refKey(path.callee as Node, w.site.scope) === "global:Bun.file");
}

/** The suggestion for a direct write that {@link planFix} left alone, or undefined when none is right. */
export function suggestWrite(facts: ModuleFacts, w: WriteSite): Suggestion | undefined {
  const target = w.kind === "direct" && w.site.key ? TARGETS.get(w.site.key) : undefined;
  const call = w.site.node;
  const args = call.arguments as Node[];
  if (!target || args.some((a) => a.type === "SpreadElement") || !canImport(w.site.scope, target.importName)) return undefined;
  if (w.site.key === "global:Bun.write" && !bunWriteFits(w)) return undefined;
  const callback = callbackOf(call, target);
  if (target.callbackRequired && !callback) return undefined;
  const kept = callback ? args.slice(0, -1) : args;
  if (kept.length < 2 || kept.length > 3) return undefined;
  const argEdits = target.json ? jsonOptionsEdit(facts, kept) : optionsEdit(facts, kept[2]);
  const cbEdits = callback ? callbackEdits(facts, call, callback, kept[kept.length - 1]!) : [];
  if (!argEdits || !cbEdits) return undefined;
  const notes = callback ? [...target.notes, CALLBACK] : target.notes;
  // Nothing to review means planFix refused for a reason this table does not know: no suggestion either.
  if (notes.length === 0) return undefined;
  const plan = withImport(facts, [{ ...span(call.callee as Node), text: target.importName }, ...argEdits, ...cbEdits], target.importName);
  return { desc: `Replace with crashsafe's ${target.importName} (review: ${notes.join("; ")})`, edits: plan.edits };
}
