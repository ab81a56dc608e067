/**
 * State files: openState's `set` against conf and lowdb on the same ~2 KiB state, awaited one by
 * one, and a burst of 10,000 `set` calls, where what matters is how many physical writes reach
 * the disk. Physical writes are counted as renames onto the state file (each library replaces the
 * file with temp + rename), whichever fs API form the library calls; conf's as inode changes.
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Conf from "conf";
import { openState, type StateFile } from "crashsafe";
import { Low } from "lowdb";
import { JSONFile } from "lowdb/node";
import { median, type BenchCase, type BenchGroup } from "./harness.js";
import type { BenchSuite } from "./run.js";

interface Tracker {
  fired: string[];
  n: number;
}

const IDS = Array.from({ length: 100 }, (_, i) => `signal-${i.toString().padStart(6, "0")}`);
const stateAt = (n: number): Tracker => ({ fired: IDS, n });

/** A contender: `set` one value, and wait until everything set so far is written. */
interface Contender {
  name: string;
  file: string;
  set(value: Tracker): void | Promise<void>;
  settle(): Promise<void>;
  /** Physical replaces of `file` so far. */
  physicalWrites(): number;
}

async function crashsafeContender(dir: string, durability: "durable" | "atomic"): Promise<Contender> {
  const file = join(dir, `crashsafe-${durability}.json`);
  const state: StateFile<Tracker> = await openState(file, { defaults: () => stateAt(0), durability });
  return { name: `crashsafe openState (${durability})`, file, set: (v) => state.set(v), settle: () => state.flush(), physicalWrites: () => renames.get(file) ?? 0 };
}

function confContender(dir: string): Contender {
  const conf = new Conf<Tracker>({ cwd: dir, configName: "conf", projectName: "bench", defaults: stateAt(0) });
  // conf writes synchronously inside the setter, so a new inode after it is one physical replace.
  // (Its fs layer binds rename when first imported, possibly by another suite before us.)
  let writes = 0;
  let ino = fs.statSync(conf.path).ino;
  return {
    name: "conf (sync, fsync, no dir fsync)",
    file: conf.path,
    set: (v) => {
      conf.store = v;
      const now = fs.statSync(conf.path).ino;
      writes += Number(now !== ino);
      ino = now;
    },
    settle: async () => {},
    physicalWrites: () => writes,
  };
}

function lowdbContender(dir: string): Contender {
  const file = join(dir, "lowdb.json");
  const db = new Low<Tracker>(new JSONFile(file), stateAt(0));
  let last: Promise<void> = Promise.resolve();
  return {
    name: "lowdb (steno, no fsync)",
    file,
    set: (v) => {
      db.data = v;
      last = db.write();
      return last;
    },
    settle: () => last,
    physicalWrites: () => renames.get(file) ?? 0,
  };
}

/** Renames per target path, counted from the moment {@link countRenames} is called. */
const renames = new Map<string, number>();

function countRenames(): void {
  const bump = (to: fs.PathLike) => renames.set(String(to), (renames.get(String(to)) ?? 0) + 1);
  const { rename, renameSync } = fs;
  const promised = fs.promises.rename;
  fs.rename = ((from: fs.PathLike, to: fs.PathLike, cb: fs.NoParamCallback) => (bump(to), rename(from, to, cb))) as typeof fs.rename;
  fs.renameSync = (from, to) => (bump(to), renameSync(from, to));
  fs.promises.rename = (from, to) => (bump(to), promised(from, to));
  syncBuiltinESMExports();
}

function sequentialCase(c: Contender, ops: number): BenchCase {
  let n = 0;
  return {
    name: c.name,
    async round() {
      for (let i = 0; i < ops; i++) await c.set(stateAt(++n));
    },
  };
}

function burstCase(c: Contender, ops: number, writes: Map<string, number[]>): BenchCase {
  let n = 0;
  return {
    name: c.name,
    async round() {
      const before = c.physicalWrites();
      const all: Array<void | Promise<void>> = [];
      for (let i = 0; i < ops; i++) all.push(c.set(stateAt(++n)));
      await Promise.all(all);
      await c.settle();
      writes.get(c.name)!.push(c.physicalWrites() - before);
      const onDisk = JSON.parse(fs.readFileSync(c.file, "utf8")) as Tracker | { value: Tracker };
      const last = "value" in onDisk ? onDisk.value : onDisk;
      if (last.n !== n) throw new Error(`${c.name}: the burst ended at ${last.n}, not ${n}`);
    },
  };
}

async function contenders(dir: string): Promise<Contender[]> {
  fs.mkdirSync(dir, { recursive: true });
  return [await crashsafeContender(dir, "durable"), await crashsafeContender(dir, "atomic"), lowdbContender(dir), confContender(dir)];
}

export const suite: BenchSuite = {
  name: "state files",
  async groups(): Promise<BenchGroup[]> {
    countRenames();
    const dir = fs.mkdtempSync(join(tmpdir(), "crashsafe-bench-state-"));
    const sequential = await contenders(join(dir, "seq"));
    const burstOps = 10_000;
    const burstContenders = await contenders(join(dir, "burst"));
    const writes = new Map(burstContenders.map((c) => [c.name, [] as number[]]));
    return [
      {
        title: "state set, each awaited (~2 KiB state)",
        baseline: "conf (sync, fsync, no dir fsync)",
        opsPerRound: 20,
        rounds: 7,
        cases: sequential.map((c) => sequentialCase(c, 20)),
        notes: () => [
          "durable = fsync of the file and of the directory; conf fsyncs the file only; lowdb and crashsafe atomic do not fsync (process-crash safe only).",
        ],
      },
      {
        title: `burst of ${burstOps.toLocaleString("en-US")} set calls, then wait for all (~2 KiB state)`,
        baseline: "conf (sync, fsync, no dir fsync)",
        opsPerRound: burstOps,
        // conf makes one fsynced write per set (~30 s per burst here), so one timed round.
        rounds: 1,
        cases: burstContenders.map((c) => burstCase(c, burstOps, writes)),
        notes: () => {
          const conf = median(writes.get("conf (sync, fsync, no dir fsync)")!);
          return [
            ...burstContenders.map((c) => {
              const w = median(writes.get(c.name)!);
              return `${c.name}: ${w.toLocaleString("en-US")} physical writes per burst (${(w / burstOps).toPrecision(2)} per set, ${(w / conf).toPrecision(2)}x conf's)`;
            }),
            "every contender ends the burst with the last value on disk (checked after each round).",
          ];
        },
      },
    ];
  },
};
