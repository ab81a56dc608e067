/**
 * In-process fault injection for `node:fs`, for tests of any crashsafe module.
 *
 * `injectFault({ call: "fsync", nth: 1, code: "EIO" })` makes the first matching fs call fail
 * with a real-looking errno error (code, errno, syscall, path). A call name covers every form:
 * `fsyncSync`, callback `fsync`, `fs.promises` functions and the FileHandle method (`sync`).
 * `countCalls(["rename"])` only counts. Both patch the `fs` module object, `fs.promises` and
 * `FileHandle.prototype`, then `syncBuiltinESMExports()` so ESM named imports see them too.
 * Always `restore()` (in `finally` or `after`); patches nest and must be undone in reverse.
 *
 * An injected `close` failure still closes the descriptor, as close(2) does on Linux.
 * Only calls made through the public fs API are seen (not libuv-internal ones such as the opens
 * inside `fs.promises.readFile`).
 */
import fs from "node:fs";
import os from "node:os";
import { syncBuiltinESMExports } from "node:module";

/** fs calls the injector knows, by their callback-API name. */
export type FsCallName =
  | "open" | "close" | "read" | "write" | "writev" | "fsync" | "fdatasync" | "rename" | "unlink"
  | "lstat" | "stat" | "fstat" | "readlink" | "fchmod" | "fchown" | "ftruncate" | "truncate"
  | "readFile" | "writeFile" | "appendFile" | "mkdir" | "readdir" | "link" | "copyFile" | "rm";

/** How a call was made. */
export type CallForm = "sync" | "callback" | "promise" | "filehandle";

/** errno codes worth injecting (any code of `os.constants.errno` works). */
export type FaultCode = "ENOSPC" | "EIO" | "EMFILE" | "EPERM" | "EXDEV" | "EBUSY" | "EACCES" | "EFBIG" | "EDQUOT" | "EINVAL" | (string & {});

const FILEHANDLE_METHODS: Record<string, FsCallName> = {
  close: "close", read: "read", write: "write", writev: "writev", sync: "fsync", datasync: "fdatasync",
  stat: "fstat", chmod: "fchmod", chown: "fchown", truncate: "ftruncate",
  readFile: "readFile", writeFile: "writeFile", appendFile: "appendFile",
};
/** Every call name the injector patches. */
export const ALL_FS_CALLS: FsCallName[] = [
  "open", "close", "read", "write", "writev", "fsync", "fdatasync", "rename", "unlink", "lstat", "stat",
  "fstat", "readlink", "fchmod", "fchown", "ftruncate", "truncate", "readFile", "writeFile", "appendFile",
  "mkdir", "readdir", "link", "copyFile", "rm",
];

const probe = await fs.promises.open(os.devNull, "r");
const fileHandleProto = Object.getPrototypeOf(probe) as Record<string, unknown>;
await probe.close();

/** Decides, per call, whether it fails: return an error to inject, or undefined to pass. */
export type CallHook = (name: FsCallName, form: CallForm, args: unknown[]) => Error | undefined;

type AnyFn = (...args: unknown[]) => unknown;

/** Builds an error shaped like the ones libuv produces. */
export function errnoError(code: FaultCode, syscall: string, path?: unknown): NodeJS.ErrnoException {
  const where = typeof path === "string" ? ` '${path}'` : "";
  const err: NodeJS.ErrnoException = new Error(`${code}: injected fault, ${syscall}${where}`);
  err.code = code;
  err.errno = -((os.constants.errno as Record<string, number>)[code] ?? 1);
  err.syscall = syscall;
  if (typeof path === "string") err.path = path;
  return err;
}

/**
 * A failing close(2) still releases the descriptor on Linux, so an injected close failure closes
 * for real and then reports the error; every other injected failure has no effect.
 */
function failClose(original: AnyFn, self: unknown, args: unknown[], form: CallForm, err: Error): unknown {
  if (form === "sync") {
    try {
      original.apply(self, args);
    } catch {
      // the injected error is the one to report
    }
    throw err;
  }
  if (form === "callback") {
    const cb = args[args.length - 1] as AnyFn;
    return original.apply(self, [...args.slice(0, -1), () => cb(err)]);
  }
  return (original.apply(self, args) as Promise<unknown>).then(
    () => Promise.reject(err),
    () => Promise.reject(err),
  );
}

function wrap(original: AnyFn, name: FsCallName, form: CallForm, hook: CallHook): AnyFn {
  return function (this: unknown, ...args: unknown[]) {
    const err = hook(name, form, args);
    if (!err) return original.apply(this, args);
    if (name === "close") return failClose(original, this, args, form, err);
    if (form === "sync") throw err;
    if (form === "callback") {
      const cb = args[args.length - 1];
      if (typeof cb === "function") return void process.nextTick(cb as AnyFn, err);
      throw err;
    }
    return Promise.reject(err);
  };
}

/** Routes every public fs call through `hook`. Returns the function that undoes it. */
export function interceptFs(hook: CallHook): () => void {
  const undo: Array<() => void> = [];
  const patch = (obj: Record<string, unknown>, key: string, name: FsCallName, form: CallForm) => {
    const original = obj[key];
    if (typeof original !== "function") return;
    obj[key] = wrap(original as AnyFn, name, form, hook);
    undo.push(() => (obj[key] = original));
  };
  const fsObj = fs as unknown as Record<string, unknown>;
  const promises = fs.promises as unknown as Record<string, unknown>;
  for (const name of ALL_FS_CALLS) {
    patch(fsObj, `${name}Sync`, name, "sync");
    patch(fsObj, name, name, "callback");
    patch(promises, name, name, "promise");
  }
  for (const [method, name] of Object.entries(FILEHANDLE_METHODS)) patch(fileHandleProto, method, name, "filehandle");
  syncBuiltinESMExports();
  return () => {
    for (const u of undo.reverse()) u();
    syncBuiltinESMExports();
  };
}

function pathArg(name: FsCallName, form: CallForm, args: unknown[]): unknown {
  if (form === "filehandle" || name.startsWith("f")) return undefined;
  const p = args[0];
  return p instanceof URL ? p.pathname : Buffer.isBuffer(p) ? p.toString() : p;
}

/** What {@link injectFault} injects. */
export interface FaultSpec {
  /** The call(s) that count, e.g. `"fsync"` or `["fsync", "fdatasync"]`. */
  call: FsCallName | FsCallName[];
  /** The 1-based index of the first matching call that fails. Default 1. */
  nth?: number;
  /** errno code of the injected error. */
  code: FaultCode;
  /** How many matching calls fail, from the nth on. Default 1; `Infinity`: every one after. */
  times?: number;
  /** Only calls whose path argument satisfies this count (fd-based calls have no path). */
  path?: (path: string | undefined) => boolean;
  /** Only calls of these forms count. Default: all forms. */
  forms?: CallForm[];
}

/** A live fault injection. */
export interface FaultInjector {
  /** Matching calls seen so far (failed or not). */
  readonly calls: number;
  /** Calls that were made to fail. */
  readonly injected: number;
  /** `name/form` of each matching call, in order. */
  readonly log: readonly string[];
  restore(): void;
}

/** Makes the `nth` (…`nth + times - 1`) matching fs call fail with `code`. */
export function injectFault(spec: FaultSpec): FaultInjector {
  const names = new Set(Array.isArray(spec.call) ? spec.call : [spec.call]);
  const nth = spec.nth ?? 1;
  const times = spec.times ?? 1;
  const state = { calls: 0, injected: 0, log: [] as string[] };
  const restore = interceptFs((name, form, args) => {
    if (!names.has(name) || (spec.forms && !spec.forms.includes(form))) return undefined;
    const p = pathArg(name, form, args);
    if (spec.path && !spec.path(typeof p === "string" ? p : undefined)) return undefined;
    state.calls++;
    state.log.push(`${name}/${form}`);
    if (state.calls < nth || state.calls >= nth + times) return undefined;
    state.injected++;
    return errnoError(spec.code, name, p);
  });
  return {
    get calls() { return state.calls; },
    get injected() { return state.injected; },
    get log() { return state.log; },
    restore,
  };
}

/** Counts fs calls by name (all forms together), without failing any. */
export function countCalls(names: FsCallName[] = ALL_FS_CALLS): { readonly counts: Record<string, number>; readonly log: readonly string[]; restore(): void } {
  const wanted = new Set(names);
  const counts: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  const log: string[] = [];
  const restore = interceptFs((name, form) => {
    if (wanted.has(name)) {
      counts[name]!++;
      log.push(`${name}/${form}`);
    }
    return undefined;
  });
  return { counts, log, restore };
}

/** Runs `fn` with `spec` injected, restoring fs afterwards whatever happens. */
export async function withFault<T>(spec: FaultSpec, fn: (f: FaultInjector) => T | Promise<T>): Promise<T> {
  const f = injectFault(spec);
  try {
    return await fn(f);
  } finally {
    f.restore();
  }
}

/** Runs `fn` while counting the named fs calls; resolves to the counts. */
export async function countDuring(names: FsCallName[], fn: () => unknown): Promise<Record<string, number>> {
  const counter = countCalls(names);
  try {
    await fn();
  } finally {
    counter.restore();
  }
  return counter.counts;
}
