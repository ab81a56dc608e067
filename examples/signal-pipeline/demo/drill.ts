/**
 * The background's drill, answered for the example: for each state file, the module and helpers
 * that write and read it, and what happens on the next start when it is corrupt.
 */
import type { Finding } from "@crashsafe/audit";
import type { StateFileName } from "./consequences.js";

export interface DrillAnswer {
  stateFile: StateFileName;
  /** The module that owns the file (its writer and reader). */
  module: string;
  /** Its save/load helpers (the auditor reports helper call sites by name). */
  helpers: string[];
  /** What happens on the next start if this file is corrupt. */
  ifCorrupt: string;
}

export const DRILL: DrillAnswer[] = [
  {
    stateFile: "signal_tracker.json",
    module: "tracker.ts",
    helpers: ["saveTracker", "loadTracker", "writeStateAtomic"],
    ifCorrupt: "loadTracker throws: the service does not start until someone repairs the cursor by hand",
  },
  {
    stateFile: "fired_alerts.json",
    module: "alerts.ts",
    helpers: ["saveFiredAlerts", "loadFiredAlerts"],
    ifCorrupt: "loadFiredAlerts swallows the parse error and starts from {}: every replayed signal looks new, its alert fires again and closed positions re-open",
  },
  {
    stateFile: "positions.json",
    module: "positions.ts",
    helpers: ["savePositions", "loadPositions"],
    ifCorrupt: "loadPositions throws: the service crash-loops; deleting the file to get going forgets every open position",
  },
  {
    stateFile: "retry_queue.json",
    module: "retry-queue.ts",
    helpers: ["saveRetryQueue", "loadRetryQueue"],
    ifCorrupt: "loadRetryQueue throws: the service crash-loops; deleting the file drops every undelivered alert",
  },
  {
    stateFile: "config_overrides.json",
    module: "config.ts",
    helpers: ["saveOverrides", "loadOverrides"],
    ifCorrupt: "loadOverrides throws: the service crash-loops; deleting the file silently reverts to the defaults (muted symbols alert again)",
  },
];

/** The state file a finding concerns: named by a helper in its message, else by its module. */
export function drillFor(finding: Pick<Finding, "file" | "message" | "via">): DrillAnswer | undefined {
  const text = `${finding.message} ${finding.via ?? ""}`;
  const byHelper = DRILL.find((d) => d.helpers.some((h) => new RegExp(`\\b${h}\\b`).test(text)));
  return byHelper ?? DRILL.find((d) => finding.file.endsWith(`/${d.module}`) || finding.file === d.module);
}

/** Distinct state files the findings of `rule` concern. */
export function stateFilesOf(findings: Finding[], rule: string): StateFileName[] {
  const files = findings.filter((f) => f.rule === rule).map((f) => drillFor(f)?.stateFile);
  return [...new Set(files.filter((f): f is StateFileName => f !== undefined))];
}
