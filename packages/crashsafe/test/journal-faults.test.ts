/**
 * Injected OS errors (EMFILE at open, ENOSPC after a short write) and a reader racing the writer's
 * compactions: errors propagate with their code, nothing is half-published, and reopening recovers.
 */
import assert from "node:assert/strict";
import fs, { existsSync, readdirSync } from "node:fs";
import { open } from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { openJournal } from "../src/index.js";
import { readAll, tempDir } from "./journal-helpers.js";

type Write = (this: unknown, buf: Buffer, offset: number, length: number, position: null) => Promise<{ bytesWritten: number }>;

test("EMFILE while opening: the error propagates and no lock or log is left behind", async () => {
  const dir = tempDir();
  const original = fs.promises.open;
  fs.promises.open = (async () => {
    throw Object.assign(new Error("EMFILE: too many open files, open"), { code: "EMFILE" });
  }) as typeof fs.promises.open;
  syncBuiltinESMExports();
  try {
    await assert.rejects(openJournal(join(dir, "log")), { code: "EMFILE" });
  } finally {
    fs.promises.open = original;
    syncBuiltinESMExports();
  }
  assert.deepEqual(readdirSync(dir), []);
  const log = await openJournal<number>(join(dir, "log"));
  await log.append(1);
  await log.close();
});

test("ENOSPC after a short write: the append rejects, the journal stops, reopening drops the partial record", async () => {
  const file = join(tempDir(), "log");
  const log = await openJournal<string>(file);
  await log.append("kept");
  const fh = await open(join(tempDir(), "probe"), "w");
  const proto = Object.getPrototypeOf(fh) as { write: Write };
  await fh.close();
  const original = proto.write;
  let calls = 0;
  proto.write = function (this: unknown, buf, offset, length, position) {
    // First call: a real short write of half the frame; then the disk is full.
    if (calls++ === 0) return original.call(this, buf, offset, Math.max(1, length >> 1), position);
    return Promise.reject(Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }));
  };
  try {
    await assert.rejects(log.append("x".repeat(100)), { code: "ENOSPC" });
  } finally {
    proto.write = original;
  }
  await assert.rejects(log.append("after"), { code: "EJOURNALFAILED" });
  await log.close();
  const again = await openJournal<string>(file);
  assert.deepEqual(await readAll(again), ["kept"]);
  assert.ok(again.recovery.droppedTailBytes > 0, "the half-written frame was a torn tail");
  await again.append("next");
  await again.close();
  assert.ok(!existsSync(`${file}.lock`));
});

test("read-only opens racing the writer's compactions always see a consistent journal", async () => {
  const file = join(tempDir(), "log");
  const writer = await openJournal<number, { count: number }>(file);
  let count = 0;
  let stop = false;
  const writing = (async () => {
    while (!stop) {
      await Promise.all([count, count + 1, count + 2].map((n) => writer.append(n)));
      count += 3;
      await writer.compact({ count });
    }
  })();
  try {
    const readOnce = async () => {
      const reader = await openJournal<number, { count: number }>(file, { readOnly: true });
      const base = reader.snapshot?.count ?? 0;
      const records = await readAll(reader);
      records.forEach((n, j) => assert.equal(n, base + j));
      await reader.close();
    };
    for (let i = 0; i < 30; i++) await Promise.all(Array.from({ length: 8 }, readOnce));
  } finally {
    stop = true;
    await writing;
    await writer.close();
  }
  assert.ok(count >= 3, "the writer made progress while readers opened");
});

test("a reader whose snapshot is replaced before it opens the log retries and sees the new state", async () => {
  const file = join(tempDir(), "log");
  const writer = await openJournal<number, { count: number }>(file);
  await writer.append(0);
  await writer.compact({ count: 1 });
  await writer.append(1);
  const original = fs.promises.open;
  let raced = false;
  // The reader has read snapshot {count: 1}; before it opens the log, the writer compacts again.
  fs.promises.open = (async (...args: Parameters<typeof original>) => {
    if (args[0] === file && args[1] === "r" && !raced) {
      raced = true;
      await writer.append(2);
      await writer.compact({ count: 3 });
      await writer.append(3);
    }
    return original(...args);
  }) as typeof original;
  syncBuiltinESMExports();
  try {
    const reader = await openJournal<number, { count: number }>(file, { readOnly: true });
    assert.equal(raced, true);
    assert.deepEqual(reader.snapshot, { count: 3 }, "the snapshot was read again");
    assert.deepEqual(await readAll(reader), [3]);
    await reader.close();
  } finally {
    fs.promises.open = original;
    syncBuiltinESMExports();
    await writer.close();
  }
});
