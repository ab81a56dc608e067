import { createRequire } from "node:module";
import { Language, Parser, type TreeCursor } from "web-tree-sitter";
import { lineIndex, lineStarts } from "../lines.js";

/**
 * A plain-JS copy of a tree-sitter node (named nodes only, comments kept aside): crossing into
 * wasm for every property read is what makes naive tree-sitter walks slow. Positions are read from
 * the file's flat buffer rather than copied: every tree is held until the audit ends, and the
 * smaller each node, the less the garbage collector has to copy and trace.
 */
export class PyNode {
  /** Memo of the qualified callee of a call node (see `calleeName`). */
  callee: string | null | undefined = undefined;

  constructor(
    readonly type: string,
    /** Field name in the parent (`function`, `arguments`, `left`, …), or undefined. */
    readonly field: string | undefined,
    readonly children: PyNode[],
    readonly parent: PyNode | undefined,
    private readonly data: Int32Array,
    /** Offset of this node's record in `data` (see {@link EncodedPython.nodes}). */
    private readonly at: number,
  ) {}

  get start(): number {
    return this.data[this.at + 2]!;
  }

  get end(): number {
    return this.data[this.at + 3]!;
  }

  /** 0-based row and UTF-16 column, as tree-sitter reports them for JS strings. */
  get row(): number {
    return this.data[this.at + 4]!;
  }

  get col(): number {
    return this.data[this.at + 5]!;
  }

  get endRow(): number {
    return this.data[this.at + 6]!;
  }

  get endCol(): number {
    return this.data[this.at + 7]!;
  }
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

/**
 * A parsed file as flat numbers plus a table of the type and field names it uses, so that it
 * crosses from a worker thread as one transferable buffer instead of a graph of objects.
 */
export interface EncodedPython {
  /** {@link NODE_WIDTH} numbers per named node, in pre-order: see {@link nodeAt}. */
  nodes: Int32Array;
  names: string[];
  error?: ParsedPython["error"];
}

const NODE_WIDTH = 9;

/** Parses Python source into a {@link ParsedPython}. */
export async function parsePython(source: string): Promise<ParsedPython> {
  return decodePython(source, await encodePython(source));
}

/** The per-file, thread-independent half of {@link parsePython}: tree-sitter's parse, flattened. */
export async function encodePython(source: string): Promise<EncodedPython> {
  const parser = await getParser();
  const tree = parser.parse(source);
  if (!tree) throw new Error("tree-sitter returned no tree");
  try {
    const state: CopyState = {
      error: undefined, checkMissing: tree.rootNode.hasError, lineStarts: lineStarts(source),
      types: language?.types ?? [], fields: language?.fields ?? [], out: [], names: new Map(),
    };
    const cursor = tree.walk();
    copyTree(cursor, state);
    cursor.delete();
    return { nodes: Int32Array.from(state.out), names: [...state.names.keys()], ...(state.error ? { error: state.error } : {}) };
  } finally {
    tree.delete();
  }
}

/** Rebuilds the node objects of an {@link EncodedPython}: comments go aside, every other node under its parent. */
export function decodePython(source: string, encoded: EncodedPython): ParsedPython {
  const { nodes: n, names } = encoded;
  const counts = childCounts(encoded);
  const filled = new Uint32Array(counts.length);
  const built: PyNode[] = [];
  const comments: PyNode[] = [];
  for (let i = 0; i < n.length; i += NODE_WIDTH) {
    const parentIndex = n[i + 8]!;
    const parent = parentIndex < 0 ? undefined : built[parentIndex];
    const count = counts[i / NODE_WIDTH]!;
    // Children sized up front: an array grown by push reserves 16 slots.
    const children = count > 0 ? new Array<PyNode>(count) : NO_CHILDREN;
    const node = new PyNode(names[n[i]!]!, n[i + 1]! < 0 ? undefined : names[n[i + 1]!], children, parent, n, i);
    built.push(node);
    if (node.type === "comment") comments.push(node);
    else if (parent) parent.children[filled[parentIndex]!++] = node;
  }
  return { root: built[0]!, source, comments, ...(encoded.error ? { error: encoded.error } : {}) };
}

/**
 * The `children` of every leaf: half the nodes are leaves, and one empty array per leaf is a large
 * share of what the garbage collector has to trace in a big project. Nothing appends to a decoded tree.
 */
const NO_CHILDREN: PyNode[] = [];

/** The number of children of every node (comments are kept aside, not under their parent). */
function childCounts({ nodes: n, names }: EncodedPython): Uint32Array {
  const out = new Uint32Array(n.length / NODE_WIDTH);
  for (let i = 0; i < n.length; i += NODE_WIDTH) {
    const parent = n[i + 8]!;
    if (parent >= 0 && names[n[i]!] !== "comment") out[parent] = out[parent]! + 1;
  }
  return out;
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
  out: number[];
  /** Name → its index in {@link EncodedPython.names}. */
  names: Map<string, number>;
}

/** Appends the named nodes below the cursor in pre-order, each with the index of its parent. */
function copyTree(cursor: TreeCursor, state: CopyState): void {
  const parents = [nodeAt(cursor, -1, state)];
  if (!cursor.gotoFirstChild()) return;
  for (;;) {
    let descended = false;
    if (cursor.nodeIsNamed || (state.checkMissing && cursor.nodeIsMissing)) {
      const child = nodeAt(cursor, parents.at(-1)!, state);
      if (cursor.gotoFirstChild()) {
        parents.push(child);
        descended = true;
      }
    }
    if (descended) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent() || parents.length <= 1) return;
      parents.pop();
    }
  }
}

function nameId(state: CopyState, name: string): number {
  let id = state.names.get(name);
  if (id === undefined) {
    id = state.names.size;
    state.names.set(name, id);
  }
  return id;
}

/** Writes type, field, start, end, row, col, endRow, endCol, parent index; returns the node's index. */
function nodeAt(cursor: TreeCursor, parent: number, state: CopyState): number {
  const start = cursor.startIndex;
  const end = cursor.endIndex;
  const row = lineIndex(state.lineStarts, start);
  const endRow = lineIndex(state.lineStarts, end);
  const col = start - state.lineStarts[row]!;
  const type = state.types[cursor.nodeTypeId] ?? cursor.nodeType;
  const fieldName = state.fields[cursor.currentFieldId] ?? undefined;
  const index = state.out.length / NODE_WIDTH;
  state.out.push(nameId(state, type), fieldName === undefined ? -1 : nameId(state, fieldName), start, end, row, col, endRow, end - state.lineStarts[endRow]!, parent);
  if (state.checkMissing && !state.error && (type === "ERROR" || cursor.nodeIsMissing)) {
    const reason = type === "ERROR" ? "invalid syntax" : `missing ${JSON.stringify(type)}`;
    state.error = { row, col, reason };
  }
  return index;
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
