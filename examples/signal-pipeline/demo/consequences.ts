/**
 * Counting what the background story says a crash costs, from the service's own output and files:
 * corrupt state files, a service that cannot restart, alerts fired twice, positions opened twice.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** The five runtime state files of the example (signal_tracker.json is the atomic one). */
export const STATE_FILES = ["signal_tracker.json", "fired_alerts.json", "positions.json", "retry_queue.json", "config_overrides.json"] as const;
export type StateFileName = (typeof STATE_FILES)[number];

/** Totals over all trials of a torture run. */
export interface Consequences {
  trials: number;
  /** Trials that left at least one state file that does not parse. */
  corruptTrials: number;
  /** Corrupt files found after the kill, per file name. */
  corruptFiles: Partial<Record<StateFileName, number>>;
  /** Restarts that failed (the service exits with an error on start). */
  failedRestarts: number;
  /** Alerts sent again after the restart although they had been sent before the kill. */
  refiredAlerts: number;
  /** Positions opened again after the restart although they had been opened before the kill. */
  reopenedPositions: number;
  /** Trials with any consequence at all. */
  badTrials: number;
}

export function noConsequences(): Consequences {
  return { trials: 0, corruptTrials: 0, corruptFiles: {}, failedRestarts: 0, refiredAlerts: 0, reopenedPositions: 0, badTrials: 0 };
}

export function totalCorruptFiles(c: Consequences): number {
  return Object.values(c.corruptFiles).reduce((a, b) => a + b, 0);
}

/** State files of `dir` that exist but do not parse as JSON. */
export function corruptFilesIn(dir: string): StateFileName[] {
  return STATE_FILES.filter((name) => {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) return false;
    try {
      JSON.parse(fs.readFileSync(file, "utf8"));
      return false;
    } catch {
      return true;
    }
  });
}

/** Ids of the `event` lines (`alert <id>`, `open <id> …`) of a run's output. */
export function eventIds(output: string, event: "alert" | "open"): string[] {
  return [...output.matchAll(new RegExp(`^${event} (\\S+)`, "gm"))].map((m) => m[1] as string);
}

/** Ids the second run announced although the first (or the second itself) already had. */
export function repeatedIds(first: string, second: string, event: "alert" | "open"): string[] {
  const seen = new Set(eventIds(first, event));
  const repeated: string[] = [];
  for (const id of eventIds(second, event)) {
    if (seen.has(id)) repeated.push(id);
    seen.add(id);
  }
  return repeated;
}

export interface Restart {
  ok: boolean;
  output: string;
  error: string;
}

/** Restarts the service in `dir` for a bounded run (the replayed history plus a little more). */
export function restart(command: string[], dir: string, stopAfter: number): Restart {
  const [program, ...args] = command;
  const run = spawnSync(program as string, [...args, "--stop-after", String(stopAfter)], {
    cwd: dir,
    env: { ...process.env, CRASHSAFE_DIR: dir },
    encoding: "utf8",
    timeout: 60_000,
  });
  const error = run.error?.message ?? run.stderr.trim().split("\n").slice(-1)[0] ?? "";
  return { ok: run.status === 0, output: run.stdout ?? "", error };
}

/**
 * The torture check: inspects the files the kill left, restarts the service, adds what went wrong
 * to `tally` and throws a one-line summary when anything did (torture counts that as a failure).
 */
export function checkTrial(command: string[], stopAfter: number, tally: Consequences, dir: string, output: string): void {
  tally.trials += 1;
  const corrupt = corruptFilesIn(dir);
  for (const name of corrupt) tally.corruptFiles[name] = (tally.corruptFiles[name] ?? 0) + 1;
  if (corrupt.length > 0) tally.corruptTrials += 1;
  const again = restart(command, dir, stopAfter);
  const refired = repeatedIds(output, again.output, "alert");
  const reopened = repeatedIds(output, again.output, "open");
  tally.refiredAlerts += refired.length;
  tally.reopenedPositions += reopened.length;
  if (!again.ok) tally.failedRestarts += 1;
  const problems = [
    corrupt.length > 0 ? `corrupt: ${corrupt.join(", ")}` : "",
    again.ok ? "" : `restart failed: ${again.error}`,
    refired.length > 0 ? `${refired.length} alerts fired again (${refired.slice(0, 3).join(", ")}…)` : "",
    reopened.length > 0 ? `${reopened.length} positions opened again` : "",
  ].filter(Boolean);
  if (problems.length === 0) return;
  tally.badTrials += 1;
  throw new Error(problems.join("; "));
}
