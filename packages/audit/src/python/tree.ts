import { createRequire } from "node:module";
import { Language, Parser, type TreeCursor } from "web-tree-sitter";

/**
 * A plain-JS copy of a tree-sitter node (named nodes only, comments kept aside): crossing into
 * wasm for every property read is what makes naive tree-sitter walks slow.
 */
export interface PyNode {
  type: string;
  /** Field name in the parent (`function`, `arguments`, `left`, …), or undefined. */
  field: string | undefined;
  start: number;
  end: number;
  /** 0-based row and UTF-16 column, as tree-sitter reports them for JS strings. */
  row: number;
  col: number;
  endRow: number;
  endCol: number;
  children: PyNode[];
  parent: PyNode | undefined;
  /** Memo of the qualified callee of a call node (see `calleeName`). */
  callee?: string | null;
}

export interface ParsedPython {
  root: PyNode;
  source: string;
  comments: PyNode[];
  /** Set when tree-sitter had to recover from a syntax error. */
  error?: { row: number; col: number; reason: string };
}

let parserPromise: Promise<Parser> | undefined;
let language: Language | undefined;

/** Initialises web-tree-sitter and the Python grammar once per process. */
function getParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    const require = createRequire(import.meta.url);
    await Parser.init();
    language = await Language.load(require.resolve("tree-sitter-python/tree-sitter-python.wasm"));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

/** Parses Python source into a {@link ParsedPython}. */
export async function parsePython(source: string): Promise<ParsedPython> {
  const parser = await getParser();
  const tree = parser.parse(source);
  if (!tree) throw new Error("tree-sitter returned no tree");
  try {
    const comments: PyNode[] = [];
    const state: CopyState = {
      error: undefined, checkMissing: tree.rootNode.hasError, lineStarts: lineStarts(source),
      types: language?.types ?? [], fields: language?.fields ?? [],
    };
    const cursor = tree.walk();
    const root = copyTree(cursor, comments, state);
    cursor.delete();
    return { root, source, comments, ...(state.error ? { error: state.error } : {}) };
  } finally {
    tree.delete();
  }
}

/** Iterative, so that a 30,000-term expression does not overflow the stack. */
interface CopyState {
  error: ParsedPython["error"];
  /** Only a tree with errors can hold MISSING nodes: skip asking wasm otherwise. */
  checkMissing: boolean;
  lineStarts: number[];
  /** Type and field names by id: a number crosses from wasm cheaper than a string. */
  types: string[];
  fields: Array<string | null>;
}

/** UTF-16 offsets where each line starts: rows and columns are computed here rather than asked of wasm per node. */
function lineStarts(source: string): number[] {
  const starts = [0];
  for (let i = source.indexOf("\n"); i !== -1; i = source.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

function rowOf(starts: number[], index: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function copyTree(cursor: TreeCursor, comments: PyNode[], state: CopyState): PyNode {
  const root = nodeAt(cursor, undefined, state);
  let current = root;
  if (!cursor.gotoFirstChild()) return root;
  for (;;) {
    let descended = false;
    if (cursor.nodeIsNamed || (state.checkMissing && cursor.nodeIsMissing)) {
      const child = nodeAt(cursor, current, state);
      if (child.type === "comment") comments.push(child);
      else current.children.push(child);
      if (cursor.gotoFirstChild()) {
        current = child;
        descended = true;
      }
    }
    if (descended) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent() || !current.parent) return root;
      current = current.parent;
    }
  }
}

function nodeAt(cursor: TreeCursor, parent: PyNode | undefined, state: CopyState): PyNode {
  const start = cursor.startIndex;
  const end = cursor.endIndex;
  const row = rowOf(state.lineStarts, start);
  const endRow = rowOf(state.lineStarts, end);
  const node: PyNode = {
    type: state.types[cursor.nodeTypeId] ?? cursor.nodeType,
    field: state.fields[cursor.currentFieldId] ?? undefined,
    start,
    end,
    row,
    col: start - state.lineStarts[row]!,
    endRow,
    endCol: end - state.lineStarts[endRow]!,
    children: [],
    parent,
  };
  if (state.checkMissing && !state.error && (node.type === "ERROR" || cursor.nodeIsMissing)) {
    const reason = node.type === "ERROR" ? "invalid syntax" : `missing ${JSON.stringify(node.type)}`;
    state.error = { row, col: node.col, reason };
  }
  return node;
}

/** The child in field `name`, if any. */
export function field(node: PyNode, name: string): PyNode | undefined {
  return node.children.find((c) => c.field === name);
}

/** Depth-first pre-order walk (iterative); return `false` from `visit` to skip a node's children. */
export function walk(node: PyNode, visit: (n: PyNode) => boolean | void): void {
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (visit(n) === false) continue;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
}

/** Every descendant (and `node` itself) of the given types. */
export function descendants(node: PyNode, types: string | readonly string[]): PyNode[] {
  const wanted = typeof types === "string" ? [types] : types;
  const out: PyNode[] = [];
  walk(node, (n) => {
    if (wanted.includes(n.type)) out.push(n);
  });
  return out;
}

/** Nearest ancestor of one of `types`. */
export function ancestor(node: PyNode, types: readonly string[]): PyNode | undefined {
  for (let p = node.parent; p; p = p.parent) if (types.includes(p.type)) return p;
  return undefined;
}

export function isWithin(node: PyNode, container: PyNode): boolean {
  return node.start >= container.start && node.end <= container.end;
}
