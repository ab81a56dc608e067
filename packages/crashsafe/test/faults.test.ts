/**
 * Real and injected I/O faults: every failed write leaves the old file byte-for-byte intact and
 * no temp behind, reports the OS code and the path, and the next write succeeds.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cleanupTemps, DurabilityUnknownError, WriteError, writeFileAtomic, writeFileAtomicSync, type WriteOptions } from "../src/index.js";
import { ALL_FS_CALLS, injectFault, type FaultCode, type FaultSpec, type FsCallName } from "./helpers/faults.js";
import { scratchDir, tempsIn } from "./helpers/dirs.js";

type Writer = (file: string, data: string | Uint8Array, options?: WriteOptions) => Promise<void>;
const variants: Array<{ name: string; write: Writer }> = [
  { name: "async", write: writeFileAtomic },
  { name: "sync", write: async (f, d, o) => writeFileAtomicSync(f, d, o) },
];

/** A target holding known old bytes. */
function seeded(dir: string, name = "state.json"): { file: string; old: Buffer } {
  const file = path.join(dir, name);
  const old = Buffer.from(JSON.stringify({ version: "old", pad: "o".repeat(500) }));
  fs.writeFileSync(file, old);
  return { file, old };
}

function assertCleanFailure(e: unknown, dir: string, file: string, old: Buffer, code: string): void {
  assert.ok(e instanceof WriteError, `expected WriteError, got ${String(e)}`);
  assert.equal(e.code, code);
  assert.equal(e.path, file);
  assert.ok(e.message.includes(file) && e.message.includes(e.step), e.message);
  assert.ok(fs.readFileSync(file).equals(old), "old file intact byte-for-byte");
  assert.deepEqual(tempsIn(dir), [], "no temp left");
}

async function expectFailure(write: Writer, file: string, data: string | Uint8Array): Promise<unknown> {
  try {
    await write(file, data);
  } catch (e) {
    return e;
  }
  assert.fail("the write should have failed");
}

describe("ENOSPC on a real, full file system (64 KiB tmpfs)", () => {
  let mnt: string;
  before(() => {
    mnt = scratchDir("crashsafe-enospc-");
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt], { stdio: "pipe" });
    } catch (e) {
      throw new Error(`this test needs root to mount a 64 KiB tmpfs for a real ENOSPC (CI runs as root): ${(e as Error).message}`);
    }
  });
  after(() => {
    spawnSync("umount", [mnt]);
  });

  for (const v of variants) {
    it(`${v.name}: the old file survives, no temp is left, the next write succeeds`, async () => {
      const dir = fs.mkdtempSync(path.join(mnt, "d"));
      const { file, old } = seeded(dir);
      const e = await expectFailure(v.write, file, Buffer.alloc(200 * 1024, 7));
      assertCleanFailure(e, dir, file, old, "ENOSPC");
      assert.equal((e as WriteError).step, "write");
      await v.write(file, '{"version":"next"}');
      assert.equal(fs.readFileSync(file, "utf8"), '{"version":"next"}');
      fs.rmSync(dir, { recursive: true });
    });
  }
});

describe("EFBIG under a real file-size limit (ulimit -f in a child shell)", () => {
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "helpers", "efbig-child.js");
  for (const v of variants) {
    it(`${v.name}: a short write then EFBIG is an error, never a truncated file`, () => {
      const dir = scratchDir();
      const out = execFileSync("bash", ["-c", 'ulimit -f 64 && exec "$0" "$@"', process.execPath, child, dir, v.name], { encoding: "utf8" });
      const r = JSON.parse(out) as { file: string; error?: { name: string; code: string; path: string; step: string }; oldIntact: boolean; temps: string[]; next: string };
      assert.deepEqual(r.error, { name: "WriteError", code: "EFBIG", path: r.file, step: "write" });
      assert.ok(r.oldIntact, "old file intact");
      assert.deepEqual(r.temps, []);
      assert.equal(r.next, "next");
    });
  }
});

const injected: Array<{ spec: FaultSpec; step: string }> = [
  { spec: { call: ["fsync", "fdatasync"], code: "EIO" }, step: "fsync" },
  { spec: { call: "open", code: "EMFILE" }, step: "open-temp" },
  { spec: { call: "rename", code: "EPERM" }, step: "rename" },
  { spec: { call: "write", code: "ENOSPC" }, step: "write" },
  { spec: { call: "write", code: "EDQUOT" }, step: "write" },
  { spec: { call: "close", code: "EIO" }, step: "close" },
];

for (const v of variants) {
  describe(`injected faults (${v.name})`, () => {
    for (const { spec, step } of injected) {
      it(`${spec.code} on ${String(spec.call)}: step ${step}, old intact, no temp, next write succeeds`, async () => {
        const dir = scratchDir();
        const { file, old } = seeded(dir);
        const f = injectFault(spec);
        let e: unknown;
        try {
          e = await expectFailure(v.write, file, "new contents");
        } finally {
          f.restore();
        }
        assert.equal(f.injected, 1);
        assertCleanFailure(e, dir, file, old, spec.code);
        assert.equal((e as WriteError).step, step);
        await v.write(file, "next");
        assert.equal(fs.readFileSync(file, "utf8"), "next");
      });
    }

    it("a short write (fewer bytes than asked) is completed by the write loop", async () => {
      const dir = scratchDir();
      const file = path.join(dir, "short");
      const writeSync = fs.writeSync;
      const write = fs.write;
      // Let every write call write at most 7 bytes, as a signal-interrupted or pipe write may.
      (fs as { writeSync: unknown }).writeSync = (fd: number, b: Uint8Array, off: number, len: number, pos: number) => writeSync(fd, b, off, Math.min(len, 7), pos);
      (fs as { write: unknown }).write = (fd: number, b: Uint8Array, off: number, len: number, pos: number, cb: () => void) => write(fd, b, off, Math.min(len, 7), pos, cb);
      try {
        await v.write(file, "0123456789abcdefghij");
      } finally {
        fs.writeSync = writeSync;
        fs.write = write;
      }
      assert.equal(fs.readFileSync(file, "utf8"), "0123456789abcdefghij");
    });

    for (const code of ["EIO", "ENOSPC"] as FaultCode[]) {
      for (const persistent of [false, true]) {
        it(`fault at every fs call in turn (${code}, ${persistent ? "persistent" : "transient"}): always old or new, never a temp`, async () => {
          const dir = scratchDir();
          const { file, old } = seeded(dir);
          const next = Buffer.from('{"version":"new"}');
          const fdsBefore = fs.readdirSync("/proc/self/fd").length;
          let completed = false;
          for (let n = 1; n < 50 && !completed; n++) {
            fs.writeFileSync(file, old);
            const f = injectFault({ call: ALL_FS_CALLS as FsCallName[], nth: n, code, times: persistent ? Infinity : 1 });
            let err: unknown;
            try {
              await v.write(file, next);
            } catch (e) {
              err = e;
            } finally {
              f.restore();
            }
            completed = f.injected === 0;
            const now = fs.readFileSync(file);
            if (err === undefined) {
              assert.ok(now.equals(next), `n=${n}: success means new contents`);
            } else if (err instanceof DurabilityUnknownError) {
              assert.ok(now.equals(next), `n=${n}: renamed, durability unknown`);
            } else {
              assert.ok(err instanceof WriteError && err.code === code && err.path === file, `n=${n}: ${String(err)}`);
              assert.ok(now.equals(old), `n=${n}: failure means old contents (${f.log.join(",")})`);
            }
            const failedUnlink = persistent && f.log.slice(n - 1).some((c) => c.startsWith("unlink/"));
            if (failedUnlink) {
              // The cleanup unlink failed too: the leftover is ours and cleanupTemps removes it.
              assert.equal((await cleanupTemps(dir)).length, 1);
            }
            assert.deepEqual(tempsIn(dir), [], `n=${n}: no temp left (${f.log.join(",")})`);
            await v.write(file, "after");
            assert.equal(fs.readFileSync(file, "utf8"), "after");
          }
          assert.ok(completed, "the loop reached a run without any fault");
          // Released directory fds close in the background: give a busy thread pool time.
          const openFds = () => fs.readdirSync("/proc/self/fd").length;
          for (let waited = 0; openFds() > fdsBefore && waited < 3000; waited += 20) await new Promise((r) => setTimeout(r, 20));
          assert.ok(openFds() <= fdsBefore, `no file descriptor leaked (${openFds()} open, ${fdsBefore} before)`);
        });
      }
    }
  });
}
