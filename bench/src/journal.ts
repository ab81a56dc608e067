/**
 * Journal suite: what an append-only log buys over rewriting the whole state file.
 * - a durable add into a 1,000,000-id dedup set vs rewriting all ids (crashsafe writeJson, lowdb);
 * - the cost of an add at 1k vs 1M ids (it must not grow with the set);
 * - group commit: 64 concurrent appenders vs one, "always" and "batch";
 * - reopening the 1M-id set vs JSON.parse of the same ids.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDedupSet, openJournal, writeJson, type DedupSet, type Journal } from "crashsafe";
import { Low } from "lowdb";
import { JSONFile } from "lowdb/node";
import type { BenchCase, BenchGroup } from "./harness.js";
import type { BenchSuite } from "./run.js";

const MILLION = 1_000_000;
const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => `signal-${from + i}`);

/** A dedup set holding `count` ids, built with concurrent adds (group commit) to keep setup short. */
async function buildSet(file: string, count: number): Promise<DedupSet> {
  const set = await openDedupSet(file);
  for (let from = 0; from < count; from += 10_000) await Promise.all(ids(from, Math.min(10_000, count - from)).map((id) => set.add(id)));
  return set;
}

/** A case that performs `ops` durable adds of fresh ids, one after the other. */
function addCase(name: string, set: () => DedupSet, ops: number): BenchCase {
  let next = 0;
  return {
    name,
    async round() {
      for (let i = 0; i < ops; i++) await set().add(`new-${next++}`);
    },
  };
}

async function addVsRewrite(dir: string, big: DedupSet): Promise<BenchGroup> {
  const ops = 8;
  const all = ids(0, MILLION);
  const jsonFile = join(dir, "ids.json");
  const db = new Low(new JSONFile<{ ids: string[] }>(join(dir, "lowdb.json")), { ids: [...all] });
  let n = 0;
  return {
    title: "durable add of one id into a 1,000,000-id dedup set (per op)",
    baseline: "crashsafe writeJson: rewrite all ids",
    opsPerRound: ops,
    rounds: 7,
    cases: [
      addCase("openDedupSet add (journal append + fdatasync)", () => big, ops),
      {
        name: "crashsafe writeJson: rewrite all ids",
        async round() {
          for (let i = 0; i < ops; i++) {
            all.push(`rewrite-${n++}`);
            await writeJson(jsonFile, all);
          }
        },
      },
      {
        name: "lowdb: push + write (no fsync)",
        async round() {
          for (let i = 0; i < ops; i++) {
            db.data.ids.push(`lowdb-${n++}`);
            await db.write();
          }
        },
      },
    ],
    notes: () => ["Target: the journal add >= 100x faster than the writeJson rewrite (ratio column).", "lowdb writes through steno without fsync: not durable, and still O(set)."],
  };
}

async function costVsSize(dir: string, big: DedupSet): Promise<BenchGroup> {
  const small = await buildSet(join(dir, "small"), 1_000);
  const ops = 100;
  const rounds = 15;
  const sizes = [small, big].map((set) => statSync(set.path).size);
  return {
    title: "durable dedup add: 1,000 vs 1,000,000 ids in the set",
    baseline: "1,000 ids",
    opsPerRound: ops,
    rounds,
    cases: [
      { ...addCase("1,000 ids", () => small, ops), teardown: () => small.close() },
      // The reopen group opens the big set's file: release its lock after its last use here.
      { ...addCase("1,000,000 ids", () => big, ops), teardown: () => big.close() },
    ],
    notes: () => {
      const perAdd = [small, big].map((set, i) => ((statSync(set.path).size - sizes[i]!) / (ops * (rounds + 1))).toFixed(1));
      return [
        "Target: within 1.2x of each other (an add costs O(record), not O(set)).",
        `Bytes written per add: ${perAdd[0]} (1,000 ids) vs ${perAdd[1]} (1,000,000 ids): one frame either way; the time is one fdatasync.`,
      ];
    },
  };
}

function appenders(journal: () => Journal<number>, writers: number, each: number): () => Promise<void> {
  return async () => {
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < each; i++) await journal().append(w * each + i);
      }),
    );
  };
}

async function groupCommit(dir: string): Promise<BenchGroup> {
  const always = await openJournal<number>(join(dir, "always"));
  const batch = await openJournal<number>(join(dir, "batch"), { sync: "batch" });
  const sequential = await openJournal<number>(join(dir, "sequential"));
  const ops = 512;
  return {
    title: "journal appends/s: group commit with 64 concurrent appenders",
    baseline: "always, 1 appender (one fdatasync per append)",
    opsPerRound: ops,
    rounds: 9,
    cases: [
      { name: "always, 1 appender (one fdatasync per append)", round: appenders(() => sequential, 1, ops), teardown: () => sequential.close() },
      { name: "always, 64 concurrent appenders", round: appenders(() => always, 64, ops / 64), teardown: () => always.close() },
      { name: "batch (batchMs 2), 64 concurrent appenders", round: appenders(() => batch, 64, ops / 64), teardown: () => batch.close() },
    ],
    notes: () => ['"always" already shares an fdatasync among appends that arrive while one is in flight; "batch" additionally waits batchMs for company.'],
  };
}

async function reopen(dir: string, bigFile: string): Promise<BenchGroup> {
  const jsonFile = join(dir, "reopen.json");
  await writeJson(jsonFile, ids(0, MILLION));
  const compacted = join(dir, "compacted");
  copyFileSync(bigFile, compacted); // nothing is appended to the big set while the groups are built
  const copy = await openDedupSet(compacted);
  await copy.compact();
  await copy.close();
  const open = (file: string) => async () => {
    const set = await openDedupSet(file);
    if (set.size < MILLION) throw new Error(`reopened ${set.size} ids`);
    await set.close();
  };
  return {
    title: "reopen a 1,000,000-id dedup set",
    baseline: "readFile + JSON.parse of the ids array",
    opsPerRound: 1,
    rounds: 5,
    cases: [
      {
        name: "readFile + JSON.parse of the ids array",
        round() {
          if ((JSON.parse(readFileSync(jsonFile, "utf8")) as string[]).length !== MILLION) throw new Error("short");
        },
      },
      {
        name: "readFile + JSON.parse + new Set (a usable in-memory set)",
        round() {
          if (new Set(JSON.parse(readFileSync(jsonFile, "utf8")) as string[]).size !== MILLION) throw new Error("short");
        },
      },
      { name: "openDedupSet: replay a 1M-record log (CRC-checked)", round: open(bigFile) },
      { name: "openDedupSet: from its compacted snapshot", round: open(compacted) },
    ],
  };
}

export const suite: BenchSuite = {
  name: "journal",
  async groups() {
    const dir = mkdtempSync(join(tmpdir(), "crashsafe-bench-journal-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    const bigFile = join(dir, "big");
    const big = await buildSet(bigFile, MILLION);
    return [await addVsRewrite(dir, big), await costVsSize(dir, big), await groupCommit(dir), await reopen(dir, bigFile)];
  },
};
