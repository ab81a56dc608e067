/**
 * config_overrides.json: runtime overrides of the defaults, changed by control signals on the
 * feed (raise the strength threshold, mute a noisy symbol). A lost override silently brings the
 * defaults back.
 */
import fs from "node:fs";
import type { Signal } from "./feed.js";

export const CONFIG_FILE = "config_overrides.json";

export interface Config {
  minStrength: number;
  muted: string[];
}

export interface Overrides {
  minStrength?: number;
  muted?: string[];
  history: { seq: number; change: string }[];
}

export const DEFAULTS: Config = { minStrength: 25, muted: [] };

export async function loadOverrides(file: string): Promise<Overrides> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { history: [] };
    throw error;
  }
  return JSON.parse(text) as Overrides;
}

export async function saveOverrides(file: string, overrides: Overrides): Promise<void> {
  await fs.promises.writeFile(file, JSON.stringify(overrides, null, 2));
}

export function effective(overrides: Overrides): Config {
  return { minStrength: overrides.minStrength ?? DEFAULTS.minStrength, muted: overrides.muted ?? DEFAULTS.muted };
}

/** Applies a control signal; returns a one-line description of the change. */
export function applyControl(overrides: Overrides, signal: Extract<Signal, { kind: "config" }>): string {
  let change: string;
  if (signal.key === "minStrength") {
    overrides.minStrength = signal.value;
    change = `minStrength=${signal.value}`;
  } else {
    const muted = new Set(overrides.muted ?? DEFAULTS.muted);
    if (signal.key === "mute") muted.add(signal.symbol);
    else muted.delete(signal.symbol);
    overrides.muted = [...muted].sort();
    change = `muted=${overrides.muted.join(",") || "-"}`;
  }
  overrides.history.push({ seq: signal.seq, change });
  return change;
}
