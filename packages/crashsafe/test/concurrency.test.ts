/**
 * Coalescing inside one process, and several real processes writing one file while another
 * reads it.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { WriteError, writeFileAtomic, writeJson } from "../src/index.js";
import { countCalls, countDuring, injectFault } from "./helpers/faults.js";
import { scratchDir, tempsIn } from "./helpers/dirs.js";
import { finished, startChild } from "./helpers/children.js";

describe("coalescing in one process", () => {
  it("1,000 concurrent writeJson calls: a handful of physical writes, the last wins, all settle", async () => {
    const dir = scratchDir();
    const file = path.join(dir, "burst.json");
    const counter = countCalls(["rename", "fdatasync"]);
    const seenAtResolve: number[] = [];
    try {
      const calls = Array.from({ length: 1000 }, (_, i) =>
        writeJson(file, { i }).then(() => {
          seenAtResolve[i] = (JSON.parse(fs.readFileSync(file, "utf8")) as { i: number }).i;
        }),
      );
      await Promise.all(calls);
    } finally {
      counter.restore();
    }
    assert.equal(counter.counts.rename, 1, "calls made in one synchronous run share one physical write");
    assert.equal(counter.counts.fdatasync, counter.counts.rename, "every physical write was durable");
    assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), { i: 999 });
    // Each promise resolved only once data at least as new as its own was on disk.
    seenAtResolve.forEach((seen, i) => assert.ok(seen >= i, `call ${i} resolved while the file held ${seen}`));
    assert.deepEqual(tempsIn(dir), []);
  });

  it("each caller settles with the physical write that carries its data, and fails with it", async () => {
    const dir = scratchDir();
    const file = path.join(dir, "f.json");
    // The first physical write succeeds; the second (carrying calls 1..9) fails at its fdatasync.
    const fault = injectFault({ call: "fdatasync", nth: 2, code: "EIO" });
    let results: PromiseSettledResult<void>[];
    try {
      const first = writeJson(file, { i: 0 });
      await null; // the first physical write starts one microtask after its call
      const rest = Array.from({ length: 9 }, (_, i) => writeJson(file, { i: i + 1 }));
      results = await Promise.allSettled([first, ...rest]);
    } finally {
      fault.restore();
    }
    assert.equal(results[0]!.status, "fulfilled");
    for (const r of results.slice(1)) {
      assert.equal(r.status, "rejected");
      assert.ok((r as PromiseRejectedResult).reason instanceof WriteError);
      assert.equal(((r as PromiseRejectedResult).reason as WriteError).code, "EIO");
    }
    assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), { i: 0 });
    await writeJson(file, { i: 10 });
    assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), { i: 10 });
  });

  it("a batch mixing atomic and durable callers is written durably", async () => {
    const dir = scratchDir();
    const file = path.join(dir, "mix");
    const counts = await countDuring(["fdatasync"], async () => {
      const first = writeFileAtomic(file, "0", { durability: "atomic" });
      await null;
      await Promise.all([first, writeFileAtomic(file, "1", { durability: "durable" }), writeFileAtomic(file, "2", { durability: "atomic" })]);
    });
    assert.equal(counts.fdatasync, 1, "the first flight is atomic, the coalesced batch durable");
    assert.equal(fs.readFileSync(file, "utf8"), "2");
  });

  it("calls arriving while a write is in flight share the next physical write", async () => {
    const dir = scratchDir();
    const file = path.join(dir, "waves.json");
    const counts = await countDuring(["rename"], async () => {
      const waves: Promise<void>[] = [];
      for (let w = 0; w < 5; w++) {
        for (let i = 0; i < 100; i++) waves.push(writeJson(file, { w, i }));
        await new Promise((r) => setImmediate(r));
      }
      await Promise.all(waves);
    });
    assert.ok(counts.rename! >= 2 && counts.rename! <= 5, `${counts.rename} physical writes for 500 calls`);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), { w: 4, i: 99 });
  });

  it("different paths are written independently and in parallel", async () => {
    const dir = scratchDir();
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeJson(path.join(dir, `f${i % 4}.json`), { i })));
    for (let k = 0; k < 4; k++) assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, `f${k}.json`), "utf8")), { i: 16 + k });
  });
});

/** Runs `writers` writer processes with `strategy` for `ms` while one reader reads; returns its tally. */
async function writersAndReader(strategy: string, writers: number, ms: number): Promise<{ reads: number; torn: number; example?: string; acks: number }> {
  const dir = scratchDir();
  const file = path.join(dir, "shared.json");
  fs.writeFileSync(file, JSON.stringify({ writer: "seed", seq: 0, size: 1, pad: "0" }));
  const ws = Array.from({ length: writers }, (_, i) => finished(startChild("writer-child", [file, strategy, String(128 * 1024), String(ms), `w${i}`])));
  const reader = finished(startChild("reader-child", [file, String(ms)]));
  const outs = await Promise.all(ws);
  for (const o of outs) assert.equal(o.code, 0, o.stderr);
  const r = await reader;
  assert.equal(r.code, 0, r.stderr);
  const acks = outs.reduce((n, o) => n + o.stdout.split("\n").filter((l) => l.startsWith("ack ")).length, 0);
  return { ...(JSON.parse(r.stdout) as { reads: number; torn: number; example?: string }), acks };
}

describe("several processes writing one file while another reads it", () => {
  it("crashsafe writers: zero torn reads", async (t) => {
    const r = await writersAndReader("async-atomic", 4, 1500);
    t.diagnostic(JSON.stringify(r));
    assert.ok(r.reads > 100 && r.acks > 100, `too little traffic to mean anything: ${JSON.stringify(r)}`);
    assert.equal(r.torn, 0, r.example);
  });

  it("control: peer-style fixed .tmp writers DO produce torn reads (the test can fail)", async (t) => {
    // The race needs two writers inside one write at once, which a CPU-starved machine makes
    // rarer: give it up to four rounds to show.
    const rounds: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await writersAndReader("fixed-tmp", 4, 1500);
      rounds.push(r);
      if (r.torn > 0) break;
    }
    t.diagnostic(JSON.stringify(rounds));
    assert.ok(rounds.some((r) => (r as { torn: number }).torn > 0), `expected torn reads from a shared temp name: ${JSON.stringify(rounds)}`);
  });
});
