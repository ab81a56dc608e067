/**
 * `crashsafe doctor [dir] [--fix] [--yes] [--json]`: lists what crashsafe finds in a state directory
 * (state files, backups, temps left by dead writers, locks, corrupt copies kept aside), says what
 * each means, and with `--fix` removes dead writers' temps and stale locks and, where the user
 * agrees, restores corrupt state files from their backups.
 */
import fs from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { acquireLock, cleanupTemps, inspectLock, inspectStateFile, LockTimeoutError, parseTempName, processIsGone, restoreFromBackup } from "crashsafe";
import { ExitCode, UsageError } from "../usage-error.js";

const USAGE = `Usage: crashsafe doctor [dir] [--fix] [--yes] [--json]

Lists the state files in dir (default: the current directory), their backups, temp files left
by writers that died, locks and corrupt files kept aside, and says what each means.

  --fix    remove dead writers' temps and stale locks; restore corrupt state files from their
           .bak backups (asks first on a terminal; the corrupt file is kept aside)
  --yes    restore without asking (scripts)
  --json   print a JSON report instead of text

Exit codes: 0 nothing wrong (after --fix), 1 problems remain, 2 usage or I/O error.`;

/** Same default as cleanupTemps: a temp this old is stale even if its pid looks alive (reused). */
const TEMP_MAX_AGE_MS = 60 * 60 * 1000;

export type EntryKind = "state" | "backup" | "temp" | "lock" | "lock-marker" | "corrupt-copy";
export type EntryStatus = "ok" | "corrupt" | "stale" | "in-progress" | "held" | "kept";
export type FixAction = "remove-temp" | "remove-stale-lock" | "restore-backup";

/** One file doctor recognised. */
export interface Entry {
  /** Name inside the directory. */
  file: string;
  kind: EntryKind;
  status: EntryStatus;
  /** What it means, for a person. */
  meaning: string;
  /** Something is wrong with it. */
  problem: boolean;
  /** What `--fix` would do about it. */
  fix?: FixAction;
}

/** What `--fix` did. */
export interface Fixed {
  file: string;
  action: FixAction;
  detail: string;
}

/** Asks the user whether to restore one file; resolves to their answer. */
export type Confirm = (question: string) => Promise<boolean>;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) {
    console.log(USAGE);
    return ExitCode.ok;
  }
  const dir = path.resolve(positionals[0] ?? ".");
  if (!fs.statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a directory`);
  let entries = await diagnose(dir);
  let fixed: Fixed[] = [];
  let declined: string[] = [];
  if (values.fix) {
    ({ fixed, declined } = await applyFixes(dir, entries, values.yes ? async () => true : process.stdin.isTTY ? askOnTerminal : undefined));
    entries = await diagnose(dir);
  }
  if (values.json) console.log(JSON.stringify({ version: 1, dir, entries, fixed, declined }, null, 2));
  else printReport(dir, entries, fixed, declined);
  return entries.some((e) => e.problem) ? ExitCode.findings : ExitCode.ok;
}

function parse(args: string[]) {
  try {
    const parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { fix: { type: "boolean" }, yes: { type: "boolean", short: "y" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
    if (parsed.positionals.length > 1) throw new Error(`expected one directory, got ${parsed.positionals.length}`);
    return parsed;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; run \`crashsafe doctor --help\``);
  }
}

/** Classifies every file of `dir` that crashsafe made or that looks like a state file. */
export async function diagnose(dir: string): Promise<Entry[]> {
  const names = (await fs.promises.readdir(dir)).sort();
  const present = new Set(names);
  const entries: Entry[] = [];
  for (const name of names) {
    const entry = await classify(dir, name, present);
    if (entry) entries.push(entry);
  }
  return entries;
}

async function classify(dir: string, name: string, present: Set<string>): Promise<Entry | undefined> {
  const full = path.join(dir, name);
  const temp = parseTempName(name);
  if (temp) return tempEntry(full, name, temp.pid);
  if (/\.lock\.break-[^/]+$/.test(name)) {
    return { file: name, kind: "lock-marker", status: "kept", problem: false, meaning: "marker of a lock takeover in progress; the lock code removes it, or removes it once its creator is gone" };
  }
  if (name.endsWith(".lock")) return lockEntry(full, name);
  const corruptOf = /^(.*)\.corrupt-(\d{4}-\d\d-\d\dT[\d-]+Z)$/.exec(name);
  if (corruptOf) {
    return { file: name, kind: "corrupt-copy", status: "kept", problem: false, meaning: `corrupt copy of ${corruptOf[1]} kept aside when it was restored from its backup (${corruptOf[2]}); inspect it, then delete it` };
  }
  const quarantined = /^(.*)\.corrupt-(\d+)-(\d+)$/.exec(name);
  if (quarantined) {
    return { file: name, kind: "corrupt-copy", status: "kept", problem: false, meaning: `damaged bytes of journal ${quarantined[1]} (generation ${quarantined[2]}, offset ${quarantined[3]}) set aside by onCorrupt "quarantine"; the log was rewritten without them: inspect, then delete` };
  }
  if (name.endsWith(".bak")) return backupEntry(full, name, present);
  // Not every locked file is a state file: journals share the lock but are not JSON.
  if (name.endsWith(".json") || present.has(`${name}.bak`)) return stateEntry(full, name, present);
  return undefined;
}

async function tempEntry(full: string, name: string, pid: number): Promise<Entry> {
  const gone = processIsGone(pid);
  if (gone || Date.now() - (await fs.promises.stat(full)).mtimeMs > TEMP_MAX_AGE_MS) {
    const why = gone ? `writer pid ${pid} is no longer running` : `it is over an hour old`;
    return { file: name, kind: "temp", status: "stale", problem: true, fix: "remove-temp", meaning: `temp file of an unfinished write (${why}); it was never acknowledged and nothing is recovered from it: safe to delete` };
  }
  return { file: name, kind: "temp", status: "in-progress", problem: false, meaning: `temp file of a write in progress by running pid ${pid}; leave it` };
}

function lockEntry(full: string, name: string): Entry {
  const target = full.slice(0, -".lock".length);
  const lock = inspectLock(target);
  const holder = lock?.holder ? `pid ${lock.holder.pid} on ${lock.holder.host}, since ${lock.holder.acquiredAt}` : "an unreadable holder";
  if (lock?.stale) {
    return { file: name, kind: "lock", status: "stale", problem: true, fix: "remove-stale-lock", meaning: `stale lock of ${path.basename(target)} (${holder}): ${lock.stale}; the next writer takes it over` };
  }
  return { file: name, kind: "lock", status: "held", problem: false, meaning: `lock of ${path.basename(target)} held by ${holder}: an update is in progress` };
}

async function backupEntry(full: string, name: string, present: Set<string>): Promise<Entry> {
  const of = name.slice(0, -".bak".length);
  const report = await inspectStateFile(full);
  const missing = present.has(of) ? "" : ` (${of} itself does not exist)`;
  if (report.status === "ok") {
    return { file: name, kind: "backup", status: "ok", problem: false, meaning: `last-known-good copy of ${of}, version ${report.version}${missing}; onCorrupt "restore-backup" and doctor --fix restore from it` };
  }
  const why = report.status === "corrupt" ? `${report.error.what} at ${report.error.where}` : "it disappeared";
  return { file: name, kind: "backup", status: "corrupt", problem: true, meaning: `backup of ${of} is not usable: ${why}` };
}

async function stateEntry(full: string, name: string, present: Set<string>): Promise<Entry | undefined> {
  const report = await inspectStateFile(full);
  if (report.status === "missing") return undefined;
  if (report.status === "ok") {
    const form = report.enveloped ? `crashsafe state file, version ${report.version}` : "plain JSON (read by openState as version 1)";
    return { file: name, kind: "state", status: "ok", problem: false, meaning: `${form}; parses (the program's own schema is checked when it opens it)` };
  }
  const what = `${report.error.what} at ${report.error.where}`;
  const backup = present.has(`${name}.bak`) ? await inspectStateFile(`${full}.bak`) : undefined;
  if (backup?.status === "ok") {
    return { file: name, kind: "state", status: "corrupt", problem: true, fix: "restore-backup", meaning: `CORRUPT: ${what}; ${name}.bak is usable: --fix restores it (keeping this file aside)` };
  }
  return { file: name, kind: "state", status: "corrupt", problem: true, meaning: `CORRUPT: ${what}; no usable backup: repair it by hand, or delete it to start from the program's defaults` };
}

/**
 * Applies the fixes `entries` call for. Temps of dead writers and stale locks are removed without
 * asking (nothing in them was ever acknowledged); each restore needs `confirm` (none: no restore).
 */
export async function applyFixes(dir: string, entries: Entry[], confirm: Confirm | undefined): Promise<{ fixed: Fixed[]; declined: string[] }> {
  const fixed: Fixed[] = [];
  const declined: string[] = [];
  if (entries.some((e) => e.fix === "remove-temp")) {
    for (const removed of await cleanupTemps(dir, { olderThanMs: TEMP_MAX_AGE_MS })) {
      fixed.push({ file: path.basename(removed), action: "remove-temp", detail: "removed" });
    }
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.file);
    if (entry.fix === "remove-stale-lock") {
      // Taking the lock over goes through the lock's race-free takeover; releasing removes it.
      const lock = await acquireLock(full.slice(0, -".lock".length), { timeoutMs: 0 }).catch((e: unknown) => {
        if (e instanceof LockTimeoutError) return undefined; // taken by a live process meanwhile
        throw e;
      });
      await lock?.release();
      if (lock) fixed.push({ file: entry.file, action: "remove-stale-lock", detail: "removed" });
    } else if (entry.fix === "restore-backup") {
      const question = `Restore ${entry.file} from ${entry.file}.bak? The corrupt file is kept aside. [y/N] `;
      if (!confirm || !(await confirm(question))) {
        declined.push(entry.file);
        continue;
      }
      const { corruptKeptAt } = await restoreFromBackup(full);
      fixed.push({ file: entry.file, action: "restore-backup", detail: `restored from ${entry.file}.bak; corrupt file kept as ${path.basename(corruptKeptAt)}` });
    }
  }
  return { fixed, declined };
}

async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

function printReport(dir: string, entries: Entry[], fixed: Fixed[], declined: string[]): void {
  console.log(`crashsafe doctor ${dir}`);
  if (entries.length === 0) console.log("  no state files, backups, temps or locks here");
  for (const e of entries) console.log(`  ${`${e.kind} ${e.status}`.padEnd(19)} ${e.file}\n  ${"".padEnd(19)} ${e.meaning}`);
  for (const f of fixed) console.log(`fixed: ${f.file}: ${f.action} (${f.detail})`);
  for (const file of declined) console.error(`not restored: ${file} (answer y on a terminal, or pass --yes)`);
  const problems = entries.filter((e) => e.problem).length;
  const fixable = entries.filter((e) => e.problem && e.fix).length;
  console.log(problems === 0 ? "no problems" : `${problems} problem(s)${fixable ? `, ${fixable} fixable with --fix` : ""}`);
}
