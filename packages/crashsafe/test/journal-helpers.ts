/** Shared by the journal, dedup-set and work-queue tests: temp dirs and SIGKILLed child processes. */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Journal } from "../src/index.js";

export function tempDir(prefix = "journal"): string {
  return mkdtempSync(join(tmpdir(), `crashsafe-${prefix}-`));
}

export async function readAll<T>(journal: Journal<T, unknown>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of journal.records()) out.push(r);
  return out;
}

/** The child program of the crash tests (compiled next to this file). */
export const CHILD = new URL("./journal-child.js", import.meta.url).pathname;

export interface ChildRun {
  /** stdout lines printed before the child died. */
  lines: string[];
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
}

/**
 * Runs the journal child with `args`; SIGKILLs it `killAfterMs` after its first output line
 * (never, if undefined: then it must exit or kill itself).
 */
export function runChild(args: string[], options: { env?: Record<string, string>; killAfterMs?: number } = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], { env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (timer === undefined && options.killAfterMs !== undefined) timer = setTimeout(() => child.kill("SIGKILL"), options.killAfterMs);
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      // A line cut by the kill is not a complete ack: keep whole lines only.
      const lines = out.split("\n");
      lines.pop();
      resolve({ lines, signal, code, stderr: err });
    });
  });
}

/** The numbers of the complete `<word> <n>` lines of a child's output (a line cut by the kill does not count). */
export function numbered(output: string, word = "ack"): number[] {
  const lines = output.split("\n");
  lines.pop();
  return lines.filter((l) => l.startsWith(`${word} `)).map((l) => Number(l.slice(word.length + 1)));
}

/** The numbers of the `ack <n>` lines of a child run, in order. */
export function acks(run: ChildRun): number[] {
  return numbered(run.lines.map((l) => l + "\n").join(""));
}
