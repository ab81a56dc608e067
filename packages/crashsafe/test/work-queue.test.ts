import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { openWorkQueue } from "../src/index.js";
import { torture } from "../src/testing/index.js";
import { CHILD, numbered, runChild, tempDir } from "./journal-helpers.js";

async function drain<T>(q: { take(): Promise<{ id: number; item: T } | undefined> }): Promise<Array<{ id: number; item: T }>> {
  const out: Array<{ id: number; item: T }> = [];
  for (let e = await q.take(); e; e = await q.take()) out.push(e);
  return out;
}

test("push, take (FIFO, leased), ack, nack and pending", async () => {
  const q = await openWorkQueue<string>(join(tempDir("queue"), "q"));
  const ids = [await q.push("a"), await q.push("b"), await q.push("c")];
  assert.equal(new Set(ids).size, 3);
  assert.equal(q.pending(), 3);
  const first = await q.take();
  assert.deepEqual(first, { id: ids[0], item: "a" });
  const second = await q.take();
  assert.equal(second?.item, "b");
  assert.equal(await q.ack(first!.id), true);
  assert.equal(await q.ack(first!.id), false, "acked twice");
  assert.equal(await q.nack(second!.id), true);
  assert.equal(await q.nack(second!.id), false, "not leased any more");
  assert.equal(q.pending(), 2);
  assert.deepEqual((await drain(q)).map((e) => e.item), ["c", "b"]);
  assert.equal(await q.take(), undefined, "everything is leased");
  await q.close();
});

test("a lease that expires hands the item out again", async () => {
  let now = 0;
  const q = await openWorkQueue<number>(join(tempDir("queue"), "q"), { leaseMs: 1000, now: () => now });
  const id = await q.push(7);
  assert.equal((await q.take())?.id, id);
  now = 999;
  assert.equal(await q.take(), undefined);
  now = 1000;
  assert.deepEqual(await q.take(), { id, item: 7 });
  assert.equal(await q.ack(id), true);
  now = 5000;
  assert.equal(await q.take(), undefined, "an acked item never returns");
  await q.close();
});

test("after a SIGKILL every un-acked item (taken or not) is pending again; acked ones are gone", async () => {
  const dir = tempDir("queue");
  const run = await runChild(["queue", dir]);
  assert.equal(run.signal, "SIGKILL", run.stderr);
  assert.ok(run.lines.includes("ready"));
  const q = await openWorkQueue<{ n: number }>(join(dir, "queue"));
  assert.equal(q.pending(), 18);
  const items = (await drain(q)).map((e) => e.item.n);
  assert.deepEqual(items, [2, 3, 4, ...Array.from({ length: 15 }, (_, i) => i + 5)]);
  const id = await q.push({ n: 20 });
  assert.ok(id > 20, "ids are never reused after a restart");
  await q.close();
});

test("automatic compaction keeps the log proportional to the pending items; ids survive it", async () => {
  const file = join(tempDir("queue"), "q");
  const q = await openWorkQueue<number>(file, { compactMinRecords: 50, compactRatio: 2 });
  const kept: number[] = [];
  for (let n = 0; n < 1000; n++) {
    const id = await q.push(n);
    if (n % 100 === 0) kept.push(id);
    else assert.equal(await q.ack(id), true);
  }
  await q.close();
  assert.ok(existsSync(`${file}.snapshot`));
  assert.ok(statSync(file).size < 200 * 30, `log is ${statSync(file).size} bytes`);
  const again = await openWorkQueue<number>(file);
  assert.deepEqual((await drain(again)).map((e) => e.id), kept);
  await again.close();
});

test("torture: a worker SIGKILLed while pushing, acking and compacting loses no item and revives no ack", async () => {
  const result = await torture({
    command: [process.execPath, CHILD, "worker"],
    trials: 6,
    killAfterMs: [20, 250],
    seed: 11,
    async check(dir, output) {
      const pushed = numbered(output, "pushed");
      const acked = new Set(numbered(output, "acked"));
      const acking = new Set(numbered(output, "acking"));
      if (!existsSync(join(dir, "queue"))) {
        assert.deepEqual(pushed, [], "killed while the log was being created: nothing was pushed");
        return;
      }
      const q = await openWorkQueue<{ n: number }>(join(dir, "queue"), { readOnly: true });
      try {
        const pending = new Set((await drain(q)).map((e) => e.id));
        for (const id of pushed) if (!acking.has(id)) assert.ok(pending.has(id), `pushed item ${id} lost`);
        for (const id of acking) if (!acked.has(id)) assert.ok(acking.size - acked.size === 1, `only the last ack can be in doubt (${id})`);
        for (const id of acked) assert.ok(!pending.has(id), `acked item ${id} came back`);
      } finally {
        await q.close();
      }
    },
  });
  assert.deepEqual(result.failures, []);
});
