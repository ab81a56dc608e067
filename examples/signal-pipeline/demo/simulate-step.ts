/**
 * Step 3 and 5: power-loss simulation of the service's five save paths with crashsafe/testing.
 * Each save replaces a realistic old state with a new one; every crash state the model allows is
 * then opened with the service's own loader, which must give the old or the new state (the new
 * one once the save was acknowledged).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { ack, simulateCrashes, type Model } from "crashsafe/testing";
import type * as Service from "../src/index.js";
import type { StateFileName } from "./consequences.js";

export type ServiceModules = typeof Service;

export interface SavePathResult {
  file: StateFileName;
  states: number;
  /** Distinct failure messages (each has its shortest trace in `trace`). */
  failures: string[];
  trace: string[];
}

export interface SimulateStepResult {
  model: Model;
  paths: SavePathResult[];
  states: number;
  ms: number;
}

interface SavePath {
  file: StateFileName;
  save(file: string, value: never): unknown;
  load(file: string): unknown;
}

function savePaths(m: ServiceModules): SavePath[] {
  return [
    { file: "signal_tracker.json", save: m.saveTracker, load: m.loadTracker },
    { file: "fired_alerts.json", save: m.saveFiredAlerts, load: m.loadFiredAlerts },
    { file: "positions.json", save: m.savePositions, load: m.loadPositions },
    { file: "retry_queue.json", save: m.saveRetryQueue, load: m.loadRetryQueue },
    { file: "config_overrides.json", save: m.saveOverrides, load: m.loadOverrides },
  ];
}

/** Loads the service modules compiled into `dir` (the shipped example or the fixed copy). */
export async function loadService(dir: string): Promise<ServiceModules> {
  return (await import(pathToFileURL(path.join(dir, "index.js")).href)) as ServiceModules;
}

/** The five files' contents after the service handled `signals` signals of the feed. */
async function stateAfter(m: ServiceModules, signals: number): Promise<Map<StateFileName, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "signal-pipeline-state-"));
  try {
    const pipeline = await m.Pipeline.open(dir, () => {});
    for (const signal of m.subscribe({ seed: 175, total: signals, repeat: 0 }, 0)) await pipeline.handle(signal);
    pipeline.commit();
    const out = new Map<StateFileName, unknown>();
    for (const p of savePaths(m)) out.set(p.file, await p.load(path.join(dir, p.file)));
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function simulatePath(p: SavePath, before: unknown, after: unknown, model: Model): Promise<SavePathResult> {
  const result = await simulateCrashes(
    async (dir) => {
      await p.save(path.join(dir, p.file), after as never);
      ack(p.file);
    },
    {
      model,
      setup: (dir) => fs.writeFileSync(path.join(dir, p.file), JSON.stringify(before, null, 2)),
      check: async (dir, acked) => {
        let loaded: unknown;
        try {
          loaded = await p.load(path.join(dir, p.file));
        } catch (error) {
          throw new Error(`${p.file} cannot be loaded: the service does not start (${(error as Error).message})`);
        }
        if (isDeepStrictEqual(loaded, after)) return;
        if (!isDeepStrictEqual(loaded, before)) throw new Error(`${p.file} loads as neither the old nor the new state: silently reset to ${JSON.stringify(loaded).slice(0, 20)}`);
        if (acked.includes(p.file)) throw new Error(`${p.file} lost a save that had been acknowledged`);
      },
    },
  );
  return { file: p.file, states: result.states, failures: result.failures.map((f) => f.error), trace: result.failures[0]?.trace ?? [] };
}

/** Simulates a power cut during each save path of the service compiled into `dir`. */
export async function simulateService(dir: string, model: Model = "pessimistic"): Promise<SimulateStepResult> {
  const started = Date.now();
  const m = await loadService(dir);
  // 24 → 30 signals changes all five files (a retry is delivered, a control signal arrives).
  const before = await stateAfter(m, 24);
  const after = await stateAfter(m, 30);
  const paths: SavePathResult[] = [];
  for (const p of savePaths(m)) paths.push(await simulatePath(p, before.get(p.file), after.get(p.file), model));
  return { model, paths, states: paths.reduce((n, p) => n + p.states, 0), ms: Date.now() - started };
}
