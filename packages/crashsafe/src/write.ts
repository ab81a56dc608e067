/**
 * Atomic, durable file replacement: writeFileAtomic(Sync) and writeJson(Sync).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runSync } from "./fs-ops.js";
import { replaceFile, type ReplaceJob } from "./replace.js";
import { submitWrite } from "./write-queue.js";

/**
 * How far a completed write is guaranteed to survive.
 * - `"durable"` (default): the new contents survive a process crash **and** a power cut or
 *   kernel crash once the call returns (temp fdatasync + rename + directory fsync; on Windows the
 *   directory cannot be fsynced, so after a power cut the file is old or new but may be old).
 * - `"atomic"`: no fsync. The file is always old or new and a returned write survives a process
 *   crash (SIGKILL, OOM kill, uncaught exception), because the page cache outlives the process.
 *   After a power cut the file may be old, or, on file systems without ext4's rename heuristic
 *   (`auto_da_alloc`), even empty.
 */
export type Durability = "durable" | "atomic";

/** Options of {@link writeFileAtomic} and friends. The object is never modified. */
export interface WriteOptions {
  /** Default `"durable"`. See {@link Durability} for what each mode survives. */
  durability?: Durability;
  /**
   * Mode bits of the new file. Default: the existing file's mode, or `0o666 & ~umask` for a new
   * file. An explicit mode is applied exactly (the umask does not apply to it).
   */
  mode?: number;
  /** Encoding of string data. Default `"utf8"`. */
  encoding?: BufferEncoding;
  /**
   * Stops the write if aborted before the rename; the promise rejects with `signal.reason` and
   * the target is untouched. Once renamed, the write completes.
   */
  signal?: AbortSignal;
}

/** Options of {@link writeJson}: {@link WriteOptions} plus `JSON.stringify`'s indentation. */
export interface WriteJsonOptions extends WriteOptions {
  /** Indentation passed to `JSON.stringify`. Default: none (compact). */
  space?: number | string;
}

/** The absolute path of `file` (a path relative to the working directory, or a `file:` URL). */
export function absPath(file: string | URL): string {
  return path.resolve(typeof file === "string" ? file : fileURLToPath(file));
}

function toBytes(data: string | Uint8Array, encoding: BufferEncoding | undefined): Uint8Array {
  return typeof data === "string" ? Buffer.from(data, encoding ?? "utf8") : data;
}

function jsonText(value: unknown, space: number | string | undefined): string {
  const text = JSON.stringify(value, null, space);
  if (text === undefined) throw new TypeError(`writeJson: ${typeof value} is not representable as JSON`);
  return text + "\n";
}

/**
 * Replaces the file at `file` with `data` atomically: readers and crashes see the old contents or
 * the new, never a mix, an empty file or a truncated one. In the default `"durable"` mode the new
 * contents also survive a power cut once the promise resolves (see {@link Durability}).
 *
 * The temp file is created in the target's directory (unique name, exclusive create), fully
 * written, fdatasynced, renamed over the target and the directory is fsynced. Symlinks are
 * followed (the link's target is replaced, the link kept); the existing mode, and owner when
 * running as root, are kept. Concurrent calls for one path in this process are serialized and
 * coalesced: each promise settles once data at least as new as its own is written, and rejects if
 * the physical write carrying its data fails. Do not modify `data` until the promise settles.
 *
 * On Windows a rename refused with EPERM/EBUSY/EACCES (another process, such as an antivirus or
 * indexer, holds the file for a moment) is retried with bounded backoff (8 tries, about 1.1 s in
 * all); elsewhere those codes are real permission errors and fail at once. There is no directory
 * fsync on Windows (see {@link Durability}).
 *
 * @throws {WriteError} with the OS `code` (ENOSPC, EIO, EFBIG, EXDEV, …), the `path` and the
 *   `step` that failed; the target is unchanged and no temp file is left.
 * @throws {DurabilityUnknownError} when the file was replaced but the directory fsync failed.
 */
export function writeFileAtomic(file: string | URL, data: string | Uint8Array, options: WriteOptions = {}): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  let bytes: Uint8Array;
  let abs: string;
  try {
    abs = absPath(file);
    bytes = toBytes(data, options.encoding);
  } catch (e) {
    return Promise.reject(e);
  }
  return submitWrite(abs, { data: bytes, durable: options.durability !== "atomic", mode: options.mode, signal });
}

/**
 * Synchronous {@link writeFileAtomic}: the same steps and guarantees, blocking. Not coalesced with
 * async writes to the same path that are in flight; each call is one physical write.
 */
export function writeFileAtomicSync(file: string | URL, data: string | Uint8Array, options: WriteOptions = {}): void {
  const signal = options.signal;
  signal?.throwIfAborted();
  const job: ReplaceJob = {
    abs: absPath(file),
    data: toBytes(data, options.encoding),
    durable: options.durability !== "atomic",
    mode: options.mode,
    aborted: () => (signal?.aborted ? signal.reason : undefined),
  };
  runSync(replaceFile(job));
}

/**
 * Writes `value` as JSON (plus a trailing newline) with {@link writeFileAtomic}: atomic always,
 * and durable against power loss in the default `"durable"` mode.
 * @throws {TypeError} when `value` has no JSON form (undefined, a function, a BigInt).
 */
export function writeJson(file: string | URL, value: unknown, options: WriteJsonOptions = {}): Promise<void> {
  let text: string;
  try {
    text = jsonText(value, options.space);
  } catch (e) {
    return Promise.reject(e);
  }
  return writeFileAtomic(file, text, options);
}

/** Synchronous {@link writeJson}, with the guarantees of {@link writeFileAtomicSync}. */
export function writeJsonSync(file: string | URL, value: unknown, options: WriteJsonOptions = {}): void {
  writeFileAtomicSync(file, jsonText(value, options.space), options);
}
