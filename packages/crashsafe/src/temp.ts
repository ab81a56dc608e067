/**
 * Temp file names for atomic replacement, and cleanup of temps left behind by dead writers.
 *
 * A temp is `.${base}.${pid}.${rand}.tmp` in the target's own directory: the pid lets
 * {@link cleanupTemps} tell a dead writer's leftovers from a live writer's work in progress, the
 * random part keeps concurrent writers (and pid namespaces sharing a volume) apart.
 */
import fs from "node:fs";
import path from "node:path";
import { randomFillSync } from "node:crypto";
import { codeOf } from "./fs-ops.js";

/** Longest file name (bytes) that ext4, xfs, btrfs, APFS and NTFS accept. */
const NAME_MAX = 255;
const RAND_HEX = 12;
const TEMP_RE = /^\.(.*)\.(\d+)\.([0-9a-f]{12})\.tmp$/s;

/** Random bytes drawn in bulk: one getrandom call per 512 temp names instead of one per name. */
const pool = Buffer.alloc((RAND_HEX / 2) * 512);
let poolPos = pool.length;

function randomHex(): string {
  if (poolPos >= pool.length) {
    randomFillSync(pool);
    poolPos = 0;
  }
  poolPos += RAND_HEX / 2;
  return pool.toString("hex", poolPos - RAND_HEX / 2, poolPos);
}

/** Temps this process is writing right now: {@link cleanupTemps} never removes them. */
const inFlight = new Set<string>();

/** Marks a temp as being written (or done with it) by this process. */
export function trackTemp(tempPath: string, live: boolean): void {
  if (live) inFlight.add(tempPath);
  else inFlight.delete(tempPath);
}

/** Cuts `s` to at most `maxBytes` of UTF-8 without splitting a character. */
function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = "";
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/**
 * A fresh temp path beside `target`. When the full form would exceed NAME_MAX, the copy of the
 * target's name inside it is shortened: the temp stays in the same directory, so a target whose
 * own name fits never fails with ENAMETOOLONG because of its temp.
 */
export function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  const suffix = `.${process.pid}.${randomHex()}.tmp`;
  const base = truncateUtf8(path.basename(target), NAME_MAX - 1 - suffix.length);
  return path.join(dir, `.${base}${suffix}`);
}

/** Parses a directory entry as one of our temp names; `undefined` when it is not ours. */
export function parseTempName(name: string): { base: string; pid: number } | undefined {
  const m = TEMP_RE.exec(name);
  if (!m) return undefined;
  const pid = Number(m[2]);
  return Number.isSafeInteger(pid) && pid > 0 ? { base: m[1]!, pid } : undefined;
}

/**
 * True when no process `pid` exists on this machine (`kill(pid, 0)` fails with ESRCH). False when
 * it exists, including as another user's (EPERM). Says nothing about processes on other hosts.
 */
export function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return codeOf(error) === "ESRCH";
  }
}

/** Options of {@link cleanupTemps}. */
export interface CleanupOptions {
  /**
   * Also remove temps whose writer still looks alive when they are older than this (by mtime),
   * which covers pids reused after a reboot or a writer on another host. Default: 3,600,000 (1 h).
   * Temps this process is writing right now are never removed, whatever their age.
   */
  olderThanMs?: number;
}

const DEFAULT_OLDER_THAN_MS = 60 * 60 * 1000;

async function isStale(full: string, pid: number, olderThanMs: number): Promise<boolean> {
  if (inFlight.has(full)) return false;
  // One of our own temps that is not in flight is a leftover of a failed cleanup.
  if (pid === process.pid || processIsGone(pid)) return true;
  try {
    return Date.now() - (await fs.promises.stat(full)).mtimeMs > olderThanMs;
  } catch {
    return false;
  }
}

/**
 * Removes the temp files that crashsafe writers left in `dir` when they died (their pid is gone)
 * or that are older than `olderThanMs`. Only names of crashsafe's own temp pattern
 * (`.${base}.${pid}.${12 hex}.tmp`) are considered; a temp that a live writer is still writing is
 * never removed. Data is never recovered from a temp: a temp was not yet acknowledged to anyone.
 * Call it at start-up. Resolves to the removed paths (none when `dir` does not exist).
 */
export async function cleanupTemps(dir: string, options: CleanupOptions = {}): Promise<string[]> {
  const olderThanMs = options.olderThanMs ?? DEFAULT_OLDER_THAN_MS;
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch (e) {
    if (codeOf(e) === "ENOENT") return removed; // nothing written there yet
    throw e;
  }
  for (const name of names) {
    const parsed = parseTempName(name);
    if (!parsed) continue;
    const full = path.join(dir, name);
    if (!(await isStale(full, parsed.pid, olderThanMs))) continue;
    try {
      await fs.promises.unlink(full);
      removed.push(full);
    } catch (e) {
      if (codeOf(e) !== "ENOENT") throw e;
    }
  }
  return removed;
}
