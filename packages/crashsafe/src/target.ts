/**
 * What a write needs to know about its target: the real file behind any symlinks, and the mode
 * and owner to keep. Always read from the disk at write time (one `lstat`, which the async path
 * overlaps with the temp's `open`), so a chmod, chown or new symlink made between two writes is
 * honoured. A per-path hint remembers how the previous write went, so that the temp is usually
 * created with the right mode at once (no fchmod) and a known symlink is resolved directly.
 */
import path from "node:path";
import type { Stats } from "node:fs";
import { call, codeOf, type Proc, type Settled } from "./fs-ops.js";

/** The resolved target of a write. */
export interface Target {
  /** The regular file to replace (the final target of any symlink chain). */
  file: string;
  /** Mode bits (0o7777) of the existing file; `undefined` when there is none yet. */
  mode: number | undefined;
  /** Owner of the existing file; `undefined` when there is none yet. */
  uid: number | undefined;
  gid: number | undefined;
}

/** How the previous write to a path went: where it landed and with which mode. */
export interface Hint {
  file: string;
  mode: number;
}

const MAX_LINK_HOPS = 40; // Linux's limit (ELOOP) for symlink resolution
const HINT_LIMIT = 1024;
const hints = new Map<string, Hint>();

/**
 * Interprets an `lstat` of `file`: the target when it is a regular file or missing, `"symlink"`
 * when it is a link that must be resolved first. Other lstat errors are thrown.
 */
export function targetFromLstat(file: string, res: Settled): Target | "symlink" {
  if (!res.ok) {
    if (codeOf(res.error) === "ENOENT") return { file, mode: undefined, uid: undefined, gid: undefined };
    throw res.error;
  }
  const st = res.value as Stats;
  if (st.isSymbolicLink()) return "symlink";
  return { file, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

function loopError(file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ELOOP: too many symbolic links, '${file}'`), { code: "ELOOP", syscall: "lstat", path: file });
}

/** Follows the symlink chain at `abs` (lstat + readlink per hop) to the file to replace. */
export function* resolveTarget(abs: string): Proc<Target> {
  let file = abs;
  for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
    let res: Settled;
    try {
      res = { ok: true, value: yield* call<Stats>({ kind: "lstat", path: file }) };
    } catch (error) {
      res = { ok: false, error };
    }
    const target = targetFromLstat(file, res);
    if (target !== "symlink") return target;
    const link = yield* call<string>({ kind: "readlink", path: file });
    file = path.resolve(path.dirname(file), link);
  }
  throw loopError(abs);
}

/** The hint left by the previous successful write to `abs`, if any. */
export function hintFor(abs: string): Hint | undefined {
  return hints.get(abs);
}

/** Records how a successful write to `abs` went (bounded: oldest hints are dropped). */
export function rememberHint(abs: string, hint: Hint): void {
  const old = hints.get(abs);
  if (old && old.file === hint.file && old.mode === hint.mode) return;
  hints.delete(abs);
  if (hints.size >= HINT_LIMIT) hints.delete(hints.keys().next().value!);
  hints.set(abs, hint);
}
