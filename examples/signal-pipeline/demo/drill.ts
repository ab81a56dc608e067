/**
 * The background's drill, answered for the example: which state file each module writes, what
 * reads it on the next start, and what happens there when it is corrupt.
 */
import type { StateFileName } from "./consequences.js";

export interface DrillAnswer {
  stateFile: StateFileName;
  /** What happens on the next start if this file is corrupt. */
  ifCorrupt: string;
}

/** Keyed by the module (file base name) that writes the state file. */
export const DRILL: Record<string, DrillAnswer> = {
  "tracker.ts": {
    stateFile: "signal_tracker.json",
    ifCorrupt: "loadTracker throws: the service does not start until someone repairs the cursor by hand",
  },
  "alerts.ts": {
    stateFile: "fired_alerts.json",
    ifCorrupt: "loadFiredAlerts swallows the parse error and starts from {}: every replayed signal looks new, its alert fires again and closed positions re-open",
  },
  "positions.ts": {
    stateFile: "positions.json",
    ifCorrupt: "loadPositions throws: the service crash-loops; deleting the file to get going forgets every open position",
  },
  "retry-queue.ts": {
    stateFile: "retry_queue.json",
    ifCorrupt: "loadRetryQueue throws: the service crash-loops; deleting the file drops every undelivered alert",
  },
  "config.ts": {
    stateFile: "config_overrides.json",
    ifCorrupt: "loadOverrides throws: the service crash-loops; deleting the file silently reverts to the defaults (muted symbols alert again)",
  },
};

export function drillFor(file: string): DrillAnswer | undefined {
  return DRILL[file.split("/").pop() ?? ""];
}
