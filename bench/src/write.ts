/**
 * `npm run bench write`: crashsafe's atomic writes against a hand-written minimal durable
 * sequence and the npm peers, at 1 KiB / 64 KiB / 4 MiB, plus a 1,000-call burst to one path.
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { writeFileAtomic, writeJson } from "crashsafe";
import { writeFile as atomicallyWriteFile } from "atomically";
import { Writer as StenoWriter } from "steno";
import { median, type BenchCase, type BenchGroup } from "./harness.js";
import type { BenchSuite } from "./run.js";

const require = createRequire(import.meta.url);
const writeFileAtomicPeer = require("write-file-atomic") as (file: string, data: string | Uint8Array, options?: object) => Promise<void>;

type WriteFn = (file: string, data: Uint8Array) => Promise<void>;

function tempBeside(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/** The minimal durable replace as crash-consistency.md §2 writes it by hand (fs.promises). */
async function handWrittenPromises(file: string, data: Uint8Array): Promise<void> {
  const tmp = tempBeside(file);
  const fh = await fsp.open(tmp, "wx", 0o644);
  try {
    await fh.writeFile(data);
    await fh.datasync();
    await fh.close();
  } catch (e) {
    await fh.close().catch(() => {});
    await fsp.unlink(tmp).catch(() => {});
    throw e;
  }
  await fsp.rename(tmp, file);
  const dir = await fsp.open(path.dirname(file), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

const cb = <T>(fn: (done: (err: Error | null, value?: T) => void) => void) =>
  new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));

/** The same sequence on the callback API, with no error handling: the syscall floor. */
async function handWrittenCallbacks(file: string, data: Uint8Array): Promise<void> {
  const tmp = tempBeside(file);
  const fd = await cb<number>((d) => fs.open(tmp, "wx", 0o644, d));
  for (let off = 0; off < data.length; ) off += await cb<number>((d) => fs.write(fd, data, off, data.length - off, off, d));
  await cb((d) => fs.fdatasync(fd, d));
  await cb((d) => fs.close(fd, d));
  await cb((d) => fs.rename(tmp, file, d));
  const dfd = await cb<number>((d) => fs.open(path.dirname(file), "r", d));
  await cb((d) => fs.fsync(dfd, d));
  await cb((d) => fs.close(dfd, d));
}

const stenoWriters = new Map<string, StenoWriter>();

const contenders: Record<string, WriteFn> = {
  "crashsafe durable": (f, d) => writeFileAtomic(f, d),
  "crashsafe atomic": (f, d) => writeFileAtomic(f, d, { durability: "atomic" }),
  "hand-written durable (fs.promises)": handWrittenPromises,
  "hand-written durable (callbacks)": handWrittenCallbacks,
  "write-file-atomic": (f, d) => writeFileAtomicPeer(f, d),
  atomically: (f, d) => atomicallyWriteFile(f, d),
  steno: (f, d) => {
    let w = stenoWriters.get(f);
    if (!w) stenoWriters.set(f, (w = new StenoWriter(f)));
    return w.write(d);
  },
  "fs.writeFile": (f, d) => fsp.writeFile(f, d),
};

const BASELINE = "hand-written durable (fs.promises)";

/** Records a round's time, skipping each case's first (the harness's untimed warm-up). */
function record(times: Map<string, number[]>, name: string, ms: number): void {
  const list = times.get(name);
  if (list) list.push(ms);
  else times.set(name, []);
}

/** Per-case round times as measured inside round(), to state the target ratios. */
function ratioNotes(times: Map<string, number[]>, targets: Array<[string, string, number]>): string[] {
  const m = (name: string) => median(times.get(name) ?? [NaN]);
  return targets.map(([a, b, want]) => {
    const r = m(b) / m(a);
    return `${a} vs ${b}: ${r.toFixed(2)}x (target >= ${want}x: ${r >= want ? "met" : "MISSED"})`;
  });
}

function sequentialGroup(root: string, label: string, bytes: number, ops: number, rounds: number): BenchGroup {
  const dir = fs.mkdtempSync(path.join(root, `seq-${label}-`));
  const data = randomBytes(bytes);
  const times = new Map<string, number[]>();
  const cases: BenchCase[] = Object.entries(contenders).map(([name, write], i) => {
    const file = path.join(dir, `target-${i}.bin`);
    fs.writeFileSync(file, data);
    return {
      name,
      async round() {
        const start = performance.now();
        for (let k = 0; k < ops; k++) await write(file, data);
        record(times, name, performance.now() - start);
      },
    };
  });
  return {
    title: `write ${label}, sequential (${ops} writes per round)`,
    baseline: BASELINE,
    opsPerRound: ops,
    rounds,
    cases,
    notes: () =>
      ratioNotes(times, [
        ["crashsafe durable", BASELINE, 0.95],
        ["crashsafe durable", "hand-written durable (callbacks)", 0.95],
        ["crashsafe durable", "write-file-atomic", 1.15],
        ["crashsafe atomic", "steno", 0.9],
      ]),
  };
}

/** Counts physical replacements (renames) while `fn` runs. */
async function countingRenames(fn: () => Promise<unknown>): Promise<number> {
  const rename = fs.rename;
  let n = 0;
  fs.rename = ((...args: Parameters<typeof fs.rename>) => {
    n++;
    return rename(...args);
  }) as typeof fs.rename;
  try {
    await fn();
  } finally {
    fs.rename = rename;
  }
  return n;
}

function burstGroup(root: string): BenchGroup {
  const dir = fs.mkdtempSync(path.join(root, "burst-"));
  const CALLS = 1000;
  const value = (i: number) => ({ i, fired: Array.from({ length: 20 }, (_, k) => `signal-${k}`) });
  const renames = new Map<string, number[]>();
  const lastWins = new Map<string, boolean>();
  const burst = (name: string, file: string, write: (i: number) => Promise<void>): BenchCase => ({
    name,
    async round() {
      const n = await countingRenames(() => Promise.all(Array.from({ length: CALLS }, (_, i) => write(i))));
      (renames.get(name) ?? renames.set(name, []).get(name)!).push(n);
      lastWins.set(name, (JSON.parse(fs.readFileSync(file, "utf8")) as { i: number }).i === CALLS - 1);
    },
  });
  const csFile = path.join(dir, "crashsafe.json");
  const wfaFile = path.join(dir, "wfa.json");
  return {
    title: `burst: ${CALLS.toLocaleString("en-US")} concurrent writeJson calls to one path (durable)`,
    baseline: "write-file-atomic",
    opsPerRound: CALLS,
    rounds: 4,
    cases: [
      burst("crashsafe writeJson", csFile, (i) => writeJson(csFile, value(i))),
      burst("write-file-atomic", wfaFile, (i) => writeFileAtomicPeer(wfaFile, JSON.stringify(value(i)) + "\n")),
    ],
    notes: () =>
      [...renames].map(
        ([name, ns]) => `${name}: ${median(ns)} physical writes (renames) per ${CALLS} calls; last write wins: ${lastWins.get(name) ? "yes" : "NO"}`,
      ).concat("target: crashsafe >= 50x write-file-atomic (ratio column)"),
  };
}

export const suite: BenchSuite = {
  name: "write",
  async groups() {
    const root = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), "crashsafe-bench-"));
    process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
    return [
      sequentialGroup(root, "1 KiB", 1024, 2, 60),
      sequentialGroup(root, "64 KiB", 64 * 1024, 2, 60),
      sequentialGroup(root, "4 MiB", 4 * 1024 * 1024, 1, 40),
      burstGroup(root),
    ];
  },
};
