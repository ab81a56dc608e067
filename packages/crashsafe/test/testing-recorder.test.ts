import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { writeFile as esmWriteFile } from "node:fs/promises";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordOps as record } from "../src/testing/index.js";
import { ack, simulateCrashes } from "../src/testing/index.js";

async function recorded(fn: (dir: string) => unknown, prepare?: (dir: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), "rec-test-"));
  try {
    prepare?.(dir);
    return await record(dir, fn);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const summary = (ops: readonly { op: string }[]) => ops.map((o) => o.op).join(",");

test("sync, callback, promise, FileHandle and ESM named-import forms are all recorded with their source line", async () => {
  const { ops } = await recorded(async (dir) => {
    fs.mkdirSync(join(dir, "a", "b"), { recursive: true });
    fs.writeFileSync(join(dir, "a", "one"), "1");
    await new Promise<void>((res, rej) => fs.writeFile(join(dir, "two"), "22", (e) => (e ? rej(e) : res())));
    await fs.promises.appendFile(join(dir, "two"), "3");
    await esmWriteFile(join(dir, "three"), "333");
    const fh = await fs.promises.open(join(dir, "four"), "w");
    await fh.write("ab");
    await fh.writev([Buffer.from("c"), Buffer.from("d")]);
    await fh.datasync();
    await fh.close();
    fs.linkSync(join(dir, "four"), join(dir, "five"));
    fs.unlinkSync(join(dir, "three"));
    fs.truncateSync(join(dir, "two"), 1);
    fs.writeFileSync(join(tmpdir(), "crashsafe-outside-ignored"), "x"); // outside the directory: not recorded
    ack("done");
  });
  assert.equal(summary(ops), "mkdir,mkdir,creat,write,creat,write,write,creat,write,creat,write,write,fdatasync,close,link,unlink,trunc,ack");
  const writes = ops.filter((o) => o.op === "write");
  assert.deepEqual(writes.map((o) => (o.op === "write" ? [o.off, Buffer.from(o.data).toString()] : [])), [
    [0, "1"], [0, "22"], [2, "3"], [0, "333"], [0, "ab"], [2, "cd"],
  ]);
  for (const op of ops) assert.match(op.where, /^testing-recorder\.test\.js:\d+$/);
});

test("an in-place rewrite records the truncating open; fds opened on the directory record its fsync", async () => {
  const { ops } = await recorded((dir) => {
    fs.writeFileSync(join(dir, "s"), "new");
    const fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  }, (dir) => fs.writeFileSync(join(dir, "s"), "old content"));
  assert.equal(summary(ops), "trunc,write,fsync,close");
  const sync = ops[2]!;
  assert.ok(sync.op === "fsync" && sync.ino === 0 && sync.file === "");
});

test("pessimistic: an appended range whose data was lost reads as garbage, never as the new bytes", async () => {
  const seen = new Set<string>();
  await simulateCrashes((dir) => fs.appendFileSync(join(dir, "log"), "BBBB"), {
    model: "pessimistic",
    setup: (dir) => fs.writeFileSync(join(dir, "log"), "AAAA"),
    check: (dir) => void seen.add(fs.readFileSync(join(dir, "log"), "latin1")),
  });
  assert.deepEqual([...seen].sort(), ["AAAA", "AAAABBBB", "AAAA~~~~"]);
});

test("ext4-ordered: appended blocks persist as a prefix, never as garbage", async () => {
  const seen = new Set<number>();
  const data = Buffer.alloc(3 * 4096, 0x41);
  const r = await simulateCrashes((dir) => fs.writeFileSync(join(dir, "f"), data), {
    model: "ext4-ordered",
    check: (dir) => {
      const file = join(dir, "f");
      if (!fs.existsSync(file)) return;
      const bytes = fs.readFileSync(file);
      assert.ok(bytes.every((b) => b === 0x41), "garbage");
      seen.add(bytes.length);
    },
  });
  assert.deepEqual(r.failures, []);
  assert.deepEqual([...seen].sort((a, b) => a - b), [0, 4096, 8192, 12288]);
});

test("ack outside a simulation does nothing and a failing fn rejects simulateCrashes", async () => {
  ack("ignored");
  await assert.rejects(simulateCrashes(() => { throw new Error("scenario broke"); }, { model: "pessimistic", check: () => {} }), /scenario broke/);
});

test("a second copy of the module (a CLI and a project each loading crashsafe) shares the recording", async () => {
  const copy = (await import(new URL("../src/testing/recorder.js?second-copy", import.meta.url).href)) as typeof import("../src/testing/recorder.js");
  const { ops } = await recorded((dir) => {
    fs.writeFileSync(join(dir, "f"), "data");
    copy.recordAck("from the copy");
  });
  assert.equal(summary(ops), "creat,write,ack"); // recorded once: the copy did not wrap fs again
  assert.ok(ops[2]!.op === "ack" && ops[2]!.label === "from the copy");
});

test("a write to a file opened with O_SYNC is recorded with its implicit fsync", async () => {
  const { ops } = await recorded((dir) => {
    const fd = fs.openSync(join(dir, "log"), "as");
    fs.writeSync(fd, "entry\n");
    fs.closeSync(fd);
  });
  assert.equal(summary(ops), "creat,write,fsync,close");
});
