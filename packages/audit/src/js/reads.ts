/**
 * Readers of state files, to link each writer to what reads the same file on the next start:
 * direct reads (readFileSync, readJson…) and calls of local helpers that read the path they take.
 * Each read records what happens when the file is corrupt: throws, silently resets, or handled.
 */
import { posix } from "node:path";
import { span, unwrap, type Node } from "./ast.js";
import { READERS } from "./apis.js";
import { textOf, type CallSite, type ModuleFacts } from "./facts.js";
import { fileName, paramSource, pathParts } from "./values.js";
import { calledFunction } from "./writes.js";
import { parsesFile } from "./resets.js";

export interface StateRead {
  /** The file name (`state.json`) or, when it is not literal, the path expression's text. */
  key: string;
  start: number;
  outcome: "throws" | "reset" | "handled";
}

/** A function that reads the path it takes as a parameter. */
export interface ReaderHelper {
  fn: Node;
  name: string;
  pathParam: number;
  outcome: StateRead["outcome"];
  /** Offset of the read inside the helper. */
  start: number;
}

/** How writers and readers name a file: its literal file name, else the path expression's text. */
export function pathKey(facts: ModuleFacts, expr: Node | undefined, site: CallSite): string | undefined {
  if (!expr) return undefined;
  const name = fileName(pathParts(expr, site.scope));
  if (name) return name;
  const shared = moduleConstantKey(facts, expr, site);
  if (shared) return shared;
  const text = textOf(facts, expr);
  // `this.files.fired` in a method and `files.fired` in the constructor name the same file.
  return `\`${text.startsWith("this.") ? text.slice(5) : text}\``;
}

/** Drops a source extension: `src/paths.ts` and an import of `./paths.js` name the same module. */
function stem(file: string): string {
  return file.replace(/\.(d\.)?[cm]?[jt]sx?$/, "");
}

/**
 * A module-level constant, or one imported from a project module, names the same file in every
 * module that uses it: `§src/paths#STATE_FILE` (relative to the project, so writers and readers in
 * different modules link).
 */
function moduleConstantKey(facts: ModuleFacts, expr: Node, site: CallSite): string | undefined {
  const id = unwrap(expr);
  if (id.type !== "Identifier" || !facts.filename) return undefined;
  const b = site.scope.lookup(id.name as string);
  if (b?.kind === "import" && b.source && (b.source.startsWith("./") || b.source.startsWith("../")) && b.imported !== "*") {
    return `§${stem(posix.join(posix.dirname(facts.filename), b.source))}#${b.imported}`;
  }
  if (b?.kind === "var" && facts.rootScope.vars.get(id.name as string) === b) return `§${stem(facts.filename)}#${id.name as string}`;
  return undefined;
}

/** How a key reads in a message: the file name, or the expression / constant name in backticks. */
export function displayKey(key: string): string {
  if (key.startsWith("§")) return `\`${key.slice(key.lastIndexOf("#") + 1)}\``;
  return key.startsWith("`") ? key : `"${key}"`;
}

/** A try around the read alone (the parse after it) still lets a corrupt file throw. */
function outcomeOf(c: CallSite, resetNodes: Set<Node>): StateRead["outcome"] {
  let outcome: StateRead["outcome"] = "throws";
  for (const a of c.ancestors) {
    if (a.type === "TryStatement" && a.handler && parsesFile(a.block as Node, c.scope)) outcome = resetNodes.has(a.handler as Node) ? "reset" : "handled";
    if (resetNodes.has(a)) outcome = "reset";
  }
  return outcome;
}

export function analyzeReads(facts: ModuleFacts, resetNodes: Set<Node>): { reads: StateRead[]; helpers: Map<Node, ReaderHelper> } {
  const reads: StateRead[] = [];
  const helpers = new Map<Node, ReaderHelper>();
  for (const c of facts.calls) {
    if (!c.key || !READERS.has(c.key)) continue;
    const path = (c.node.arguments as Node[])[0];
    const name = c.fn && facts.functionNames.get(c.fn);
    const pathParam = paramSource(path, c.scope, c.fn);
    const outcome = outcomeOf(c, resetNodes);
    const start = span(c.node).start;
    if (name && pathParam !== undefined) {
      if (!helpers.has(c.fn!)) helpers.set(c.fn!, { fn: c.fn!, name, pathParam, outcome, start });
      continue;
    }
    const key = pathKey(facts, path, c);
    if (key) reads.push({ key, start, outcome });
  }
  if (helpers.size) {
    for (const c of facts.calls) {
      const fn = calledFunction(c);
      const h = fn && helpers.get(fn);
      const key = h && pathKey(facts, (c.node.arguments as Node[])[h.pathParam], c);
      if (h && key) reads.push({ key, start: h.start, outcome: h.outcome });
    }
  }
  return { reads, helpers };
}
