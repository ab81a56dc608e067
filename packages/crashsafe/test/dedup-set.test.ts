import assert from "node:assert/strict";
import { closeSync, existsSync, openSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { openDedupSet } from "../src/index.js";
import { encodeGroup, encodeHeader } from "../src/journal-format.js";
import { torture } from "../src/testing/index.js";
import { CHILD, numbered, tempDir } from "./journal-helpers.js";

test("add is true once per id and durable across reopen; has and size follow", async () => {
  const file = join(tempDir("dedup"), "seen");
  const set = await openDedupSet(file);
  assert.equal(await set.add("a"), true);
  assert.equal(await set.add("b"), true);
  assert.equal(await set.add("a"), false);
  assert.deepEqual(await Promise.all([set.add("c"), set.add("c")]), [true, false], "concurrent adds of one id: one wins");
  assert.equal(set.has("a") && set.has("c") && !set.has("z"), true);
  assert.equal(set.size, 3);
  await set.close();
  await assert.rejects(set.add("d"), { code: "ECLOSED" });
  const again = await openDedupSet(file);
  assert.equal(again.size, 3);
  assert.equal(await again.add("b"), false);
  assert.equal(await again.add("d"), true);
  await again.close();
});

test("a second writer is refused (ELOCKED); a read-only open sees the ids", async () => {
  const file = join(tempDir("dedup"), "seen");
  const set = await openDedupSet(file);
  await set.add("x");
  await assert.rejects(openDedupSet(file), { code: "ELOCKED" });
  const reader = await openDedupSet(file, { readOnly: true });
  assert.equal(reader.has("x"), true);
  await assert.rejects(reader.add("y"), { code: "EREADONLY" });
  await reader.close();
  await set.close();
});

test("ttlMs: ids expire by their persisted add time, also across reopen", async () => {
  const file = join(tempDir("dedup"), "seen");
  let now = 1_000_000;
  const clock = () => now;
  const set = await openDedupSet(file, { ttlMs: 100, now: clock });
  await set.add("old");
  now += 60;
  await set.add("young");
  now += 50; // old is 110 ms old, young 50
  assert.equal(set.has("old"), false);
  assert.equal(set.has("young"), true);
  assert.equal(set.size, 1);
  await set.close();
  const again = await openDedupSet(file, { ttlMs: 100, now: clock });
  assert.equal(again.has("old"), false);
  assert.equal(again.has("young"), true);
  assert.equal(await again.add("old"), true, "an expired id is new again");
  now += 60;
  assert.equal(again.has("young"), false);
  assert.equal(again.has("old"), true);
  await again.close();
});

test("with a TTL the log is compacted automatically and stays proportional to the live ids", async () => {
  const file = join(tempDir("dedup"), "seen");
  let now = 0;
  const set = await openDedupSet(file, { ttlMs: 50, now: () => now, compactMinRecords: 100, compactRatio: 2 });
  for (let i = 0; i < 2000; i++) {
    now++;
    assert.equal(await set.add(`id-${i}`), true);
  }
  await set.close();
  assert.ok(existsSync(`${file}.snapshot`), "compaction ran");
  assert.ok(statSync(file).size < 300 * 40, `log of ${statSync(file).size} bytes after 2000 adds with ~50 live`);
  const again = await openDedupSet(file, { ttlMs: 50, now: () => now });
  assert.equal(again.size, 50, "ids added at t = 1951..2000 are younger than 50 ms at t = 2000");
  assert.equal(again.has("id-1999") && again.has("id-1950") && !again.has("id-1949"), true);
  await again.close();
});

test("a 1,000,000-id set reopens with every id; adds stay O(1); compaction and reopen from the snapshot", async () => {
  const file = join(tempDir("dedup"), "seen");
  const fd = openSync(file, "w");
  writeSync(fd, encodeHeader(1));
  for (let start = 0; start < 1_000_000; start += 50_000) {
    const payloads = Array.from({ length: 50_000 }, (_, i) => Buffer.from(`"signal-${start + i}"`));
    writeSync(fd, encodeGroup(payloads));
  }
  closeSync(fd);
  const set = await openDedupSet(file);
  assert.equal(set.size, 1_000_000);
  for (const n of [0, 1, 499_999, 999_999]) assert.equal(set.has(`signal-${n}`), true);
  assert.equal(set.has("signal-1000000"), false);
  const before = statSync(file).size;
  assert.equal(await set.add("signal-1000000"), true);
  assert.equal(await set.add("signal-5"), false);
  assert.equal(statSync(file).size - before, 16 + '"signal-1000000"'.length, "one add appends one small frame");
  await set.compact();
  await set.close();
  assert.ok(statSync(file).size < 100, "the log restarted empty");
  const again = await openDedupSet(file);
  assert.equal(again.size, 1_000_001);
  assert.equal(again.has("signal-1000000") && again.has("signal-0") && again.has("signal-777777"), true);
  await again.close();
});

test("torture: SIGKILLed while adding and compacting, no acknowledged id is ever lost", async () => {
  let compacted = 0;
  const result = await torture({
    command: [process.execPath, CHILD, "dedup"],
    trials: 6,
    killAfterMs: [80, 600], // compaction starts after 51 adds: most kills must come later
    seed: 7,
    async check(dir, output) {
      const acked = numbered(output);
      const set = await openDedupSet(join(dir, "seen"), { ttlMs: 3_600_000 });
      try {
        for (const n of acked) assert.equal(set.has(`id-${n}`), true, `acknowledged id-${n} lost`);
        for (let n = 0; n < set.size; n++) assert.equal(set.has(`id-${n}`), true, "ids are a gapless prefix");
      } finally {
        await set.close();
      }
      if (existsSync(join(dir, "seen.snapshot"))) compacted++;
    },
  });
  assert.deepEqual(result.failures, []);
  assert.ok(compacted > 0, "some kills came after a compaction");
});
