import { AsyncLocalStorage } from "node:async_hooks";
import * as fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { bytesWritten, fdFrom, fileOptions, flagBits, isPosition, pathText, toBytes, writeArgs, type FileOptions } from "./fs-args.js";
import { Image, nextIno, ROOT, snapshot } from "./image.js";
import { applyOp, type Ino, type Op } from "./ops.js";
import { site } from "./site.js";

const F = fs.constants;

/** What `record` returns: the directory as it was before `fn`, and every op `fn` made in it. */
export interface Recording {
  readonly initial: Image;
  readonly ops: readonly Op[];
}

interface OpenFile {
  ino: Ino;
  pos: number;
  append: boolean;
  /** Opened with O_SYNC or O_DSYNC: every write is followed by an implicit fsync. */
  sync: boolean;
}

type Handler = (rec: Recorder, call: Call) => void;
interface Call {
  args: unknown[];
  result: unknown;
  where: string;
  /** The fd of the FileHandle a method was called on, read before the call (close resets it). */
  fd: number | undefined;
}

/** Source line of the call being turned into ops (set by the wrapper before its handler runs). */
let currentWhere = "<unknown>";
/** Unwrapped functions for the recorder's own reads. */
const originals = {
  readFileSync: fs.readFileSync,
  realpathSync: fs.realpathSync,
};
/** Set while a wrapped call runs, so the calls it makes itself (fs.writeFile -> fs.open) are not recorded twice. */
const inside = new AsyncLocalStorage<true>();

/**
 * Shared by every copy of this module in the process (a CLI and a user's project may each load
 * their own crashsafe): one set of fs wrappers, one active recording, so `ack` always reaches it.
 */
const shared = ((globalThis as Record<symbol, unknown>)[Symbol.for("crashsafe.testing.recorder")] ??= {
  active: undefined,
  installed: false,
}) as { active: Recorder | undefined; installed: boolean };

/** Tracks path -> inode and fd -> inode while `fn` runs, and turns completed fs calls into ops. */
class Recorder {
  readonly mirror: Image;
  readonly ops: Op[] = [];
  readonly fds = new Map<number, OpenFile>();
  readonly errors: unknown[] = [];
  private readonly roots: string[];
  private next: Ino;

  constructor(root: string, initial: Image) {
    this.mirror = initial.clone();
    this.next = nextIno(initial);
    this.roots = [...new Set([resolve(root), originals.realpathSync(root)])];
  }

  /** Path components below the root, or undefined when `p` is outside it. */
  parts(p: unknown): string[] | undefined {
    const text = pathText(p);
    if (text === "") return undefined;
    for (const root of this.roots) {
      const rel = relative(root, resolve(text));
      if (rel === "") return [];
      if (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)) return rel.split(sep);
    }
    return undefined;
  }

  lookup(p: unknown): Ino | undefined {
    const parts = this.parts(p);
    return parts === undefined ? undefined : this.mirror.lookup(parts);
  }

  /** [parent inode, name] of a path inside the root whose parent exists. */
  parent(p: unknown): [Ino, string] | undefined {
    const parts = this.parts(p);
    if (parts === undefined || parts.length === 0) return undefined;
    const dir = this.mirror.lookup(parts.slice(0, -1));
    return dir === undefined ? undefined : [dir, parts[parts.length - 1]!];
  }

  newIno(): Ino {
    return this.next++;
  }

  emit(op: Op): void {
    if (op.op === "write" || op.op === "trunc" || op.op === "fsync" || op.op === "fdatasync" || op.op === "close") {
      const file = this.nameOf(op.ino);
      if (file !== undefined) op.file = file;
    }
    this.ops.push(op);
    applyOp(this.mirror, op);
  }

  /** A path (relative to the root) that currently names `ino`, for readable traces. */
  nameOf(ino: Ino): string | undefined {
    for (const [path] of this.mirror.tree()) if (this.mirror.lookup(path.split("/")) === ino) return path;
    return ino === ROOT ? "" : undefined;
  }

  size(ino: Ino): number {
    const node = this.mirror.nodes.get(ino);
    return node?.kind === "file" ? node.bytes.length : 0;
  }

  readBack(p: unknown): Uint8Array {
    return new Uint8Array(originals.readFileSync(p as fs.PathLike));
  }
}

/**
 * Runs `fn(dir)` once with node:fs recorded and returns the directory as it was before and every
 * logical op `fn` made in it (create, write at offset, truncate, rename, fsync/fdatasync of a file
 * or of the directory (inode 0), …), each with the source line that issued it. This is the trace
 * {@link simulateCrashes} replays; use it to see what a save path really does, e.g. whether it
 * fsyncs the directory after its rename. One recording at a time.
 */
export async function recordOps(dir: string, fn: (dir: string) => unknown): Promise<Recording> {
  if (shared.active !== undefined) throw new Error("crashsafe/testing: simulateCrashes calls cannot overlap");
  const initial = snapshot(dir);
  const rec = new Recorder(dir, initial);
  shared.active = rec;
  try {
    await fn(dir);
  } finally {
    shared.active = undefined;
  }
  if (rec.errors.length > 0) throw rec.errors[0];
  return { initial, ops: rec.ops };
}

/** Records an `ack` op when a recording is running. */
export function recordAck(label: string): void {
  shared.active?.emit({ op: "ack", label, where: site() });
}

// ---------------------------------------------------------------- op producers

function doOpen(rec: Recorder, path: unknown, flags: unknown, fd: number | undefined): void {
  if (fd === undefined) return;
  const bits = flagBits(flags, "r");
  let ino = rec.lookup(path);
  if (ino === undefined && (bits & F.O_CREAT) !== 0) {
    const parent = rec.parent(path);
    if (parent === undefined) return;
    ino = rec.newIno();
    rec.emit({ op: "creat", dir: parent[0], name: parent[1], ino, where: currentWhere });
  } else if (ino !== undefined && (bits & F.O_TRUNC) !== 0 && rec.size(ino) > 0) {
    rec.emit({ op: "trunc", ino, size: 0, where: currentWhere });
  }
  if (ino !== undefined) rec.fds.set(fd, { ino, pos: 0, append: (bits & F.O_APPEND) !== 0, sync: (bits & (F.O_SYNC | F.O_DSYNC)) !== 0 });
}

function doWrite(rec: Recorder, fd: number | undefined, data: Uint8Array, position: number | undefined): void {
  const file = fd === undefined ? undefined : rec.fds.get(fd);
  if (file === undefined || data.length === 0) return;
  const off = file.append ? rec.size(file.ino) : (position ?? file.pos);
  rec.emit({ op: "write", ino: file.ino, off, data: data.slice(), where: currentWhere });
  if (file.append || position === undefined) file.pos = off + data.length;
  if (file.sync) rec.emit({ op: "fsync", ino: file.ino, where: currentWhere });
}

function doSync(rec: Recorder, fd: number | undefined, kind: "fsync" | "fdatasync"): void {
  const file = fd === undefined ? undefined : rec.fds.get(fd);
  if (file !== undefined) rec.emit({ op: kind, ino: file.ino, where: currentWhere });
}

/** writeFile / appendFile / copyFile on a path, or writeFile on an fd or FileHandle. */
function doWriteFile(rec: Recorder, target: unknown, data: Uint8Array | undefined, options: FileOptions, append: boolean): void {
  const fd = fdFrom(target);
  if (fd !== undefined) {
    if (data !== undefined) doWrite(rec, fd, data, undefined);
    if (options.flush === true) doSync(rec, fd, "fsync");
    return;
  }
  const before = rec.lookup(target);
  const beforeSize = before === undefined ? 0 : rec.size(before);
  const fake = -1 - rec.ops.length;
  doOpen(rec, target, options.flag ?? (append ? "a" : "w"), fake);
  const bytes = data ?? rec.readBack(target).subarray(append ? beforeSize : 0);
  doWrite(rec, fake, bytes, undefined);
  if (options.flush === true) doSync(rec, fake, "fsync");
  rec.fds.delete(fake);
}

function doRemove(rec: Recorder, path: unknown, kind: "unlink" | "rmdir"): void {
  const ino = rec.lookup(path);
  const parent = rec.parent(path);
  if (ino === undefined || parent === undefined) return;
  const node = rec.mirror.nodes.get(ino);
  if (node?.kind === "dir") {
    for (const name of [...node.entries.keys()]) doRemove(rec, join(pathText(path), name), "unlink");
    rec.emit({ op: "rmdir", dir: parent[0], name: parent[1], ino, where: currentWhere });
  } else rec.emit({ op: kind === "rmdir" ? "unlink" : kind, dir: parent[0], name: parent[1], ino, where: currentWhere });
}

function doMkdir(rec: Recorder, path: unknown, options: unknown): void {
  const parts = rec.parts(path);
  if (parts === undefined) return;
  const recursive = (options as { recursive?: boolean } | null | undefined)?.recursive === true;
  for (let i = recursive ? 1 : parts.length; i <= parts.length; i++) {
    const dir = rec.mirror.lookup(parts.slice(0, i - 1));
    if (dir === undefined || rec.mirror.lookup(parts.slice(0, i)) !== undefined) continue;
    rec.emit({ op: "mkdir", dir, name: parts[i - 1]!, ino: rec.newIno(), where: currentWhere });
  }
}

function doRename(rec: Recorder, from: unknown, to: unknown): void {
  const ino = rec.lookup(from);
  const src = rec.parent(from);
  const dst = rec.parent(to);
  if (ino === undefined || src === undefined || dst === undefined) return;
  const victim = rec.lookup(to);
  rec.emit({ op: "rename", src, dst, ino, ...(victim !== undefined && victim !== ino ? { victim } : {}), where: currentWhere });
}

function doLink(rec: Recorder, existing: unknown, path: unknown): void {
  const ino = rec.lookup(existing);
  const dst = rec.parent(path);
  if (ino !== undefined && dst !== undefined) rec.emit({ op: "link", dir: dst[0], name: dst[1], ino, where: currentWhere });
}

function doTruncate(rec: Recorder, ino: Ino | undefined, len: unknown): void {
  if (ino !== undefined) rec.emit({ op: "trunc", ino, size: typeof len === "number" ? len : 0, where: currentWhere });
}

function doClose(rec: Recorder, fd: number | undefined): void {
  const file = fd === undefined ? undefined : rec.fds.get(fd);
  if (file === undefined) return;
  rec.fds.delete(fd!);
  rec.emit({ op: "close", ino: file.ino, where: currentWhere });
}

/** Handlers by call name, for the path/fd forms of `fs`, `fs.promises` (first argument = path or fd). */
const moduleHandlers: Record<string, Handler> = {
  open: (r, c) => {
    doOpen(r, c.args[0], c.args[1], fdFrom(c.result));
    wrapOwnClose(c.result);
  },
  close: (r, c) => doClose(r, fdFrom(c.args[0])),
  write: (r, c) => writeVia(r, fdFrom(c.args[0]), c.args.slice(1), c.result),
  writev: (r, c) => writevVia(r, fdFrom(c.args[0]), c.args[1], c.args[2], c.result),
  writeFile: (r, c) => doWriteFile(r, c.args[0], toBytes(c.args[1], fileOptions(c.args[2]).encoding), fileOptions(c.args[2]), false),
  appendFile: (r, c) => doWriteFile(r, c.args[0], toBytes(c.args[1], fileOptions(c.args[2]).encoding), { ...fileOptions(c.args[2]), flag: fileOptions(c.args[2]).flag ?? "a" }, true),
  copyFile: (r, c) => doWriteFile(r, c.args[1], undefined, {}, false),
  truncate: (r, c) => doTruncate(r, fdFrom(c.args[0]) !== undefined ? r.fds.get(fdFrom(c.args[0])!)?.ino : r.lookup(c.args[0]), c.args[1]),
  ftruncate: (r, c) => doTruncate(r, r.fds.get(fdFrom(c.args[0]) ?? -1)?.ino, c.args[1]),
  fsync: (r, c) => doSync(r, fdFrom(c.args[0]), "fsync"),
  fdatasync: (r, c) => doSync(r, fdFrom(c.args[0]), "fdatasync"),
  rename: (r, c) => doRename(r, c.args[0], c.args[1]),
  unlink: (r, c) => doRemove(r, c.args[0], "unlink"),
  rmdir: (r, c) => doRemove(r, c.args[0], "rmdir"),
  rm: (r, c) => doRemove(r, c.args[0], "unlink"),
  mkdir: (r, c) => doMkdir(r, c.args[0], c.args[1]),
  link: (r, c) => doLink(r, c.args[0], c.args[1]),
};

/** Handlers of FileHandle methods: the handle's fd stands in for the first argument. */
const handleHandlers: Record<string, Handler> = {
  write: (r, c) => writeVia(r, c.fd, c.args, c.result),
  writev: (r, c) => writevVia(r, c.fd, c.args[0], c.args[1], c.result),
  writeFile: (r, c) => doWriteFile(r, c.fd, toBytes(c.args[0], fileOptions(c.args[1]).encoding), fileOptions(c.args[1]), false),
  appendFile: (r, c) => doWriteFile(r, c.fd, toBytes(c.args[0], fileOptions(c.args[1]).encoding), fileOptions(c.args[1]), true),
  truncate: (r, c) => doTruncate(r, r.fds.get(c.fd ?? -1)?.ino, c.args[0]),
  sync: (r, c) => doSync(r, c.fd, "fsync"),
  datasync: (r, c) => doSync(r, c.fd, "fdatasync"),
  close: (r, c) => doClose(r, c.fd),
};

function writeVia(rec: Recorder, fd: number | undefined, rest: unknown[], result: unknown): void {
  const decoded = writeArgs(rest);
  const n = bytesWritten(result);
  if (decoded !== undefined) doWrite(rec, fd, decoded.data.subarray(0, n ?? decoded.data.length), decoded.position);
}

function writevVia(rec: Recorder, fd: number | undefined, buffers: unknown, position: unknown, result: unknown): void {
  if (!Array.isArray(buffers)) return;
  const all = Buffer.concat(buffers.map((b) => toBytes(b, undefined) ?? new Uint8Array(0)));
  const n = bytesWritten(result);
  doWrite(rec, fd, all.subarray(0, n ?? all.length), isPosition(position) ? Number(position) : undefined);
}

// ---------------------------------------------------------------- patching

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;

function handle(handler: Handler, call: Call): void {
  const rec = shared.active;
  if (rec === undefined) return;
  currentWhere = call.where;
  try {
    handler(rec, call);
  } catch (error) {
    rec.errors.push(error);
  }
}

function handleFd(self: unknown): number | undefined {
  return fdFrom(self);
}

function wrapSync(orig: AnyFn, handler: Handler, method: boolean): AnyFn {
  return function (this: unknown, ...args: unknown[]) {
    if (shared.active === undefined || inside.getStore() === true) return orig.apply(this, args);
    const where = site();
    const fd = method ? handleFd(this) : undefined;
    const result = inside.run(true, () => orig.apply(this, args));
    handle(handler, { args, result, where, fd });
    return result;
  };
}

function wrapCallback(orig: AnyFn, handler: Handler): AnyFn {
  return function (this: unknown, ...args: unknown[]) {
    const last = args.length - 1;
    const cb = args[last];
    if (shared.active === undefined || inside.getStore() === true || typeof cb !== "function") return orig.apply(this, args);
    const where = site();
    const callArgs = args.slice(0, last);
    const wrapped = (err: unknown, ...res: unknown[]): void => {
      if (err === null || err === undefined) handle(handler, { args: callArgs, result: res[0], where, fd: undefined });
      inside.exit(() => (cb as (...a: unknown[]) => void)(err, ...res));
    };
    return inside.run(true, () => orig.apply(this, [...callArgs, wrapped]));
  };
}

function wrapPromise(orig: AnyFn, handler: Handler, method: boolean): AnyFn {
  return function (this: unknown, ...args: unknown[]) {
    if (shared.active === undefined || inside.getStore() === true) return orig.apply(this, args);
    const where = site();
    const fd = method ? handleFd(this) : undefined;
    const promise = inside.run(true, () => orig.apply(this, args)) as Promise<unknown>;
    return promise.then((result) => {
      handle(handler, { args, result, where, fd });
      return result;
    });
  };
}

/** FileHandle's `close` is an own arrow-function property of each handle, not a prototype method. */
function wrapOwnClose(handle: unknown): void {
  if (handle !== null && typeof handle === "object" && Object.hasOwn(handle, "close")) {
    patch(handle as Record<string, unknown>, "close", (o) => wrapPromise(o, handleHandlers.close!, true));
  }
}

function patch(target: Record<string, unknown>, name: string, wrap: (orig: AnyFn) => AnyFn): void {
  const orig = target[name];
  if (typeof orig === "function") target[name] = wrap(orig as AnyFn);
}

async function install(): Promise<void> {
  const mod = fs as unknown as Record<string, unknown>;
  const target = (mod.default ?? mod) as Record<string, unknown>;
  const promises = target.promises as Record<string, unknown>;
  // FileHandle is not exported: take its prototype from a handle opened on this very module.
  const probe = await fs.promises.open(fileURLToPath(import.meta.url), "r");
  const handleProto = Object.getPrototypeOf(probe) as Record<string, unknown>;
  await probe.close();
  for (const [name, handler] of Object.entries(moduleHandlers)) {
    patch(target, `${name}Sync`, (o) => wrapSync(o, handler, false));
    patch(target, name, (o) => wrapCallback(o, handler));
    patch(promises, name, (o) => wrapPromise(o, handler, false));
  }
  for (const [name, handler] of Object.entries(handleHandlers)) patch(handleProto, name, (o) => wrapPromise(o, handler, true));
  syncBuiltinESMExports();
}

if (!shared.installed) {
  shared.installed = true;
  await install();
}
