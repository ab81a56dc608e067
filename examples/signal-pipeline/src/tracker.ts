/**
 * signal_tracker.json: where the consumer is in the feed (the committed cursor) and per-symbol
 * counters. This is the one file of the service that its author wrote with the atomic pattern of
 * the background story (write a sibling .tmp, then rename it over the target).
 */
import fs from "node:fs";
import type { Signal } from "./feed.js";

export interface SymbolStats {
  signals: number;
  lastSeq: number;
  lastKind: Signal["kind"];
}

export interface TrackerState {
  /** Highest sequence number fully handled and committed to the feed. */
  cursor: number;
  processed: number;
  bySymbol: Record<string, SymbolStats>;
  updatedAt: string | null;
}

export const TRACKER_FILE = "signal_tracker.json";

export function emptyTracker(): TrackerState {
  return { cursor: 0, processed: 0, bySymbol: {}, updatedAt: null };
}

/** Temp file, then rename: the reader never sees a half-written tracker. */
export function writeStateAtomic(file: string, data: unknown): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(data, null, 2));
  fs.renameSync(tmp, file);
}

export function loadTracker(file: string): TrackerState {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyTracker();
    throw error;
  }
  return JSON.parse(text) as TrackerState;
}

export function saveTracker(file: string, state: TrackerState): void {
  writeStateAtomic(file, state);
}

/** Counts a handled signal (does not move the cursor: that happens at commit). */
export function track(state: TrackerState, signal: Signal): void {
  state.processed += 1;
  if (signal.kind === "config") return;
  const stats = state.bySymbol[signal.symbol] ?? { signals: 0, lastSeq: 0, lastKind: signal.kind };
  stats.signals += 1;
  stats.lastSeq = Math.max(stats.lastSeq, signal.seq);
  stats.lastKind = signal.kind;
  state.bySymbol[signal.symbol] = stats;
}
