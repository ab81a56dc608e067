import { dirname, join, sep } from "node:path";
import { isSuppressed } from "../js/suppress.js";
import { dumperTarget, fileNameOf, isFsync, loadSite, serialization, stateLikeName } from "./facts.js";
import {
  calleeAttr, calleeName, field, keywordArg, positionalArgs, receiver, text,
  type FileModel, type FunctionInfo, type ProjectImport, type Scope,
} from "./model.js";
import { memo } from "./memo.js";
import type { PyNode } from "./tree.js";
import { collectWrites, paramIndex, type WriteSite } from "./writes.js";

/** What a project function does with its parameters, as far as the rules care. */
export interface HelperSummary {
  /** Returns serialized data in this format. */
  returnsFormat?: string;
  /** Truncates the file named by parameter `param`. */
  writesPath?: { param: number; dataParam: number | undefined; format: string | undefined; how: string; dataText: string | undefined };
  /** Serializes into the file handle passed as parameter `param`. */
  fillsHandle?: { param: number; format: string; how: string };
  /** Parses a file (a load a caller's `try` may swallow). */
  loadsFile?: boolean;
  fsyncs?: boolean;
}

interface Resolved {
  fn: FunctionInfo;
  model: FileModel;
  /** 1 for `self.method(...)`: the first parameter is not passed. */
  offset: number;
}

const MAX_ROUNDS = 5;

/**
 * Cross-file index of project functions: follows path-taking helpers (`def save_json(path, data)`) to
 * their call sites, including `from utils import save_json` and `import utils`.
 */
export class HelperIndex {
  private readonly summaries = new Map<FunctionInfo, HelperSummary>();
  private readonly owner = new Map<FunctionInfo, FileModel>();
  /** Helpers whose write is reported at a call site rather than inside them. */
  readonly called = new Set<FunctionInfo>();
  private readonly resolved = new Map<PyNode, Resolved | null>();
  private readonly modules = new Map<string, FileModel | null>();
  private readonly byBasename = new Map<string, FileModel[]>();
  private readonly byPath: Map<string, FileModel>;
  private readonly byName = new Map<FileModel, Map<string, FunctionInfo[]>>();

  constructor(models: FileModel[]) {
    this.byPath = new Map(models.map((m) => [m.abs, m]));
    for (const m of models) {
      const names = new Map<string, FunctionInfo[]>();
      for (const fn of m.functions) {
        this.owner.set(fn, m);
        names.set(fn.name, [...(names.get(fn.name) ?? []), fn]);
      }
      this.byName.set(m, names);
      m.returnedFormat = (call) => {
        const r = this.resolve(m, call);
        return r ? this.summaries.get(r.fn)?.returnsFormat : undefined;
      };
      const parts = m.abs.split(sep);
      const key = parts.at(-1) === "__init__.py" ? `${parts.at(-2)}/__init__.py` : (parts.at(-1) ?? "");
      this.byBasename.set(key, [...(this.byBasename.get(key) ?? []), m]);
    }
  }

  private fn(model: FileModel, name: string, method: boolean): FunctionInfo | undefined {
    return this.byName.get(model)?.get(name)?.find((f) => f.isMethod === method);
  }

  /** Computes summaries to a fixpoint (helpers calling helpers). */
  build(): this {
    // Only functions that call project functions can change after the first round.
    let pending = [...this.owner];
    for (let round = 0; round < MAX_ROUNDS && pending.length > 0; round++) {
      let changed = false;
      for (const [fn, model] of pending) {
        const next = JSON.stringify(this.safeSummary(model, fn));
        if (next !== JSON.stringify(this.summaries.get(fn) ?? {})) {
          this.summaries.set(fn, JSON.parse(next) as HelperSummary);
          changed = true;
        }
      }
      if (!changed) break;
      if (round === 0) pending = pending.filter(([fn, model]) => fn.scope.calls.some((c) => this.resolve(model, c)));
    }
    return this;
  }

  summary(fn: FunctionInfo): HelperSummary {
    return this.summaries.get(fn) ?? {};
  }

  /** A function the summary cannot be computed for is treated as doing nothing the rules care about. */
  private safeSummary(model: FileModel, fn: FunctionInfo): HelperSummary {
    try {
      return this.summarize(model, fn);
    } catch {
      return {};
    }
  }

  private summarize(model: FileModel, fn: FunctionInfo): HelperSummary {
    const scope = fn.scope;
    const out: HelperSummary = {};
    for (const site of collectWrites(model, scope, this)) {
      const param = paramIndex(scope, model, site.target);
      // A helper whose write is suppressed is safe by its author's word: its callers are not reported either.
      if (param === undefined || isSuppressed(model.suppressions, site.node.row + 1, "direct-state-write")) continue;
      if (!out.writesPath || (!out.writesPath.format && site.format)) {
        out.writesPath = { param, dataParam: site.dataParam, format: site.format, how: site.how, dataText: site.dataText };
      }
    }
    for (const ret of scope.returns) {
      const format = serialization(model, scope, ret.children[0]);
      if (format) out.returnsFormat ??= format;
    }
    for (const call of scope.calls) {
      const dump = dumperTarget(model, call);
      const handleParam = dump ? paramIndex(scope, model, dump.handle) : undefined;
      if (dump && handleParam !== undefined) out.fillsHandle ??= { param: handleParam, format: dump.format, how: calleeName(model, call) ?? "dump" };
      const recv = receiver(call);
      const recvParam = recv ? paramIndex(scope, model, recv) : undefined;
      if (calleeAttr(model, call) === "write" && recvParam !== undefined) {
        const format = serialization(model, scope, positionalArgs(call)[0]);
        if (format) out.fillsHandle ??= { param: recvParam, format, how: `${fn.params[recvParam]}.write` };
      }
      if (loadSite(model, scope, call)?.fromFile || this.loadsFile(model, call)) out.loadsFile = true;
      if (isFsync(calleeName(model, call) ?? "") || this.fsyncs(model, call)) out.fsyncs = true;
    }
    return out;
  }

  /** The project function a call invokes, when it can be told. */
  resolve(model: FileModel, call: PyNode): Resolved | undefined {
    return memo(this.resolved, call, () => this.resolveUncached(model, call));
  }

  private resolveUncached(model: FileModel, call: PyNode): Resolved | undefined {
    const fnNode = field(call, "function");
    if (!fnNode) return undefined;
    if (fnNode.type === "identifier") {
      const name = text(model, fnNode);
      const local = this.fn(model, name, false);
      if (local) return { fn: local, model, offset: 0 };
      const imp = model.projectImports.get(name);
      if (!imp?.name) return undefined;
      const target = this.moduleFile(model, imp);
      const fn = target && this.fn(target, imp.name, false);
      return target && fn ? { fn, model: target, offset: 0 } : undefined;
    }
    if (fnNode.type !== "attribute") return undefined;
    const obj = field(fnNode, "object");
    const attr = field(fnNode, "attribute");
    if (!obj || !attr) return undefined;
    const name = text(model, attr);
    if (obj.type === "identifier" && ["self", "cls"].includes(text(model, obj))) {
      const method = this.fn(model, name, true);
      return method ? { fn: method, model, offset: method.isStatic ? 0 : 1 } : undefined;
    }
    if (obj.type !== "identifier") return undefined;
    const imp = model.projectImports.get(text(model, obj));
    if (!imp) return undefined;
    const asModule: ProjectImport = imp.name ? { module: imp.module ? `${imp.module}.${imp.name}` : imp.name, level: imp.level, name: undefined } : imp;
    const target = this.moduleFile(model, asModule);
    const fn = target && this.fn(target, name, false);
    return target && fn ? { fn, model: target, offset: 0 } : undefined;
  }

  /** The analysed file a module import names, preferring the one closest to the importer. */
  private moduleFile(importer: FileModel, imp: ProjectImport): FileModel | undefined {
    const key = `${importer.abs}\0${imp.level}\0${imp.module}\0${imp.name ?? ""}`;
    return memo(this.modules, key, () => this.findModuleFile(importer, imp));
  }

  private findModuleFile(importer: FileModel, imp: ProjectImport): FileModel | undefined {
    const parts = imp.module ? imp.module.split(".") : [];
    const tails = [parts, imp.name ? [...parts, imp.name] : undefined].filter((t): t is string[] => !!t && t.length > 0);
    if (imp.level > 0) {
      let base = dirname(importer.abs);
      for (let i = 1; i < imp.level; i++) base = dirname(base);
      for (const tail of tails) {
        const found = this.byPath.get(join(base, ...tail) + ".py") ?? this.byPath.get(join(base, ...tail, "__init__.py"));
        if (found) return found;
      }
      return undefined;
    }
    for (const tail of tails) {
      const suffixes = [sep + join(...tail) + ".py", sep + join(...tail, "__init__.py")];
      const last = tail.at(-1) ?? "";
      const candidates = [...(this.byBasename.get(`${last}.py`) ?? []), ...(this.byBasename.get(`${last}/__init__.py`) ?? [])];
      const matches = candidates.filter((m) => suffixes.some((s) => m.abs.endsWith(s)));
      if (matches.length > 0) return closest(importer.abs, matches);
    }
    return undefined;
  }

  private argFor(model: FileModel, call: PyNode, r: Resolved, param: number): PyNode | undefined {
    return positionalArgs(call)[param - r.offset] ?? keywordArg(model, call, r.fn.params[param] ?? "");
  }

  private via(r: Resolved): string {
    return `${r.fn.name} (${r.model.file}:${r.fn.node.row + 1})`;
  }

  /** A call of a helper that truncates the path it is given, as a write site at the call. */
  writeThroughHelper(model: FileModel, scope: Scope, call: PyNode): Omit<WriteSite, "model" | "scope"> | undefined {
    const r = this.resolve(model, call);
    const w = r && this.summary(r.fn).writesPath;
    if (!r || !w) return undefined;
    const target = this.argFor(model, call, r, w.param);
    if (!target) return undefined;
    this.called.add(r.fn);
    const data = w.dataParam !== undefined ? this.argFor(model, call, r, w.dataParam) : undefined;
    const format = w.format ?? serialization(model, scope, data)
      ?? (stateLikeName(fileNameOf(model, scope, target), text(model, target)) ? "text" : undefined);
    return {
      node: call, target, format, how: w.how, via: this.via(r),
      dataParam: paramIndex(scope, model, data), dataText: data ? text(model, data) : w.dataText,
    };
  }

  /** A call passing `handle` to a helper that serializes into it. */
  fillsHandle(model: FileModel, call: PyNode, handle: string): { format: string; how: string; via: string } | undefined {
    const r = this.resolve(model, call);
    const f = r && this.summary(r.fn).fillsHandle;
    if (!r || !f) return undefined;
    const passed = this.argFor(model, call, r, f.param);
    return passed && text(model, passed) === handle ? { format: f.format, how: f.how, via: this.via(r) } : undefined;
  }

  loadsFile(model: FileModel, call: PyNode): boolean {
    const r = this.resolve(model, call);
    return !!r && !!this.summaries.get(r.fn)?.loadsFile;
  }

  fsyncs(model: FileModel, call: PyNode): boolean {
    const r = this.resolve(model, call);
    return !!r && !!this.summaries.get(r.fn)?.fsyncs;
  }
}

function closest(from: string, candidates: FileModel[]): FileModel {
  const common = (a: string, b: string) => {
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    return i;
  };
  return candidates.reduce((best, m) => (common(from, m.abs) > common(from, best.abs) ? m : best));
}
