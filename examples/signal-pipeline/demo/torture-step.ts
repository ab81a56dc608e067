/**
 * Step 2 and 5: run the service, SIGKILL it at random moments, restart it, count the damage.
 */
import { torture, type TortureResult } from "crashsafe/testing";
import { checkTrial, noConsequences, type Consequences } from "./consequences.js";

export interface TortureStepOptions {
  /** Random-delay trials (default 40). */
  trials?: number;
  /** Seed of the kill delays (default 175, the lesson's number). */
  seed?: number;
  /** Kill delay range after the service's first line, ms (default [5, 250]). */
  killAfterMs?: [number, number];
  /** Signals in the feed: far more than a run gets through before its kill (default 2000). */
  signals?: number;
  /** Signals the restart handles before stopping: the replayed history and some more (default 130). */
  restartSignals?: number;
  /** torture's progress line on stderr (default false). */
  progress?: boolean;
}

export interface TortureStepResult {
  consequences: Consequences;
  harness: TortureResult;
  ms: number;
}

/** Tortures the service started by `entry` (a compiled main.js) with `node`. */
export async function tortureService(entry: string, options: TortureStepOptions = {}): Promise<TortureStepResult> {
  const started = Date.now();
  const command = [process.execPath, entry, "--signals", String(options.signals ?? 2000)];
  const consequences = noConsequences();
  const harness = await torture({
    command,
    trials: options.trials ?? 40,
    seed: options.seed ?? 175,
    killAfterMs: options.killAfterMs ?? [5, 250],
    progress: options.progress ?? false,
    check: (dir, output) => checkTrial(command, options.restartSignals ?? 130, consequences, dir, output),
  });
  return { consequences, harness, ms: Date.now() - started };
}
