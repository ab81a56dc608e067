/**
 * Cross-process exclusive lock on a file, held in a lock file beside it (`${path}.lock`).
 *
 * Protocol (every step is one atomic file-system operation; no step relies on timing):
 * - **Acquire**: the claim `{pid, host, boot, token, acquiredAt, leaseUntil}` is written to a unique
 *   temp and hard-linked to `${path}.lock`. `link` fails with EEXIST when the name exists, so a lock
 *   file is created exclusively and is never seen half-written. (Where hard links are not supported,
 *   `open(…, "wx")` is used instead; a lock file that does not parse is then stale only once it is
 *   older than the lease.)
 * - **Stale** holders are taken over only when provably gone: same host and `kill(pid, 0)` says
 *   ESRCH, same host and a different boot id, or the lease has expired. Never by guessing.
 * - **Takeover** is race-free between waiters: breaking the lock of token T needs the marker
 *   `${path}.lock.break-T`, created exclusively, so exactly one waiter may remove T; it re-reads the
 *   lock under the marker and removes it only if it still holds T. The holder's own release and
 *   lease renewal take the same marker, so a holder and a breaker never both act on T. After a break
 *   every waiter goes back to the exclusive `link`: only one of them wins.
 * - **Lease**: renewed every `leaseMs / 3` while held (an unref'd timer), so a live holder's lease
 *   expires only when its event loop is blocked for longer than the lease, or on another host.
 *
 * Lock files are not fsynced: a lock only excludes live processes, and a power cut ends them all
 * (the boot id then proves the old holder dead).
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { hostname } from "node:os";
import { LockTimeoutError } from "./errors.js";
import { codeOf } from "./fs-ops.js";
import { processIsGone, tempPathFor } from "./temp.js";

/** Options of {@link acquireLock}. */
export interface LockOptions {
  /** Give up with {@link LockTimeoutError} after waiting this long. Default `10_000` ms. */
  timeoutMs?: number;
  /** Lease length: other processes may take the lock over once it has expired. Default `30_000` ms. */
  leaseMs?: number;
  /** First wait between attempts; doubles (with jitter) up to 250 ms. Default `5` ms. */
  retryMs?: number;
  /** Stops waiting; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** What a lock file records about its holder. */
export interface LockHolder {
  pid: number;
  host: string;
  /** Linux boot id of the holder's machine (empty elsewhere): a different one proves the holder gone. */
  boot: string;
  token: string;
  acquiredAt: string;
  leaseUntil: string;
}

/** A held lock. Release it exactly once (further calls do nothing). */
export interface Lock {
  /** The lock file, `${path}.lock`. */
  readonly lockPath: string;
  /** This holder's random token, as written in the lock file. */
  readonly token: string;
  /** True once another process has taken the lock over (our lease expired) or it was released. */
  readonly released: boolean;
  /** Removes the lock file if it is still ours. */
  release(): Promise<void>;
  /** Synchronous {@link Lock.release}, for exit handlers. */
  releaseSync(): void;
}

const DEFAULTS = { timeoutMs: 10_000, leaseMs: 30_000, retryMs: 5 };
const MAX_RETRY_MS = 250;
const HOST = hostname();
const BOOT = readBootId();

function readBootId(): string {
  try {
    return fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "";
  }
}

/** The lock file that guards `path`. */
export function lockPathFor(path: string): string {
  return `${path}.lock`;
}

/**
 * Waits until this process holds the exclusive lock on `path` (the lock file is `${path}.lock`).
 * Retries with exponential backoff and jitter; takes the lock over only from a provably dead holder
 * or an expired lease. Rejects with {@link LockTimeoutError} (naming the holder) after `timeoutMs`.
 * The lock is not reentrant: a second acquire in the same process waits like any other.
 */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<Lock> {
  const steps = acquisition(path, options);
  for (;;) {
    options.signal?.throwIfAborted();
    const step = steps.next();
    if (step.done) return step.value;
    await delay(step.value, options.signal);
  }
}

/** Synchronous {@link acquireLock}: blocks the thread while it waits (for CLIs and exit paths). */
export function acquireLockSync(path: string, options: Omit<LockOptions, "signal"> = {}): Lock {
  const steps = acquisition(path, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    sleepSync(step.value);
  }
}

/** The try-and-back-off loop both acquires drive: yields how long to wait before the next try. */
function* acquisition(path: string, options: LockOptions): Generator<number, Lock> {
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const leaseMs = options.leaseMs ?? DEFAULTS.leaseMs;
  const deadline = Date.now() + timeoutMs;
  for (let wait = options.retryMs ?? DEFAULTS.retryMs; ; wait = Math.min(wait * 2, MAX_RETRY_MS)) {
    const result = attempt(path, leaseMs);
    if ("lock" in result) return result.lock;
    if (Date.now() >= deadline) throw timeoutError(path, result.holder, timeoutMs);
    yield jitter(wait, deadline);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * Reads the lock file of `path` without taking it: the holder, or `undefined` when the lock is free.
 * `stale` says why the holder may be taken over (dead process, rebooted host, expired lease), if so.
 */
export function inspectLock(path: string): { holder: LockHolder | undefined; stale: string | undefined } | undefined {
  const seen = readHolder(lockPathFor(path));
  if (seen === undefined) return undefined;
  return { holder: seen.holder, stale: staleReason(seen) };
}

type Attempt = { lock: Lock } | { holder: Seen | undefined };

/** One non-blocking try: claim the free lock, or break a stale one and try again once. */
function attempt(path: string, leaseMs: number): Attempt {
  const lockPath = lockPathFor(path);
  const token = randomBytes(12).toString("hex");
  for (let tries = 0; tries < 2; tries++) {
    if (createExclusive(lockPath, JSON.stringify(claim(token, leaseMs)))) {
      return { lock: new HeldLock(lockPath, token, leaseMs) };
    }
    const seen = readHolder(lockPath);
    if (seen === undefined) continue; // released between our two calls: claim again
    if (staleReason(seen) === undefined || !breakStale(lockPath, seen)) return { holder: seen };
  }
  return { holder: readHolder(lockPath) };
}

function claim(token: string, leaseMs: number): LockHolder {
  const now = Date.now();
  return {
    pid: process.pid,
    host: HOST,
    boot: BOOT,
    token,
    acquiredAt: new Date(now).toISOString(),
    leaseUntil: new Date(now + leaseMs).toISOString(),
  };
}

/** A lock file as read: its holder if it parses, and an identity that changes when it is replaced. */
interface Seen {
  holder: LockHolder | undefined;
  key: string;
  mtimeMs: number;
}

function readHolder(lockPath: string): Seen | undefined {
  let fd: number;
  try {
    fd = fs.openSync(lockPath, "r");
  } catch (error) {
    if (codeOf(error) === "ENOENT") return undefined;
    throw error;
  }
  try {
    const stat = fs.fstatSync(fd);
    // crashsafe-ignore silent-state-reset: a lock file is not state; an unreadable holder is judged by the lock file's age instead
    const holder = parseHolder(fs.readFileSync(fd, "utf8"));
    return { holder, key: holder?.token ?? `ino${stat.ino}-${stat.mtimeMs}`, mtimeMs: stat.mtimeMs };
  } finally {
    fs.closeSync(fd);
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder> | null;
    if (typeof value?.pid !== "number" || typeof value.token !== "string" || typeof value.leaseUntil !== "string") return undefined;
    return { host: "", boot: "", acquiredAt: "", ...value } as LockHolder;
  } catch {
    return undefined;
  }
}

/** Why the holder may be taken over, or `undefined` while it may still be alive and within its lease. */
function staleReason(seen: Seen): string | undefined {
  const { holder } = seen;
  if (holder === undefined) {
    // Only the "wx" fallback can show a half-written lock; give its writer a full lease.
    return Date.now() - seen.mtimeMs > DEFAULTS.leaseMs ? "unreadable lock file older than the lease" : undefined;
  }
  const gone = goneReason(holder);
  if (gone !== undefined) return gone;
  const leaseUntil = Date.parse(holder.leaseUntil);
  if (!(leaseUntil > Date.now())) return `its lease expired at ${holder.leaseUntil}`;
  return undefined;
}

/**
 * Removes the stale lock `seen` if, under its break marker, the lock file still is `seen`.
 * Returns false when someone else is already acting on that lock (they hold the marker).
 */
function breakStale(lockPath: string, seen: Seen): boolean {
  return withMarker(lockPath, seen.key, () => {
    const now = readHolder(lockPath);
    if (now?.key === seen.key && staleReason(now) !== undefined) fs.rmSync(lockPath, { force: true });
  });
}

/**
 * Runs `fn` while holding the break marker of lock `key`; false if the marker was taken. A marker
 * left by a process that died inside `fn` (a few syscalls) is removed once its creator is gone.
 */
function withMarker(lockPath: string, key: string, fn: () => void): boolean {
  const marker = `${lockPath}.break-${key}`;
  if (!createExclusive(marker, JSON.stringify({ pid: process.pid, host: HOST, boot: BOOT }))) {
    removeDeadMarker(marker);
    return false;
  }
  try {
    fn();
  } finally {
    fs.rmSync(marker, { force: true });
  }
  return true;
}

function removeDeadMarker(marker: string): void {
  let owner: { pid?: number; host?: string; boot?: string };
  try {
    owner = JSON.parse(fs.readFileSync(marker, "utf8")) as typeof owner;
  } catch {
    return; // gone already, or being written: its creator is alive
  }
  if (goneReason(owner) !== undefined) fs.rmSync(marker, { force: true });
}

/**
 * Why the process that wrote `{pid, host, boot}` (a lock holder or a marker's creator) is provably
 * gone: same host and a different boot id, or same host and no such pid. `undefined`: it may live.
 */
function goneReason(who: { pid?: number; host?: string; boot?: string }): string | undefined {
  if (who.host !== HOST) return undefined;
  if (who.boot && BOOT && who.boot !== BOOT) return "the machine has rebooted since it was taken";
  if (typeof who.pid === "number" && who.pid !== process.pid && processIsGone(who.pid)) return `process ${who.pid} is no longer running`;
  return undefined;
}

/**
 * Creates `target` with `content` only if it does not exist: written to a unique temp, then
 * hard-linked, so the file never exists half-written. Falls back to `wx` where links are unsupported.
 */
function createExclusive(target: string, content: string): boolean {
  const temp = tempPathFor(target);
  fs.writeFileSync(temp, content, { flag: "wx" });
  try {
    fs.linkSync(temp, target);
    return true;
  } catch (error) {
    const code = codeOf(error);
    if (code === "EEXIST") return false;
    if (code === "EPERM" || code === "ENOTSUP" || code === "ENOSYS" || code === "EOPNOTSUPP") return createWx(target, content);
    throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

function createWx(target: string, content: string): boolean {
  try {
    fs.writeFileSync(target, content, { flag: "wx" });
    return true;
  } catch (error) {
    if (codeOf(error) === "EEXIST") return false;
    throw error;
  }
}

class HeldLock implements Lock {
  #released = false;
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly lockPath: string,
    readonly token: string,
    private readonly leaseMs: number,
  ) {
    this.#timer = setInterval(() => this.#renew(), Math.max(1, Math.floor(leaseMs / 3)));
    this.#timer.unref();
  }

  get released(): boolean {
    return this.#released;
  }

  async release(): Promise<void> {
    this.releaseSync();
  }

  releaseSync(): void {
    if (this.#released) return;
    this.#stop();
    // A busy marker means a waiter is checking our lock right now; it takes microseconds.
    for (let i = 0; i < 200 && this.#whileOurs(() => fs.rmSync(this.lockPath, { force: true })) === "busy"; i++) sleepSync(1);
  }

  /** Extends the lease; if the lock turns out to have been taken over, stops claiming it. */
  #renew(): void {
    const renewed = this.#whileOurs(() => {
      const temp = tempPathFor(this.lockPath);
      fs.writeFileSync(temp, JSON.stringify(claim(this.token, this.leaseMs)), { flag: "wx" });
      // crashsafe-ignore non-durable-replace: a lock never outlives a reboot (the boot id changes), so its lease need not survive a power cut
      fs.renameSync(temp, this.lockPath);
    });
    if (renewed === "lost") this.#stop();
  }

  /** Runs `fn` under our own break marker if the lock file still holds our token. */
  #whileOurs(fn: () => void): "done" | "lost" | "busy" {
    let ours = false;
    const marked = withMarker(this.lockPath, this.token, () => {
      ours = readHolder(this.lockPath)?.key === this.token;
      if (ours) fn();
    });
    return !marked ? "busy" : ours ? "done" : "lost";
  }

  #stop(): void {
    this.#released = true;
    clearInterval(this.#timer);
  }
}

function timeoutError(path: string, seen: Seen | undefined, timeoutMs: number): LockTimeoutError {
  const h = seen?.holder;
  const who = h ? `pid ${h.pid} on ${h.host || "unknown host"} since ${h.acquiredAt}, lease until ${h.leaseUntil}` : "an unreadable lock file";
  return new LockTimeoutError(lockPathFor(path), h, `timed out after ${timeoutMs} ms waiting for ${lockPathFor(path)}: held by ${who}`);
}

function jitter(wait: number, deadline: number): number {
  return Math.max(1, Math.min(wait * (0.5 + Math.random()), deadline - Date.now()));
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
