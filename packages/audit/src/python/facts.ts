import {
  arg, bindingsOf, calleeAttr, calleeName, field, keywordArg, positionalArgs, receiver, stringValue, text,
  type FileModel, type Scope,
} from "./model.js";
import { descendants, type PyNode } from "./tree.js";

/** `json.dumps(x)` and friends: calls that return serialized state. */
const SERIALIZERS: Record<string, string> = {
  "json.dumps": "JSON", "simplejson.dumps": "JSON", "ujson.dumps": "JSON", "orjson.dumps": "JSON",
  "rapidjson.dumps": "JSON", "json5.dumps": "JSON", "yaml.dump": "YAML", "yaml.safe_dump": "YAML",
  "yaml.dump_all": "YAML", "yaml.safe_dump_all": "YAML", "toml.dumps": "TOML", "tomli_w.dumps": "TOML",
  "tomlkit.dumps": "TOML", "pickle.dumps": "pickle", "cPickle.dumps": "pickle", "_pickle.dumps": "pickle",
  "dill.dumps": "pickle", "cloudpickle.dumps": "pickle", "marshal.dumps": "marshal", "msgpack.packb": "msgpack",
  "msgpack.dumps": "msgpack",
};
const SERIALIZER_METHODS: Record<string, string> = { model_dump_json: "JSON", to_json: "JSON", SerializeToString: "protobuf" };

/** `json.dump(x, f)` and friends: calls that serialize into a file handle (handle position, keyword). */
const DUMPERS: Record<string, { format: string; index: number; keyword: string }> = {
  "json.dump": { format: "JSON", index: 1, keyword: "fp" }, "simplejson.dump": { format: "JSON", index: 1, keyword: "fp" },
  "ujson.dump": { format: "JSON", index: 1, keyword: "fp" }, "json5.dump": { format: "JSON", index: 1, keyword: "fp" },
  "yaml.dump": { format: "YAML", index: 1, keyword: "stream" }, "yaml.safe_dump": { format: "YAML", index: 1, keyword: "stream" },
  "yaml.dump_all": { format: "YAML", index: 1, keyword: "stream" }, "toml.dump": { format: "TOML", index: 1, keyword: "f" },
  "tomli_w.dump": { format: "TOML", index: 1, keyword: "fp" }, "tomlkit.dump": { format: "TOML", index: 1, keyword: "fp" },
  "pickle.dump": { format: "pickle", index: 1, keyword: "file" }, "dill.dump": { format: "pickle", index: 1, keyword: "file" },
  "cloudpickle.dump": { format: "pickle", index: 1, keyword: "file" }, "marshal.dump": { format: "marshal", index: 1, keyword: "file" },
  "msgpack.pack": { format: "msgpack", index: 1, keyword: "stream" },
};

/** Parsers reading a file handle. */
const HANDLE_LOADERS = new Set([
  "json.load", "simplejson.load", "ujson.load", "json5.load", "pickle.load", "dill.load", "cloudpickle.load",
  "marshal.load", "yaml.load", "yaml.safe_load", "yaml.full_load", "yaml.unsafe_load", "yaml.load_all",
  "toml.load", "tomllib.load", "tomli.load", "tomlkit.load", "msgpack.unpack",
]);
/** Parsers of text or bytes (also yaml's, which accept both). */
const TEXT_LOADERS = new Set([
  "json.loads", "simplejson.loads", "ujson.loads", "orjson.loads", "rapidjson.loads", "json5.loads", "pickle.loads",
  "dill.loads", "cloudpickle.loads", "marshal.loads", "yaml.load", "yaml.safe_load", "yaml.full_load", "yaml.unsafe_load",
  "toml.loads", "tomllib.loads", "tomli.loads", "tomlkit.loads", "tomlkit.parse", "msgpack.unpackb", "ast.literal_eval",
]);
const TEXT_LOADER_METHODS = new Set(["model_validate_json", "parse_raw"]);

const OPEN_FUNCS = new Set([
  "open", "io.open", "codecs.open", "gzip.open", "bz2.open", "lzma.open", "builtins.open",
  "aiofiles.open", "anyio.open_file", "trio.open_file",
]);

/** Library calls that serialize an object straight onto a path: (data index, path index, format). */
const PATH_DUMPERS: Record<string, { data: number; path: number; format: string }> = {
  "torch.save": { data: 0, path: 1, format: "torch checkpoint" },
  "joblib.dump": { data: 0, path: 1, format: "pickle" },
};

/**
 * DataFrame methods that pickle the frame onto a path (`df.to_pickle("trades.pkl")`): kept to be loaded
 * back. `to_csv`/`to_parquet` are more often a pipeline's output than its state.
 */
const FRAME_DUMPERS: Record<string, string> = { to_pickle: "pickle" };
/** Library loaders taking a path, not a handle. */
const PATH_LOADERS = new Set(["pandas.read_pickle", "pandas.read_json", "pandas.read_parquet", "joblib.load", "torch.load", "numpy.load"]);

/** `table[key]` without the prototype: a call of `x.constructor(…)` or `x.toString()` is no serializer. */
function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** `torch.save(obj, path)`-like calls: the path and data nodes. */
export function pathDump(model: FileModel, call: PyNode): { target: PyNode; data: PyNode | undefined; format: string; how: string } | undefined {
  const name = calleeName(model, call) ?? "";
  const attr = calleeAttr(model, call) ?? "";
  const frameFormat = own(FRAME_DUMPERS, attr);
  const framePath = frameFormat && !model.imports.has(text(model, receiver(call) ?? call)) ? arg(model, call, 0, "path") : undefined;
  // A buffer or handle argument (`df.to_pickle(io.BytesIO())`) is not a file write.
  if (frameFormat && framePath && framePath.type !== "call" && framePath.type !== "none") {
    return { target: framePath, data: receiver(call), format: frameFormat, how: `DataFrame.${attr}` };
  }
  const spec = own(PATH_DUMPERS, name);
  const target = spec && positionalArgs(call)[spec.path];
  // A path, not an in-memory buffer (io.BytesIO) or an open handle.
  if (!spec || !target || target.type === "call") return undefined;
  return { target, data: positionalArgs(call)[spec.data], format: spec.format, how: name };
}

/** File extensions of serialized state: written with plain text, they are still state. */
const STATE_EXTENSIONS = /\.(json|jsonl|ya?ml|toml|pkl|pickle|ini|cfg|state|db|dat|msgpack|bin)$/i;

/** The format (`JSON`, `pickle`, …) when `node` evaluates to serialized data, else undefined. */
export function serialization(model: FileModel, scope: Scope, node: PyNode | undefined, depth = 0): string | undefined {
  if (!node || depth > 3) return undefined;
  switch (node.type) {
    case "call": {
      const name = calleeName(model, node) ?? "";
      const dumper = own(DUMPERS, name);
      if (own(SERIALIZERS, name) && !(dumper && arg(model, node, 1, dumper.keyword))) return own(SERIALIZERS, name);
      const attr = calleeAttr(model, node) ?? "";
      if (own(SERIALIZER_METHODS, attr)) return own(SERIALIZER_METHODS, attr);
      if (["encode", "decode", "strip", "rstrip"].includes(attr)) return serialization(model, scope, receiver(node), depth + 1);
      if (["str", "bytes"].includes(name)) return serialization(model, scope, positionalArgs(node)[0], depth + 1);
      return model.returnedFormat?.(node);
    }
    case "identifier":
      for (const b of bindingsOf(model, scope, text(model, node))) {
        if (b.index !== undefined) continue;
        const format = serialization(model, scope, b.value, depth + 1);
        if (format) return format;
      }
      return undefined;
    case "attribute": {
      // `self.payload = json.dumps(...)` in one method, written in another.
      const obj = field(node, "object");
      const attr = field(node, "attribute");
      if (!obj || !attr || !["self", "cls"].includes(text(model, obj))) return undefined;
      for (const b of model.attrBindings.get(text(model, attr)) ?? []) {
        const format = b.index === undefined ? serialization(model, scope, b.value, depth + 1) : undefined;
        if (format) return format;
      }
      return undefined;
    }
    case "parenthesized_expression":
      return serialization(model, scope, node.children[0], depth + 1);
    case "binary_operator":
      return serialization(model, scope, field(node, "left"), depth + 1) ?? serialization(model, scope, field(node, "right"), depth + 1);
    case "string":
      for (const i of node.children.filter((c) => c.type === "interpolation")) {
        const format = serialization(model, scope, i.children[0], depth + 1);
        if (format) return format;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** Unwraps `str(p)`, `os.fspath(p)`, `Path(p)`: they name the same file. */
export function unwrapPath(model: FileModel, node: PyNode): PyNode {
  if (node.type === "call") {
    const name = calleeName(model, node) ?? "";
    const args = positionalArgs(node);
    if (args.length === 1 && ["str", "os.fspath", "pathlib.Path", "Path", "os.path.abspath", "os.path.realpath", "pathlib.PurePath"].includes(name)) {
      return unwrapPath(model, args[0]!);
    }
  }
  if (node.type === "parenthesized_expression" && node.children[0]) return unwrapPath(model, node.children[0]);
  return node;
}

/** Identity of a path expression within one scope. */
export function pathKey(model: FileModel, node: PyNode): string {
  const inner = unwrapPath(model, node);
  if (inner.type === "attribute") {
    const attr = field(inner, "attribute");
    const obj = field(inner, "object");
    if (obj && attr && text(model, attr) === "name") return pathKey(model, obj);
  }
  return text(model, inner).replace(/\s+/g, "");
}

/** Expressions that may define `node`: itself, or what the name it is was bound to (transitively, a few levels). */
export function origins(model: FileModel, scope: Scope, node: PyNode, depth = 0): PyNode[] {
  const inner = unwrapPath(model, node);
  if (depth > 3) return [inner];
  if (inner.type === "identifier") {
    const bound = bindingsOf(model, scope, text(model, inner));
    if (bound.length === 0) return [inner];
    return bound.flatMap((b) => [b.value, ...origins(model, scope, b.value, depth + 1)]);
  }
  if (inner.type === "attribute") {
    const obj = field(inner, "object");
    const attr = field(inner, "attribute");
    if (obj && attr && text(model, attr) === "name") return [inner, ...origins(model, scope, obj, depth + 1)];
    if (obj && attr && ["self", "cls"].includes(text(model, obj))) {
      const bound = model.attrBindings.get(text(model, attr)) ?? [];
      return [inner, ...bound.flatMap((b) => [b.value, ...origins(model, scope, b.value, depth + 1)])];
    }
  }
  return [inner];
}

function callsIn(nodes: PyNode[]): PyNode[] {
  return nodes.flatMap((n) => descendants(n, "call"));
}

/** Definitions of `node` and of every name used in them, a few levels deep (`d = mkdtemp(); p = join(d, "x")`). */
function originClosure(model: FileModel, scope: Scope, node: PyNode): PyNode[] {
  const seen = new Set<PyNode>();
  let frontier = [node];
  for (let depth = 0; depth < 3 && frontier.length > 0; depth++) {
    const next: PyNode[] = [];
    for (const n of frontier) {
      for (const def of origins(model, scope, n)) {
        if (seen.has(def)) continue;
        seen.add(def);
        next.push(...descendants(def, "identifier").filter((i) => i !== def && i.field !== "attribute" && i.field !== "name"));
      }
    }
    frontier = next;
  }
  return [...seen];
}

export type TempPlacement = "same-dir" | "other-dir" | undefined;

/** Where a `tempfile.*` temp lives: `dir=` given → next to the target; not given → the system temp dir. */
export function tempPlacement(model: FileModel, scope: Scope, node: PyNode): TempPlacement {
  let placement: TempPlacement;
  for (const call of callsIn(originClosure(model, scope, node))) {
    const name = calleeName(model, call) ?? "";
    if (!name.startsWith("tempfile.")) continue;
    const fn = name.slice("tempfile.".length);
    if (fn === "gettempdir" || fn === "gettempdirb") return "other-dir";
    const dirIndex = fn === "NamedTemporaryFile" || fn === "TemporaryFile" ? 6 : fn === "SpooledTemporaryFile" ? 7 : 2;
    const dir = arg(model, call, dirIndex, "dir");
    if (!dir || text(model, dir) === "None") return "other-dir";
    placement = "same-dir";
  }
  return placement;
}

const UNIQUE_CALLS = /^(os\.getpid|uuid\.uuid[0-9]|uuid[0-9]|secrets\.\w+|random\.\w+|time\.time(_ns)?|time\.monotonic(_ns)?|time\.perf_counter(_ns)?|threading\.get_ident|os\.urandom|id|tempfile\.\w+)$/;

/** A temp name every writer shares: derived from the target by a fixed suffix or literal, with nothing unique in it. */
export function fixedTempName(model: FileModel, scope: Scope, node: PyNode): PyNode | undefined {
  const defs = origins(model, scope, node);
  if (callsIn(originClosure(model, scope, node)).some((c) => UNIQUE_CALLS.test(calleeName(model, c) ?? ""))) return undefined;
  for (const def of defs) {
    if (def.type === "call" && ["with_suffix", "with_name"].includes(calleeAttr(model, def) ?? "")) return def;
    if (def.type === "binary_operator" && descendants(def, "string").length > 0) return def;
    if (def.type === "string" && /tmp|temp|\.new|~|\.part/i.test(text(model, def))) return def;
    if (def.type === "call" && ["os.path.join", "pathlib.Path", "Path"].includes(calleeName(model, def) ?? "")) {
      const last = positionalArgs(def).at(-1);
      if (last?.type === "string" && /tmp|temp|\.new|\.part/i.test(text(model, last))) return def;
    }
  }
  return undefined;
}

/** `open(p, "w")`-like calls that truncate `p`: the path node, or undefined. */
export function truncatingOpen(model: FileModel, call: PyNode): PyNode | undefined {
  const opened = openMode(model, call);
  return opened?.mode.includes("w") ? opened.path : undefined;
}

/** `open(p, "r+")`: read, then rewritten in place through the same handle (`seek(0)`, dump, `truncate()`). */
export function updatingOpen(model: FileModel, call: PyNode): PyNode | undefined {
  const opened = openMode(model, call);
  return opened && /^r[bt]?\+|^r\+/.test(opened.mode) ? opened.path : undefined;
}

/** The path and mode of an `open()`-like call (`os.open` with O_TRUNC reads as "w"). */
function openMode(model: FileModel, call: PyNode): { path: PyNode; mode: string } | undefined {
  const name = calleeName(model, call) ?? "";
  let pathNode: PyNode | undefined;
  let mode: PyNode | undefined;
  if (name === "os.open") {
    // os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC): the low-level spelling of open(p, "w").
    const flags = arg(model, call, 1, "flags");
    const truncates = flags && descendants(flags, "identifier").some((i) => text(model, i) === "O_TRUNC");
    const path = truncates ? arg(model, call, 0, "path") : undefined;
    return path ? { path, mode: "w" } : undefined;
  }
  if (OPEN_FUNCS.has(name)) {
    pathNode = arg(model, call, 0, "file") ?? arg(model, call, 0, "filename");
    mode = arg(model, call, 1, "mode");
  } else if (calleeAttr(model, call) === "open") {
    const recv = receiver(call);
    // `os.open`, `tarfile.open`, `webbrowser.open`: module functions, not `Path.open`.
    if (!recv || (recv.type === "identifier" && model.imports.has(text(model, recv)))) return undefined;
    pathNode = recv;
    mode = arg(model, call, 0, "mode");
  } else return undefined;
  const value = stringValue(model, mode);
  return pathNode && value !== undefined ? { path: pathNode, mode: value } : undefined;
}

/** Name the handle of an `open()` is bound to: `with open() as f`, `f = open()`, `self.f = open()`. */
export function handleName(model: FileModel, openCall: PyNode): { name: string; attr: boolean } | undefined {
  const parent = openCall.parent;
  if (parent?.type === "as_pattern") {
    const target = parent.children.find((c) => c.type === "as_pattern_target")?.children[0];
    return target?.type === "identifier" ? { name: text(model, target), attr: false } : undefined;
  }
  if (parent?.type === "assignment" && openCall.field === "right") {
    const left = field(parent, "left");
    if (left?.type === "identifier") return { name: text(model, left), attr: false };
    if (left?.type === "attribute") return { name: text(model, left), attr: true };
  }
  return undefined;
}

/** A dumper call (`json.dump(x, f)`) and the handle node it writes to. */
export function dumperTarget(model: FileModel, call: PyNode): { handle: PyNode; format: string; data: PyNode | undefined } | undefined {
  const name = calleeName(model, call) ?? "";
  const spec = own(DUMPERS, name);
  if (!spec) return undefined;
  const handle = arg(model, call, spec.index, spec.keyword);
  return handle ? { handle, format: spec.format, data: arg(model, call, 0, "obj") } : undefined;
}

/** A text or handle parse of file content, and the path it reads when resolvable. */
export interface LoadSite {
  call: PyNode;
  path: PyNode | undefined;
  /** Reads a file (not a network response or a literal). */
  fromFile: boolean;
}

/** Classifies `call` as a state load. */
export function loadSite(model: FileModel, scope: Scope, call: PyNode): LoadSite | undefined {
  const name = calleeName(model, call) ?? "";
  const attr = calleeAttr(model, call) ?? "";
  if (attr === "parse_file" || PATH_LOADERS.has(name)) {
    const path = positionalArgs(call)[0];
    return path && path.type !== "call" ? { call, path, fromFile: true } : undefined;
  }
  const first = positionalArgs(call)[0];
  if (!first) return undefined;
  if (HANDLE_LOADERS.has(name) || TEXT_LOADERS.has(name) || TEXT_LOADER_METHODS.has(attr)) {
    const path = readPath(model, scope, first, 0);
    // A handle of unknown origin (a parameter, a pipe, a socket) is not known to be a state file.
    if (path) return { call, path: path.path, fromFile: true };
  }
  return undefined;
}

/** The file a handle or a text value was read from: `open(p)`, `p.read_text()`, `f.read()` of `open(p)`. */
function readPath(model: FileModel, scope: Scope, node: PyNode, depth: number): { path: PyNode | undefined } | undefined {
  if (depth > 3) return undefined;
  if (node.type === "identifier") {
    for (const b of bindingsOf(model, scope, text(model, node))) {
      const found = readPath(model, scope, b.value, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  // `f.read() or "{}"` reads the file all the same.
  const left = node.type === "boolean_operator" ? field(node, "left") : undefined;
  if (left) return readPath(model, scope, left, depth);
  // `raw = await fh.read()` of an `aiofiles.open(p)` handle.
  if (node.type === "await" && node.children[0]) return readPath(model, scope, node.children[0], depth);
  if (node.type !== "call") return undefined;
  const name = calleeName(model, node) ?? "";
  const attr = calleeAttr(model, node) ?? "";
  if (OPEN_FUNCS.has(name)) return { path: positionalArgs(node)[0] };
  if (attr === "open" && receiver(node)) return { path: receiver(node) };
  // `dist.read_text("METADATA")` is importlib.metadata reading a package file; Path.read_text takes no file name.
  const named = stringValue(model, positionalArgs(node)[0]);
  if (["read_text", "read_bytes"].includes(attr)) return named !== undefined && /[./]/.test(named) ? undefined : { path: receiver(node) };
  if (["read", "readlines", "decode", "strip"].includes(attr)) {
    const recv = receiver(node);
    // `resp.read()` of a network response is not a state file: only handles traced to open() count.
    return recv ? readPath(model, scope, recv, depth + 1) : undefined;
  }
  return undefined;
}

/** Looks like a state file by name (`*.json`, `state`, `checkpoint`, …). */
export function stateLikeName(fileName: string | undefined, exprText: string): boolean {
  return (fileName !== undefined && STATE_EXTENSIONS.test(fileName)) || /state|checkpoint|tracker/i.test(exprText)
    || PROGRESS_WORDS.test(fileName ?? "") || (/^[\w.]+$/.test(exprText) && PROGRESS_WORDS.test(exprText));
}

/**
 * Where a poller or crawler resumes from, kept as plain text: `offset.txt`, `LAST_ID_FILE`, `seen_urls.txt`.
 * Matched on the file name or a plain name only: `join(processed_dir, name)` is a pipeline's output.
 */
const PROGRESS_WORDS = /(^|[^a-z])(offset|cursor|last_?(update_?)?id|last_?(seen|run|check|sync)|counter|progress|seen|visited|bookmark|watermark)s?([^a-z]|$)/i;

/** The file name a path expression ends in, from string literals in it or in what its names are bound to. */
export function fileNameOf(model: FileModel, scope: Scope, node: PyNode): string | undefined {
  for (const def of origins(model, scope, node)) {
    const strings = descendants(def, "string");
    for (let i = strings.length - 1; i >= 0; i--) {
      const value = stringValue(model, strings[i]) ?? text(model, strings[i]!).replace(/^[a-z]*["']+|["']+$/gi, "");
      const base = value.split(/[\\/]/).pop() ?? "";
      if (/\.[A-Za-z0-9]{1,10}$/.test(base) && !/^\.[a-z]+$/i.test(base)) return base;
    }
  }
  return undefined;
}

/** Call `name` is a qualified name of a fsync. */
export function isFsync(name: string): boolean {
  return name === "os.fsync" || name === "os.fdatasync";
}

/** Rename-like calls (`os.replace(src, dst)`, `src.replace(dst)`, `shutil.move`) with their operands. */
export function replaceOperands(model: FileModel, call: PyNode): { src: PyNode; dst: PyNode; how: string } | undefined {
  const name = calleeName(model, call) ?? "";
  const args = positionalArgs(call);
  if (["os.replace", "os.rename", "os.renames", "shutil.move"].includes(name)) {
    const src = args[0] ?? keywordArg(model, call, "src");
    const dst = args[1] ?? keywordArg(model, call, "dst");
    return src && dst ? { src, dst, how: name } : undefined;
  }
  const attr = calleeAttr(model, call) ?? "";
  const recv = receiver(call);
  if (["replace", "rename"].includes(attr) && recv && args.length === 1 && recv.type !== "string") {
    const argsNode = field(call, "arguments");
    if (argsNode?.children.some((c) => c.type === "keyword_argument")) return undefined;
    if (recv.type === "identifier" && model.imports.has(text(model, recv))) return undefined;
    return { src: recv, dst: args[0]!, how: `Path.${attr}` };
  }
  return undefined;
}

/** `shutil.copy*` / `shutil.move` operands. */
export function copyOperands(model: FileModel, call: PyNode): { src: PyNode; dst: PyNode; how: string } | undefined {
  const name = calleeName(model, call) ?? "";
  if (!["shutil.move", "shutil.copy", "shutil.copy2", "shutil.copyfile"].includes(name)) return undefined;
  const [src, dst] = positionalArgs(call);
  return src && dst ? { src, dst, how: name } : undefined;
}

