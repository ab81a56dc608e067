import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { enumerate, type EnumerateOptions } from "./enumerate.js";
import { materialize, type Image } from "./image.js";
import { expand, type Micro, type Model } from "./micro-ops.js";
import { dependencies } from "./models.js";
import type { Op } from "./ops.js";
import { recordOps } from "./recorder.js";
import { describeState } from "./trace.js";

/** Options of {@link simulateCrashes}. */
export interface SimulateOptions extends EnumerateOptions {
  /**
   * What a crash may leave on disk: `"process-crash"` (every completed call kept, crash between any
   * two calls), `"ext4-ordered"` (ext4 data=ordered with auto_da_alloc, approximated),
   * `"ext4-noauto_da_alloc"` (the same without the rename heuristic) or `"pessimistic"` (POSIX
   * minimum: unsynced data and directory entries lost or partly kept).
   */
  model: Model;
  /** Prepares the directory before `fn` runs (the old state). Not recorded. */
  setup?(dir: string): void | Promise<void>;
  /** Called on every distinct crash state, in a fresh copy; throw to report a failure. */
  check(dir: string, acked: string[]): void | Promise<void>;
}

/** One way a crash breaks the invariant `check` enforces. */
export interface SimulateFailure {
  /** Shortest op trace found that leads to it, as readable source lines. */
  trace: string[];
  /** The message `check` threw. */
  error: string;
  /** The acks the failing state contains. */
  acked: string[];
}

/** What {@link simulateCrashes} found. */
export interface SimulateResult {
  /** Crash states enumerated under the model. */
  states: number;
  /** Distinct directory images (with distinct acks) actually checked. */
  distinct: number;
  /** Whether every crash state was enumerated (false: ALICE's set plus random states). */
  exhaustive: boolean;
  /** Recorded ops and the micro-ops they expand into. */
  ops: number;
  microOps: number;
  /** One entry per distinct error message, with the shortest trace. */
  failures: SimulateFailure[];
}

interface Candidate {
  image: Image;
  kept: Micro[];
  acked: string[];
  cost: number;
}

/**
 * Runs `fn(dir)` once with `node:fs` recorded (sync, callback, promise and FileHandle forms, in
 * unmodified code), then materialises every crash state that `model` allows into a fresh directory
 * and calls `check(dir, acked)`. Use {@link ack} inside `fn` to mark writes reported as done.
 *
 * @example
 * const r = await simulateCrashes(async (dir) => { await save(dir); ack("saved"); }, {
 *   model: "pessimistic", check: (dir, acked) => assertLoads(dir, acked) });
 */
export async function simulateCrashes(fn: (dir: string) => unknown, options: SimulateOptions): Promise<SimulateResult> {
  const base = fs.mkdtempSync(join(tmpdir(), "crashsafe-sim-"));
  try {
    await options.setup?.(base);
    const { initial, ops } = await recordOps(base, fn);
    const micros = expand(ops, initial, options.model);
    const deps = dependencies(micros, options.model);
    const candidates = new Map<string, Candidate>();
    let states = 0;
    const exhaustive = enumerate(
      { ops, micros, deps, initial, model: options.model },
      (kept, image) => {
        states++;
        const acked = ackedLabels(kept, ops);
        const key = `${image.hash()}|${acked.join("\0")}`;
        const cost = costOf(kept, micros);
        const seen = candidates.get(key);
        if (seen === undefined || cost < seen.cost) candidates.set(key, { image, kept: [...kept], acked, cost });
      },
      options,
    );
    const failures = await checkAll([...candidates.values()], ops, micros, options.check);
    return { states, distinct: candidates.size, exhaustive, ops: ops.length, microOps: micros.length, failures };
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

function ackedLabels(kept: readonly Micro[], ops: readonly Op[]): string[] {
  const labels: string[] = [];
  for (const m of kept) {
    const op = ops[m.op]!;
    if (op.op === "ack" && (m.kind === "ack" || m.kind === "whole")) labels.push(op.label);
  }
  return labels;
}

/** Shorter traces first: an earlier crash point, then fewer lost micro-ops before it. */
function costOf(kept: readonly Micro[], micros: readonly Micro[]): number {
  const crash = Math.max(-1, ...kept.map((m) => m.op));
  const before = micros.filter((m) => m.op <= crash).length;
  return (crash + 1) * 100000 + (before - kept.length);
}

async function checkAll(
  candidates: Candidate[], ops: readonly Op[], micros: readonly Micro[], check: SimulateOptions["check"],
): Promise<SimulateFailure[]> {
  const failures = new Map<string, Candidate & { error: string }>();
  candidates.sort((a, b) => a.cost - b.cost);
  for (const c of candidates) {
    const error = await checkOne(c, check);
    if (error !== undefined && !failures.has(error)) failures.set(error, { ...c, error });
  }
  return [...failures.values()].map((f) => ({ trace: describeState(ops, micros, f.kept), error: f.error, acked: f.acked }));
}

async function checkOne(c: Candidate, check: SimulateOptions["check"]): Promise<string | undefined> {
  const dir = fs.mkdtempSync(join(tmpdir(), "crashsafe-state-"));
  try {
    materialize(c.image, dir);
    await check(dir, [...c.acked]);
    return undefined;
  } catch (error) {
    return firstLine(error instanceof Error ? error.message : String(error));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Failures are grouped by the first line of their message (assertion diffs follow on later lines). */
function firstLine(message: string): string {
  return message.split("\n").find((line) => line.trim() !== "")?.trim() ?? message;
}
