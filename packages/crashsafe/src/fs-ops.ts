/**
 * File-system steps described once, run twice: a procedure is a generator that yields {@link Op}s
 * and receives their results; {@link runSync} executes them with the `*Sync` calls, {@link runAsync}
 * with the callback calls. The sync and async APIs therefore share one sequence of steps.
 * `all` runs independent ops concurrently (sequentially in sync mode); `release` closes an fd
 * without waiting for the result.
 *
 * Every call goes through the `fs` module object at call time (never a function captured at
 * import), so fault injectors and crash recorders that patch `node:fs` see each call.
 */
import fs from "node:fs";

/** One file-system call (or a pause) a procedure asks its driver to perform. */
export type Op =
  | { kind: "lstat"; path: string }
  | { kind: "readlink"; path: string }
  | { kind: "open"; path: string; flags: string; mode: number }
  | { kind: "write"; fd: number; buf: Uint8Array; off: number; len: number; pos: number }
  | { kind: "fchmod"; fd: number; mode: number }
  | { kind: "fchown"; fd: number; uid: number; gid: number }
  | { kind: "fsync" | "fdatasync" | "close"; fd: number }
  | { kind: "rename"; from: string; to: string }
  | { kind: "unlink"; path: string }
  | { kind: "sleep"; ms: number }
  | { kind: "release"; fd: number }
  | { kind: "all"; ops: Op[] };

/** Outcome of one op run inside an `all` op (which never throws itself). */
export type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A procedure: yields ops, gets each op's result back (or its error thrown in). */
export type Proc<T> = Generator<Op, T, unknown>;

/** The OS error code of an error (`"ENOENT"`, …), if it has one. */
export function codeOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Performs one op inside a procedure and returns its typed result. */
export function* call<R = void>(op: Op): Proc<R> {
  return (yield op) as R;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function settleSync(op: Op): Settled {
  try {
    return { ok: true, value: execSync(op) };
  } catch (error) {
    return { ok: false, error };
  }
}

function execSync(op: Op): unknown {
  switch (op.kind) {
    case "all": return op.ops.map(settleSync);
    case "release": return void settleSync({ kind: "close", fd: op.fd });
    case "lstat": return fs.lstatSync(op.path);
    case "readlink": return fs.readlinkSync(op.path);
    case "open": return fs.openSync(op.path, op.flags, op.mode);
    case "write": return fs.writeSync(op.fd, op.buf, op.off, op.len, op.pos);
    case "fchmod": return fs.fchmodSync(op.fd, op.mode);
    case "fchown": return fs.fchownSync(op.fd, op.uid, op.gid);
    case "fsync": return fs.fsyncSync(op.fd);
    case "fdatasync": return fs.fdatasyncSync(op.fd);
    case "close": return fs.closeSync(op.fd);
    case "rename": return fs.renameSync(op.from, op.to);
    case "unlink": return fs.unlinkSync(op.path);
    case "sleep": return Atomics.wait(sleeper, 0, 0, op.ms);
  }
}

type Callback = (err: NodeJS.ErrnoException | null, value?: unknown) => void;

/** Runs ops concurrently (one thread-pool request each): latency of the slowest, not the sum. */
function execAll(ops: Op[], cb: Callback): void {
  const out: Settled[] = [];
  let left = ops.length;
  ops.forEach((op, i) => {
    const done: Callback = (err, value) => {
      out[i] = err ? { ok: false, error: err } : { ok: true, value };
      if (--left === 0) cb(null, out);
    };
    try {
      execAsync(op, done);
    } catch (e) {
      done(e as NodeJS.ErrnoException);
    }
  });
}

function execAsync(op: Op, cb: Callback): void {
  switch (op.kind) {
    case "all": return execAll(op.ops, cb);
    // Closing a read-only fd we are done with: nobody waits for it, errors mean nothing.
    case "release": fs.close(op.fd, () => {}); return cb(null);
    case "lstat": return fs.lstat(op.path, cb);
    case "readlink": return fs.readlink(op.path, cb);
    case "open": return fs.open(op.path, op.flags, op.mode, cb);
    case "write": return fs.write(op.fd, op.buf, op.off, op.len, op.pos, cb);
    case "fchmod": return fs.fchmod(op.fd, op.mode, cb);
    case "fchown": return fs.fchown(op.fd, op.uid, op.gid, cb);
    case "fsync": return fs.fsync(op.fd, cb);
    case "fdatasync": return fs.fdatasync(op.fd, cb);
    case "close": return fs.close(op.fd, cb);
    case "rename": return fs.rename(op.from, op.to, cb);
    case "unlink": return fs.unlink(op.path, cb);
    case "sleep": setTimeout(cb, op.ms, null); return;
  }
}

/** Runs a procedure with synchronous fs calls. */
export function runSync<T>(proc: Proc<T>): T {
  let failed = false;
  let input: unknown;
  for (;;) {
    const r = failed ? proc.throw(input) : proc.next(input);
    if (r.done) return r.value;
    try {
      input = execSync(r.value);
      failed = false;
    } catch (e) {
      input = e;
      failed = true;
    }
  }
}

/** Runs a procedure with callback fs calls: one promise per procedure, none per step. */
export function runAsync<T>(proc: Proc<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const step = (failed: boolean, input: unknown): void => {
      let r: IteratorResult<Op, T>;
      try {
        r = failed ? proc.throw(input) : proc.next(input);
      } catch (e) {
        reject(e);
        return;
      }
      if (r.done) return resolve(r.value);
      try {
        execAsync(r.value, (err, value) => (err ? step(true, err) : step(false, value)));
      } catch (e) {
        step(true, e); // invalid arguments throw synchronously
      }
    };
    step(false, undefined);
  });
}
