/**
 * The atomic (and durable) replace sequence, written once as a procedure of fs steps:
 *
 *   open(temp, wx, mode) ‖ lstat(target) ‖ [open(dir)] → [fchown] → [fchmod] → write all bytes
 *   → [fdatasync] → close → rename(temp, target) → [fsync(dir) → close(dir)]
 *
 * Brackets are skipped when unnecessary (owner or mode already right) or in `"atomic"` mode.
 * Any failure before the rename closes and unlinks the temp and throws a {@link WriteError}
 * naming the step; the target keeps its previous contents. A failed fsync is never retried and
 * its temp is never renamed (after a failed fsync the kernel may have dropped the dirty pages
 * and a second fsync would "succeed" on nothing: PostgreSQL's fsyncgate).
 */
import path from "node:path";
import { call, codeOf, type Op, type Proc, type Settled } from "./fs-ops.js";
import { DurabilityUnknownError, WriteError, type WriteStep } from "./errors.js";
import { tempPathFor, trackTemp } from "./temp.js";
import { hintFor, rememberHint, resolveTarget, targetFromLstat, type Target } from "./target.js";
import { platform } from "./platform.js";

/** What one physical write needs; built by write.ts from the caller's options. */
export interface ReplaceJob {
  /** Absolute path as the caller named it (the cache key; errors name it). */
  abs: string;
  data: Uint8Array;
  durable: boolean;
  /** Explicit mode from the caller, else the existing file's mode is kept. */
  mode: number | undefined;
  /** Returns the abort reason once the write should stop, else undefined. */
  aborted: () => unknown;
}

const EXCLUSIVE_CREATE_ATTEMPTS = 3;
/** Directory fsync errors that only mean "not supported here" (SQLite ignores them too). */
const DIR_FSYNC_UNSUPPORTED = new Set(["EINVAL", "ENOTSUP", "EOPNOTSUPP", "EISDIR", "EBADF"]);
/** Windows rename failures caused by another process holding the file, for a moment. */
const WIN32_RENAME_TRANSIENT = new Set(["EPERM", "EBUSY", "EACCES"]);
const RENAME_BACKOFF_MS = [5, 10, 20, 40, 80, 160, 320, 500];

let umaskCache: number | undefined;
function umask(): number {
  // Read once: reading the umask briefly sets it to 0, which would race with other threads.
  return (umaskCache ??= process.umask());
}

function* quietly(op: Op): Proc<void> {
  try {
    yield* call(op);
  } catch {
    // best-effort cleanup: the original error is what the caller needs
  }
}

function* step<R>(job: ReplaceJob, name: WriteStep, body: Proc<R>): Proc<R> {
  try {
    return yield* body;
  } catch (e) {
    throw e instanceof WriteError || e === job.aborted() ? e : new WriteError(job.abs, name, e);
  }
}

function checkAbort(job: ReplaceJob): void {
  const reason = job.aborted();
  if (reason !== undefined) throw reason;
}

interface OpenTemp {
  fd: number;
  temp: string;
  /** The mode passed to open(), before the umask. */
  openMode: number;
}

function* openTemp(job: ReplaceJob, file: string, openMode: number): Proc<OpenTemp> {
  for (let attempt = 1; ; attempt++) {
    const temp = tempPathFor(file);
    try {
      const fd = yield* call<number>({ kind: "open", path: temp, flags: "wx", mode: openMode });
      trackTemp(temp, true);
      return { fd, temp, openMode };
    } catch (e) {
      if (codeOf(e) !== "EEXIST" || attempt >= EXCLUSIVE_CREATE_ATTEMPTS) throw new WriteError(job.abs, "open-temp", e);
    }
  }
}

function* discardTemp(t: OpenTemp, closed = false): Proc<void> {
  if (!closed) yield* quietly({ kind: "close", fd: t.fd });
  yield* quietly({ kind: "unlink", path: t.temp });
  trackTemp(t.temp, false);
}

function* writeAll(job: ReplaceJob, fd: number): Proc<void> {
  const { data } = job;
  for (let off = 0; off < data.length; ) {
    const n = yield* call<number>({ kind: "write", fd, buf: data, off, len: data.length - off, pos: off });
    if (n <= 0) {
      throw Object.assign(new Error(`short write: ${off} of ${data.length} bytes`), { code: "ESHORTWRITE", syscall: "write" });
    }
    off += n;
  }
}

/** Owner and mode fixes, only when the freshly created temp differs from what the target needs. */
function* fixOwnerAndMode(job: ReplaceJob, target: Target, t: OpenTemp, mode: number): Proc<void> {
  if (platform.win32) return;
  const { uid, gid } = target;
  if (uid !== undefined && gid !== undefined && process.getuid?.() === 0 && (uid !== 0 || gid !== process.getgid?.())) {
    yield* step(job, "chown", call({ kind: "fchown", fd: t.fd, uid, gid }));
  }
  // open() applied the umask (and ignores bits above 0o777 here); fchmod only to repair that.
  if ((t.openMode & 0o777 & ~umask()) !== mode) {
    yield* step(job, "chmod", call({ kind: "fchmod", fd: t.fd, mode }));
  }
}

/** Fills the open temp with the data, durably if asked, and closes it; discards it on failure. */
function* fillTemp(job: ReplaceJob, target: Target, t: OpenTemp, mode: number): Proc<void> {
  const { fd } = t;
  let closed = false;
  try {
    yield* fixOwnerAndMode(job, target, t, mode);
    yield* step(job, "write", writeAll(job, fd));
    checkAbort(job);
    if (job.durable) yield* step(job, "fsync", call({ kind: "fdatasync", fd }));
    closed = true; // a failed close must not be retried: the fd number may already be reused
    yield* step(job, "close", call({ kind: "close", fd }));
  } catch (e) {
    yield* discardTemp(t, closed);
    throw e;
  }
}

function* renameIntoPlace(job: ReplaceJob, temp: string, file: string): Proc<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return yield* call({ kind: "rename", from: temp, to: file });
    } catch (e) {
      const transient = platform.win32 && WIN32_RENAME_TRANSIENT.has(codeOf(e) ?? "");
      if (!transient || attempt >= RENAME_BACKOFF_MS.length) throw new WriteError(job.abs, "rename", e);
      yield* call({ kind: "sleep", ms: RENAME_BACKOFF_MS[attempt]! });
    }
  }
}

/**
 * fsyncs `dir` so the rename itself survives a power cut, using `fd` when the directory was
 * opened in advance. Errors that only say "not supported here" are ignored, as SQLite does.
 */
export function* fsyncDir(abs: string, dir: string, fd?: number): Proc<void> {
  if (platform.win32) return; // FlushFileBuffers on a directory handle fails: not possible there
  if (fd === undefined) {
    try {
      fd = yield* call<number>({ kind: "open", path: dir, flags: "r", mode: 0 });
    } catch (e) {
      throw new DurabilityUnknownError(abs, e);
    }
  }
  try {
    yield* call({ kind: "fsync", fd });
  } catch (e) {
    if (!DIR_FSYNC_UNSUPPORTED.has(codeOf(e) ?? "")) throw new DurabilityUnknownError(abs, e);
  } finally {
    yield* call({ kind: "release", fd });
  }
}

interface Prepared {
  target: Target;
  /** The temp, when it could be opened together with the lstat. */
  opened: OpenTemp | undefined;
  /** The target's directory, opened in advance for the final fsync (durable mode). */
  dirFd: number | undefined;
}

function* resolveSlowly(job: ReplaceJob): Proc<Prepared> {
  return { target: yield* step(job, "resolve", resolveTarget(job.abs)), opened: undefined, dirFd: undefined };
}

/**
 * Resolves the target and opens a temp beside it. When the previous write found no symlink here,
 * the target's lstat, the temp's open and (durable mode) the directory's open run concurrently,
 * which takes two round trips off the critical path. In the rare case that the path has become a
 * symlink meanwhile, those fds are dropped and the write starts again beside the link's target.
 */
function* prepare(job: ReplaceJob): Proc<Prepared> {
  const hint = hintFor(job.abs);
  if (hint !== undefined && hint.file !== job.abs) return yield* resolveSlowly(job);
  const temp = tempPathFor(job.abs);
  const openMode = job.mode ?? hint?.mode ?? 0o666;
  const ops: Op[] = [{ kind: "lstat", path: job.abs }, { kind: "open", path: temp, flags: "wx", mode: openMode }];
  if (job.durable && !platform.win32) ops.push({ kind: "open", path: path.dirname(job.abs), flags: "r", mode: 0 });
  const [st, op, dir] = yield* call<Settled[]>({ kind: "all", ops });
  const opened = op!.ok ? { fd: op!.value as number, temp, openMode } : undefined;
  if (opened) trackTemp(temp, true);
  const dirFd = dir?.ok ? (dir.value as number) : undefined;
  let target: Target | "symlink";
  try {
    target = targetFromLstat(job.abs, st!);
    if (!op!.ok && target !== "symlink" && codeOf(op!.error) !== "EEXIST") throw new WriteError(job.abs, "open-temp", op!.error);
  } catch (e) {
    yield* abandon(opened, dirFd);
    throw e instanceof WriteError ? e : new WriteError(job.abs, "resolve", e);
  }
  if (target !== "symlink") return { target, opened, dirFd };
  yield* abandon(opened, dirFd);
  return yield* resolveSlowly(job);
}

function* abandon(opened: OpenTemp | undefined, dirFd: number | undefined): Proc<void> {
  if (opened) yield* discardTemp(opened);
  if (dirFd !== undefined) yield* call({ kind: "release", fd: dirFd });
}

/** One physical atomic write of `job.data` to `job.abs`. */
export function* replaceFile(job: ReplaceJob): Proc<void> {
  checkAbort(job);
  const { target, opened, dirFd } = yield* prepare(job);
  const mode = job.mode ?? target.mode ?? (0o666 & ~umask());
  try {
    const t = opened ?? (yield* openTemp(job, target.file, mode));
    yield* fillTemp(job, target, t, mode);
    try {
      checkAbort(job);
      yield* renameIntoPlace(job, t.temp, target.file);
    } catch (e) {
      yield* quietly({ kind: "unlink", path: t.temp });
      throw e;
    } finally {
      trackTemp(t.temp, false);
    }
  } catch (e) {
    yield* abandon(undefined, dirFd);
    throw e;
  }
  rememberHint(job.abs, { file: target.file, mode });
  if (job.durable) yield* fsyncDir(job.abs, path.dirname(target.file), dirFd);
}
