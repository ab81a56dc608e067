import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { z } from "zod";
import { JournalCorruptError, openJournal } from "../src/index.js";
import { HEADER_SIZE } from "../src/journal-format.js";
import { platform } from "../src/platform.js";
import { readAll, tempDir } from "./journal-helpers.js";

/** A log of `count` records `{ n }` appended one at a time (one commit group each), closed. */
async function makeLog(count: number): Promise<string> {
  const file = join(tempDir(), "log");
  const log = await openJournal<{ n: number }>(file);
  for (let n = 0; n < count; n++) await log.append({ n });
  await log.close();
  return file;
}

/** Byte offsets of the frames of a log whose records are all `{ n }` appended one by one. */
function frameOffsets(file: string): number[] {
  const bytes = readFileSync(file);
  const offsets: number[] = [];
  for (let at = HEADER_SIZE; at < bytes.length; at += 16 + bytes.readUInt32LE(at + 8)) offsets.push(at);
  return offsets;
}

function flip(bytes: Buffer, at: number, mask: number): void {
  bytes[at] = bytes[at]! ^ mask;
}

async function recordsOf(file: string): Promise<unknown[]> {
  const log = await openJournal(file);
  try {
    return await readAll(log);
  } finally {
    await log.close();
  }
}

type Datasync = (this: unknown) => Promise<void>;

/** Replaces FileHandle.prototype.datasync by `wrap(original)` while `fn` runs. */
async function withDatasync<R>(wrap: (original: Datasync) => Datasync, fn: () => Promise<R>): Promise<R> {
  const fh = await open(join(tempDir(), "probe"), "w");
  const proto = Object.getPrototypeOf(fh) as { datasync: Datasync };
  await fh.close();
  const original = proto.datasync;
  proto.datasync = wrap(original);
  try {
    return await fn();
  } finally {
    proto.datasync = original;
  }
}

/** Counts FileHandle.datasync calls while `fn` runs. */
async function countDatasyncs(fn: () => Promise<unknown>): Promise<number> {
  let calls = 0;
  await withDatasync(
    (original) =>
      function (this: unknown) {
        calls++;
        return original.call(this);
      },
    fn,
  );
  return calls;
}

test("records survive close and reopen in append order, sequential and concurrent", async () => {
  const file = join(tempDir(), "log");
  const log = await openJournal<{ n: number }>(file);
  for (let n = 0; n < 10; n++) await log.append({ n });
  await Promise.all(Array.from({ length: 50 }, (_, i) => log.append({ n: 10 + i })));
  assert.equal(log.recordCount, 60);
  await log.close();
  const again = await openJournal<{ n: number }>(file);
  assert.deepEqual((await readAll(again)).map((r) => r.n), Array.from({ length: 60 }, (_, i) => i));
  assert.equal(again.size, statSync(file).size);
  await again.close();
});

test("concurrent appends share fdatasyncs (group commit) in both modes; sequential ones each get their own", async () => {
  for (const sync of ["always", "batch"] as const) {
    const log = await openJournal<number>(join(tempDir(), "log"), { sync, batchMs: 5 });
    const concurrent = await countDatasyncs(() => Promise.all(Array.from({ length: 64 }, (_, i) => log.append(i))));
    assert.ok(concurrent >= 1 && concurrent <= 2, `${sync}: 64 concurrent appends took ${concurrent} fdatasyncs`);
    const sequential = await countDatasyncs(async () => {
      for (let i = 0; i < 5; i++) await log.append(i);
    });
    assert.equal(sequential, 5, `${sync}: every sequential append waits for its own fdatasync`);
    assert.equal(log.recordCount, 69);
    await log.close();
  }
});

test('"batch" waits batchMs for company: appends 10 ms apart share one fdatasync, unlike "always"', async () => {
  const spaced = (log: { append(n: number): Promise<void> }) =>
    countDatasyncs(async () => {
      const first = log.append(1);
      await new Promise((resolve) => setTimeout(resolve, 10));
      await Promise.all([first, log.append(2)]);
    });
  const batch = await openJournal<number>(join(tempDir(), "log"), { sync: "batch", batchMs: 200 });
  assert.equal(await spaced(batch), 1);
  await batch.close();
  const always = await openJournal<number>(join(tempDir(), "log"));
  assert.equal(await spaced(always), 2);
  await always.close();
});

test("append resolves only after the fdatasync that covers it has completed", async () => {
  const log = await openJournal<number>(join(tempDir(), "log"));
  const events: string[] = [];
  await withDatasync(
    (original) =>
      function (this: unknown) {
        return original.call(this).then(() => void events.push("fdatasync done"));
      },
    () => Promise.all([log.append(1).then(() => events.push("1 resolved")), log.append(2).then(() => events.push("2 resolved"))]),
  );
  assert.deepEqual(events, ["fdatasync done", "1 resolved", "2 resolved"]);
  await log.close();
});

test("a torn tail (half a record) is truncated durably; complete records are kept", async () => {
  const file = await makeLog(5);
  const full = statSync(file).size;
  const lastFrame = frameOffsets(file)[4]!;
  truncateSync(file, full - 3);
  const log = await openJournal<{ n: number }>(file);
  assert.deepEqual((await readAll(log)).map((r) => r.n), [0, 1, 2, 3]);
  assert.equal(log.recovery.droppedTailBytes, full - 3 - lastFrame);
  assert.equal(log.size, lastFrame);
  assert.equal(statSync(file).size, log.size, "the torn bytes are gone from the file");
  await log.append({ n: 4 });
  await log.close();
  assert.deepEqual((await recordsOf(file)).map((r) => (r as { n: number }).n), [0, 1, 2, 3, 4]);
});

test("a zero-filled tail and a garbage tail are dropped", async () => {
  for (const tail of [Buffer.alloc(4096), Buffer.from("\u00ff\u0043garbage that is not a frame at all........", "latin1")]) {
    const file = await makeLog(3);
    appendFileSync(file, tail);
    const log = await openJournal<{ n: number }>(file);
    assert.deepEqual((await readAll(log)).map((r) => r.n), [0, 1, 2]);
    assert.equal(log.recovery.droppedTailBytes, tail.length);
    await log.close();
  }
});

test("a header-only frame with the magic and a huge length at the tail is a torn tail", async () => {
  const file = await makeLog(2);
  const frame = Buffer.alloc(16);
  Buffer.from([0xff, 0x43, 0x53, 0x4a]).copy(frame);
  frame.writeUInt32LE(1000, 8);
  appendFileSync(file, frame);
  assert.deepEqual((await recordsOf(file)).length, 2);
});

test("a damaged record followed by durable records is ECORRUPT with its byte offset, never skipped", async () => {
  const file = await makeLog(6);
  const offsets = frameOffsets(file);
  const bytes = readFileSync(file);
  flip(bytes, offsets[2]! + 20, 0x55); // flip payload bits of record 2
  writeFileSync(file, bytes);
  await assert.rejects(openJournal(file), (e: unknown) => {
    assert.ok(e instanceof JournalCorruptError);
    assert.equal(e.code, "ECORRUPT");
    assert.equal(e.offset, offsets[2]);
    assert.equal(e.path, file);
    return true;
  });
  assert.deepEqual(readFileSync(file), bytes, "a failed open does not modify the log");
  await assert.rejects(openJournal(file, { readOnly: true }), { code: "ECORRUPT" });
});

test("zeroed blocks inside the log (lost middle) are ECORRUPT, not a torn tail", async () => {
  const file = await makeLog(30);
  const offsets = frameOffsets(file);
  const bytes = readFileSync(file);
  bytes.fill(0, offsets[10]!, offsets[14]!);
  writeFileSync(file, bytes);
  await assert.rejects(openJournal(file), { code: "ECORRUPT", offset: offsets[10] });
});

test("a hole inside the last commit group is a torn tail: that group was never fsynced", async () => {
  const file = join(tempDir(), "log");
  const log = await openJournal<{ n: number }>(file);
  await log.append({ n: 0 });
  await Promise.all([1, 2, 3, 4].map((n) => log.append({ n }))); // one group of 4
  await log.close();
  const offsets = frameOffsets(file);
  const bytes = readFileSync(file);
  bytes.fill(0, offsets[2]!, offsets[3]!); // record 2 lost, 3 and 4 of the same group survived
  writeFileSync(file, bytes);
  const again = await openJournal<{ n: number }>(file);
  assert.deepEqual((await readAll(again)).map((r) => r.n), [0, 1]);
  assert.equal(statSync(file).size, offsets[2]);
  await again.close();
});

test('onCorrupt: "quarantine" copies the damaged region aside, keeps every valid record and reports it', async () => {
  const file = await makeLog(6);
  const offsets = frameOffsets(file);
  const bytes = readFileSync(file);
  flip(bytes, offsets[3]! + 17, 0xff);
  writeFileSync(file, bytes);
  const log = await openJournal<{ n: number }>(file, { onCorrupt: "quarantine" });
  assert.deepEqual((await readAll(log)).map((r) => r.n), [0, 1, 2, 4, 5]);
  assert.equal(log.recovery.quarantined.length, 1);
  const q = log.recovery.quarantined[0]!;
  assert.equal(q.offset, offsets[3]);
  assert.deepEqual(readFileSync(q.file), bytes.subarray(offsets[3]!, offsets[4]!));
  await log.append({ n: 6 });
  await log.close();
  assert.deepEqual((await recordsOf(file)).map((r) => (r as { n: number }).n), [0, 1, 2, 4, 5, 6], "the rewritten log opens cleanly");
});

test("compact writes the snapshot, starts an empty log and reopens as snapshot + later records", async () => {
  const dir = tempDir();
  const file = join(dir, "log");
  const log = await openJournal<number, { sum: number }>(file);
  for (let n = 1; n <= 10; n++) await log.append(n);
  const compacting = log.compact({ sum: 55 });
  const after = log.append(11); // issued during the compaction: goes to the new log
  await Promise.all([compacting, after]);
  assert.deepEqual(log.snapshot, { sum: 55 });
  assert.equal(log.recordCount, 1);
  await log.close();
  const again = await openJournal<number, { sum: number }>(file);
  assert.deepEqual(again.snapshot, { sum: 55 });
  assert.deepEqual(await readAll(again), [11]);
  await again.close();
  assert.deepEqual(readdirSync(dir).sort(), ["log", "log.snapshot"], "no temp or lock file is left");
});

test("a crash between snapshot and log reset replays only what the snapshot does not cover", async () => {
  const file = join(tempDir(), "log");
  const log = await openJournal<number, number[]>(file);
  for (const n of [1, 2, 3]) await log.append(n);
  await log.close();
  const logBefore = readFileSync(file);
  // Snapshot of generation 1 covering records 1 and 2 only: as if 3 were appended after it.
  const covered = frameOffsets(file)[2]!;
  writeFileSync(`${file}.snapshot`, JSON.stringify({ crashsafeJournalSnapshot: 1, generation: 1, offset: covered, state: [1, 2] }));
  const again = await openJournal<number, number[]>(file);
  assert.equal(again.recovery.finishedCompaction, true);
  assert.deepEqual(again.snapshot, [1, 2]);
  assert.deepEqual(await readAll(again), [3]);
  await again.close();
  assert.notDeepEqual(readFileSync(file), logBefore, "the compaction was finished: a new generation");
  const third = await openJournal<number, number[]>(file);
  assert.deepEqual(await readAll(third), [3]);
  await third.close();
});

test("a log that does not match its snapshot (snapshot lost, or log replaced) is ECORRUPT", async () => {
  const file = join(tempDir(), "log");
  const log = await openJournal<number, number>(file);
  await log.append(1);
  await log.compact(1);
  await log.append(2);
  await log.close();
  const snapshot = readFileSync(`${file}.snapshot`);
  unlinkSync(`${file}.snapshot`);
  await assert.rejects(openJournal(file), { code: "ECORRUPT", offset: 0 });
  writeFileSync(`${file}.snapshot`, snapshot);
  unlinkSync(file);
  await assert.rejects(openJournal(file), { code: "ECORRUPT" });
});

test("a damaged header or an empty log file is ECORRUPT, never a fresh journal", async () => {
  const file = await makeLog(2);
  const bytes = readFileSync(file);
  flip(bytes, 3, 1);
  writeFileSync(file, bytes);
  await assert.rejects(openJournal(file), { code: "ECORRUPT", offset: 0 });
  writeFileSync(file, "");
  await assert.rejects(openJournal(file), { code: "ECORRUPT", offset: 0 });
});

test("one writer at a time: a second writer gets ELOCKED; read-only opens work and never write", async () => {
  const file = await makeLog(3);
  appendFileSync(file, Buffer.alloc(100)); // a torn tail the reader must not truncate
  const writer = await openJournal<{ n: number }>(file);
  await assert.rejects(openJournal(file), (e: unknown) => {
    assert.equal((e as { code: string }).code, "ELOCKED");
    assert.match((e as Error).message, new RegExp(`pid ${process.pid}`));
    return true;
  });
  await writer.append({ n: 3 });
  const reader = await openJournal<{ n: number }>(file, { readOnly: true });
  assert.deepEqual((await readAll(reader)).map((r) => r.n), [0, 1, 2, 3]);
  await assert.rejects(reader.append({ n: 9 }), { code: "EREADONLY" });
  await reader.close();
  await writer.close();
  await assert.rejects(writer.append({ n: 9 }), { code: "ECLOSED" });
  const sizeBefore = statSync(file).size;
  appendFileSync(file, Buffer.alloc(10));
  const reader2 = await openJournal(file, { readOnly: true });
  assert.equal(reader2.recovery.droppedTailBytes, 10);
  await reader2.close();
  assert.equal(statSync(file).size, sizeBefore + 10, "a reader leaves the torn tail to the writer");
  await assert.rejects(openJournal(join(tempDir(), "missing"), { readOnly: true }), { code: "ENOENT" });
});

test("schema: appends are validated before they are written; records are validated on replay", async () => {
  const file = join(tempDir(), "log");
  const schema = z.object({ n: z.number() });
  const log = await openJournal(file, { schema });
  await log.append({ n: 1 });
  await assert.rejects(log.append({ n: "x" } as unknown as { n: number }), { code: "EVALIDATION" });
  await log.close();
  assert.deepEqual(await recordsOf(file), [{ n: 1 }]);
  const strict = await openJournal(file, { schema: z.object({ n: z.string() }) });
  await assert.rejects(readAll(strict), { code: "ECORRUPT", offset: HEADER_SIZE });
  await strict.close();
});

test("a failed fdatasync (EIO) rejects the append and stops the journal; reopening recovers", async () => {
  const file = await makeLog(2);
  const log = await openJournal<{ n: number }>(file);
  const eio = () => () => Promise.reject(Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" }));
  await withDatasync(eio, () => assert.rejects(log.append({ n: 2 }), { code: "EIO" }));
  await assert.rejects(log.append({ n: 3 }), { code: "EJOURNALFAILED" }, "never retried as if nothing happened");
  await log.close();
  const again = await openJournal<{ n: number }>(file);
  const ns = (await readAll(again)).map((r) => r.n);
  assert.deepEqual(ns.slice(0, 2), [0, 1]);
  await again.close();
  assert.ok(!existsSync(`${file}.lock`));
});

test("a compaction whose snapshot cannot be written rejects, and the journal carries on intact", async () => {
  const file = join(tempDir(), "log");
  const log = await openJournal<number, number[]>(file);
  await log.append(1);
  mkdirSync(`${file}.snapshot`); // rename onto a directory fails: EISDIR
  await assert.rejects(log.compact([1]));
  await log.append(2);
  assert.equal(log.recordCount, 2);
  await log.close();
  rmdirSync(`${file}.snapshot`);
  assert.deepEqual(await recordsOf(file), [1, 2]);
});

test("Windows path: the log is closed before it is replaced, and compaction still works", async () => {
  const file = join(tempDir(), "log");
  platform.win32 = true;
  try {
    const log = await openJournal<number, number>(file);
    await log.append(1);
    await log.compact(1);
    await log.append(2);
    await log.close();
  } finally {
    platform.win32 = process.platform === "win32";
  }
  const again = await openJournal<number, number>(file);
  assert.equal(again.snapshot, 1);
  assert.deepEqual(await readAll(again), [2]);
  await again.close();
});
