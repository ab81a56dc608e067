/**
 * The benchmark harness: peers run interleaved in one process, round by round, in a shuffled
 * order each round, so that machine noise hits every contender alike. We report medians of the
 * per-round times and ratios against a named baseline, never a single absolute time.
 */
import { performance } from "node:perf_hooks";

export interface BenchCase {
  /** Shown in the table, e.g. "crashsafe durable". */
  name: string;
  /** Runs before every round of this case (not timed). */
  beforeRound?(): Promise<void> | void;
  /** One timed round: performs `opsPerRound` operations. */
  round(): Promise<void> | void;
  /** Runs once after the group (not timed). */
  teardown?(): Promise<void> | void;
}

export interface BenchGroup {
  /** Section title, e.g. "writeFileAtomic 1 KiB, sequential". */
  title: string;
  /** Name of the case the ratios are computed against. */
  baseline: string;
  /** Number of operations one `round()` performs (to report ops/s). */
  opsPerRound: number;
  /** Timed rounds per case (after one untimed warm-up round). */
  rounds: number;
  cases: BenchCase[];
  /** Extra lines printed under the table (counts, targets, notes). Called after the rounds. */
  notes?(): string[] | Promise<string[]>;
}

export interface CaseResult {
  name: string;
  medianMs: number;
  opsPerSec: number;
  /** Throughput relative to the baseline (> 1 is faster than the baseline). */
  ratio: number;
}

export interface GroupResult {
  title: string;
  baseline: string;
  results: CaseResult[];
  notes: string[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function timeRound(c: BenchCase): Promise<number> {
  await c.beforeRound?.();
  const start = performance.now();
  await c.round();
  return performance.now() - start;
}

/** Runs one group: a warm-up round per case, then `rounds` interleaved timed rounds. */
export async function runGroup(group: BenchGroup): Promise<GroupResult> {
  const times = new Map<string, number[]>(group.cases.map((c) => [c.name, []]));
  for (const c of group.cases) await timeRound(c);
  for (let r = 0; r < group.rounds; r++) {
    for (const c of shuffled(group.cases)) times.get(c.name)!.push(await timeRound(c));
  }
  for (const c of group.cases) await c.teardown?.();
  const base = median(times.get(group.baseline) ?? []);
  const results = group.cases.map((c) => {
    const m = median(times.get(c.name)!);
    return { name: c.name, medianMs: m, opsPerSec: (group.opsPerRound * 1000) / m, ratio: base / m };
  });
  return { title: group.title, baseline: group.baseline, results, notes: (await group.notes?.()) ?? [] };
}

/** Renders a group as a Markdown table (what bench/RESULTS.md records). */
export function renderGroup(g: GroupResult): string {
  const rows = g.results.map(
    (r) => `| ${r.name} | ${r.medianMs.toFixed(2)} | ${Math.round(r.opsPerSec).toLocaleString("en-US")} | ${r.ratio.toFixed(2)}x |`,
  );
  return [
    `### ${g.title}`,
    "",
    `| case | median ms / round | ops/s | vs ${g.baseline} |`,
    "|---|---:|---:|---:|",
    ...rows,
    ...(g.notes.length ? ["", ...g.notes.map((n) => `- ${n}`)] : []),
    "",
  ].join("\n");
}
