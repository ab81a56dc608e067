import {
  copyOperands, dumperTarget, fileNameOf, handleName, pathDump, pathKey, replaceOperands, serialization, stateLikeName,
  tempPlacement, truncatingOpen, unwrapPath, updatingOpen,
} from "./facts.js";
import type { HelperIndex } from "./helpers.js";
import { writtenKeys } from "./replace.js";
import { arg, calleeAttr, calleeName, field, keywordArg, positionalArgs, receiver, text, type FileModel, type Scope } from "./model.js";
import { ancestor, isWithin, type PyNode } from "./tree.js";

/** A write that truncates its target in place. */
export interface WriteSite {
  model: FileModel;
  scope: Scope;
  /** Where the finding goes. */
  node: PyNode;
  target: PyNode;
  /** `JSON`, `pickle`, `text`, … or undefined when nothing says it is state. */
  format: string | undefined;
  /** Parameter index the data came from, when it is a parameter (helper summaries). */
  dataParam: number | undefined;
  how: string;
  /** Source text of the serialized data, for the suggested replacement. */
  dataText: string | undefined;
  via: string | undefined;
}

function paramIndex(scope: Scope, model: FileModel, node: PyNode | undefined): number | undefined {
  if (!node || !scope.fn) return undefined;
  const inner = unwrapPath(model, node);
  if (inner.type !== "identifier") return undefined;
  const i = scope.fn.params.indexOf(text(model, inner));
  return i >= 0 ? i : undefined;
}

function plainFormat(model: FileModel, scope: Scope, target: PyNode): string | undefined {
  return stateLikeName(fileNameOf(model, scope, target), text(model, target)) ? "text" : undefined;
}

/** Paths renamed or moved away in this scope: writes to them are temp writes, judged by the replace rules. */
const renamedCache = new WeakMap<Scope, Set<string>>();

export function renamedSources(model: FileModel, scope: Scope): Set<string> {
  const cached = renamedCache.get(scope);
  if (cached) return cached;
  const keys = new Set<string>();
  renamedCache.set(scope, keys);
  for (const call of scope.calls) {
    const ops = replaceOperands(model, call) ?? copyOperands(model, call);
    if (ops) keys.add(pathKey(model, ops.src));
  }
  return keys;
}

/** Every truncating write in `scope` (temp writes excluded), including calls of project helpers that write. */
export function collectWrites(model: FileModel, scope: Scope, helpers: HelperIndex): WriteSite[] {
  const temps = renamedSources(model, scope);
  const sites: WriteSite[] = [];
  /** Temps filled with serialized data: copying one over a target writes state. */
  const stateTemps = new Set<string>();
  const add = (site: Omit<WriteSite, "model" | "scope">) => {
    const key = pathKey(model, site.target);
    if (!temps.has(key)) sites.push({ model, scope, ...site });
    else if (site.format) stateTemps.add(key);
  };
  const copies: Array<Omit<WriteSite, "model" | "scope"> & { src: PyNode }> = [];
  for (const call of scope.calls) {
    const attr = calleeAttr(model, call);
    const recv = receiver(call);
    // `utils.write_text(p, s)` is a project function, not `Path.write_text`.
    if ((attr === "write_text" || attr === "write_bytes") && recv && !helpers.resolve(model, call)) {
      const data = arg(model, call, 0, "data");
      add({
        node: call, target: recv, how: `Path.${attr}`,
        format: serialization(model, scope, data) ?? plainFormat(model, scope, recv),
        dataParam: paramIndex(scope, model, data), dataText: data ? text(model, data) : undefined, via: undefined,
      });
      continue;
    }
    const opened = truncatingOpen(model, call);
    if (opened) {
      const fill = handleFill(model, scope, call, helpers);
      add({
        node: call, target: opened, how: `open(…, "w") + ${fill?.how ?? "write"}`,
        format: fill?.format ?? (fill ? plainFormat(model, scope, opened) : undefined),
        dataParam: fill?.dataParam, dataText: fill?.dataText, via: fill?.via,
      });
      continue;
    }
    const updated = updatingOpen(model, call);
    const refill = updated && handleFill(model, scope, call, helpers);
    if (updated && refill?.format) {
      add({
        node: call, target: updated, how: `open(…, "r+") + ${refill.how}`, format: refill.format,
        dataParam: refill.dataParam, dataText: refill.dataText, via: refill.via,
      });
      continue;
    }
    const dumped = pathDump(model, call);
    if (dumped) {
      add({
        node: call, target: dumped.target, how: dumped.how, format: dumped.format,
        dataParam: paramIndex(scope, model, dumped.data), dataText: undefined, via: undefined,
      });
      continue;
    }
    const copy = copyOperands(model, call);
    const placement = copy && tempPlacement(model, scope, copy.src);
    // A move from another directory, and any copy, rewrite the target in place.
    const copiesTemp = copy && copy.how !== "shutil.move" && (placement || isTempName(model, scope, copy.src));
    if (copy && (placement === "other-dir" || copiesTemp)) {
      const from = placement === "other-dir" ? "a temp in another directory" : "a temp file";
      copies.push({
        node: call, target: copy.dst, src: copy.src, how: `${copy.how} from ${from} (a copy onto the target)`,
        format: "temp copy", dataParam: undefined, dataText: undefined, via: undefined,
      });
      continue;
    }
    const helperWrite = helpers.writeThroughHelper(model, scope, call);
    if (helperWrite) add(helperWrite);
  }
  // A rendered image or .tex moved out of a scratch dir to a path the caller chose is an output; a temp
  // holding JSON, or a copy onto a state-named file or a configured constant (`self.RELEASE_CONF`), rewrites state.
  for (const { src, ...copy } of copies) {
    const srcKey = pathKey(model, src);
    const constant = /^[A-Z][A-Z0-9_]+$/.test(pathKey(model, copy.target).split(".").pop() ?? "");
    if (stateTemps.has(srcKey) || filledWithState(model, scope, srcKey) || constant || plainFormat(model, scope, copy.target)) add(copy);
  }
  return sites;
}

/** `json.dump(s, tf)` or `tf.write(json.dumps(s))` into the handle `key` of a `tempfile` temp. */
function filledWithState(model: FileModel, scope: Scope, key: string): boolean {
  return scope.calls.some((c) => {
    const dump = dumperTarget(model, c);
    if (dump) return text(model, dump.handle) === key;
    const recv = receiver(c);
    return calleeAttr(model, c) === "write" && !!recv && text(model, recv) === key && !!serialization(model, scope, positionalArgs(c)[0]);
  });
}

/** A temp by origin: written in this scope, made by `tempfile`, or named so. */
function isTempName(model: FileModel, scope: Scope, node: PyNode): boolean {
  return writtenKeys(model, scope).has(pathKey(model, node)) || /te?mp/i.test(text(model, node));
}

interface Fill {
  format: string | undefined;
  how: string;
  dataParam: number | undefined;
  dataText: string | undefined;
  via: string | undefined;
}

/** What is written through the handle an `open(p, "w")` returns, wherever it is filled. */
function handleFill(model: FileModel, scope: Scope, openCall: PyNode, helpers: HelperIndex): Fill | undefined {
  const outer = ancestor(openCall, ["call"]);
  if (outer && openCall.parent?.type === "argument_list") {
    const dump = dumperTarget(model, outer);
    if (dump?.handle === openCall) return fromDump(model, scope, outer, dump);
    // `config.write(open(p, "w"))`: configparser and friends writing into a fresh handle.
    if (calleeAttr(model, outer) === "write" && positionalArgs(outer)[0] === openCall) {
      return { format: "INI", how: text(model, field(outer, "function") ?? outer), dataParam: undefined, dataText: undefined, via: undefined };
    }
  }
  // `open(p, "w").write(json.dumps(s))`
  if (openCall.parent?.type === "attribute" && outer && receiver(outer) === openCall && ["write", "writelines"].includes(calleeAttr(model, outer) ?? "")) {
    const data = positionalArgs(outer)[0];
    return { format: serialization(model, scope, data), how: "write", dataParam: paramIndex(scope, model, data), dataText: data ? text(model, data) : undefined, via: undefined };
  }
  const handle = handleName(model, openCall);
  if (!handle) return undefined;
  // A handle kept on `self` is often filled by another method: search the whole file then.
  const calls = handle.attr
    ? model.scopes.flatMap((s) => s.calls.map((c) => ({ c, s })))
    : scope.calls.filter((c) => fillsThisHandle(openCall, c)).map((c) => ({ c, s: scope }));
  let plain: Fill | undefined;
  for (const { c, s } of calls) {
    const dump = dumperTarget(model, c);
    if (dump && text(model, dump.handle) === handle.name) return fromDump(model, s, c, dump);
    const attr = calleeAttr(model, c);
    const recv = receiver(c);
    const first = positionalArgs(c)[0];
    if ((attr === "write" || attr === "writelines") && recv && text(model, recv) === handle.name) {
      const format = serialization(model, s, first);
      const fill: Fill = { format, how: `${handle.name}.${attr}`, dataParam: paramIndex(s, model, first), dataText: first ? text(model, first) : undefined, via: undefined };
      if (format || fill.dataParam !== undefined) return fill;
      plain ??= fill;
    } else if (calleeName(model, c) === "os.write" && first && text(model, first) === handle.name) {
      const data = positionalArgs(c)[1];
      const format = serialization(model, s, data);
      const fill: Fill = { format, how: "os.write", dataParam: paramIndex(s, model, data), dataText: data ? text(model, data) : undefined, via: undefined };
      if (format || fill.dataParam !== undefined) return fill;
      plain ??= fill;
    } else if (calleeName(model, c) === "print" && text(model, keywordArg(model, c, "file") ?? c) === handle.name) {
      // print(json.dumps(state), file=f)
      const format = positionalArgs(c).map((a) => serialization(model, s, a)).find(Boolean);
      const fill: Fill = { format, how: "print(…, file=…)", dataParam: undefined, dataText: first ? text(model, first) : undefined, via: undefined };
      if (format) return fill;
      plain ??= fill;
    } else if (attr === "write" && first && text(model, first) === handle.name && recv) {
      return { format: "INI", how: `${text(model, recv)}.write`, dataParam: undefined, dataText: undefined, via: undefined };
    } else {
      const filler = helpers.fillsHandle(model, c, handle.name);
      if (filler) return { format: filler.format, how: filler.how, dataParam: undefined, dataText: undefined, via: filler.via };
    }
  }
  return plain;
}

/**
 * `fh` is reused by every `with open(…) as fh` of a function: a `with` handle is only filled in its
 * own block, an assigned one only after it is opened.
 */
function fillsThisHandle(openCall: PyNode, call: PyNode): boolean {
  if (call.start < openCall.end) return false;
  const block = openCall.parent?.type === "as_pattern" ? ancestor(openCall, ["with_statement"]) : undefined;
  return !block || isWithin(call, block);
}

function fromDump(model: FileModel, scope: Scope, call: PyNode, dump: { format: string; handle: PyNode; data: PyNode | undefined }): Fill {
  const fn = field(call, "function");
  const others = (field(call, "arguments")?.children ?? [])
    .filter((a) => a !== dump.handle && !(a.type === "keyword_argument" && field(a, "value") === dump.handle))
    .map((a) => text(model, a));
  const dataText = fn ? `${text(model, fn)}s(${others.join(", ")})` : undefined;
  return {
    format: dump.format, how: fn ? text(model, fn) : "dump", dataParam: paramIndex(scope, model, dump.data),
    dataText: dump.format === "YAML" && fn ? `${text(model, fn)}(${others.join(", ")})` : dataText, via: undefined,
  };
}

export { paramIndex };
