import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  DurabilityUnknownError,
  WriteError,
  writeFileAtomic,
  writeFileAtomicSync,
  writeJson,
  writeJsonSync,
  type WriteJsonOptions,
  type WriteOptions,
} from "../src/index.js";
import { platform } from "../src/platform.js";
import { countCalls, countDuring, injectFault, interceptFs, withFault } from "./helpers/faults.js";
import { scratchDir, tempsIn } from "./helpers/dirs.js";

type Writer = (file: string | URL, data: string | Uint8Array, options?: WriteOptions) => Promise<void>;
type JsonWriter = (file: string | URL, value: unknown, options?: WriteJsonOptions) => Promise<void>;

/** Every behaviour is checked through the async and the sync API alike. */
const variants: Array<{ name: string; write: Writer; json: JsonWriter }> = [
  { name: "async", write: writeFileAtomic, json: writeJson },
  {
    name: "sync",
    write: async (f, d, o) => writeFileAtomicSync(f, d, o),
    json: async (f, v, o) => writeJsonSync(f, v, o),
  },
];

const UMASK = process.umask();
const modeOf = (p: string) => fs.statSync(p).mode & 0o7777;

for (const v of variants) {
  describe(`writeFileAtomic (${v.name})`, () => {
    it("creates a new file with 0o666 & ~umask and leaves no temp", async () => {
      const dir = scratchDir();
      const file = path.join(dir, "state.json");
      await v.write(file, "hello");
      assert.equal(fs.readFileSync(file, "utf8"), "hello");
      assert.equal(modeOf(file), 0o666 & ~UMASK);
      assert.deepEqual(fs.readdirSync(dir), ["state.json"]);
    });

    it("replaces existing contents and keeps a mode changed between writes", async () => {
      const dir = scratchDir();
      const file = path.join(dir, "s");
      await v.write(file, "one");
      fs.chmodSync(file, 0o600);
      await v.write(file, "two");
      assert.equal(fs.readFileSync(file, "utf8"), "two");
      assert.equal(modeOf(file), 0o600);
      fs.chmodSync(file, 0o666); // wider than the umask allows for a new file
      await v.write(file, "three");
      assert.equal(modeOf(file), 0o666);
      assert.deepEqual(tempsIn(dir), []);
    });

    it("applies an explicit mode exactly, regardless of the umask", async () => {
      const dir = scratchDir();
      const file = path.join(dir, "m");
      await v.write(file, "x", { mode: 0o662 });
      assert.equal(modeOf(file), 0o662);
      await v.write(file, "y", { mode: 0o600 });
      assert.equal(modeOf(file), 0o600);
    });

    it("writes bytes, encodings and file URLs", async () => {
      const dir = scratchDir();
      const file = path.join(dir, "b");
      await v.write(file, new Uint8Array([0, 1, 2, 255]));
      assert.deepEqual([...fs.readFileSync(file)], [0, 1, 2, 255]);
      await v.write(pathToFileURL(file), "é", { encoding: "latin1" });
      assert.deepEqual([...fs.readFileSync(file)], [0xe9]);
      await v.write(file, Buffer.from("0123456789").subarray(3, 6)); // a view into a larger buffer
      assert.equal(fs.readFileSync(file, "utf8"), "345");
      await v.write(file, "");
      assert.equal(fs.readFileSync(file).length, 0);
    });

    it("writes through a symlink chain to its target and keeps the links", async () => {
      const dir = scratchDir();
      fs.mkdirSync(path.join(dir, "real"));
      const real = path.join(dir, "real", "data.json");
      fs.writeFileSync(real, "old");
      fs.chmodSync(real, 0o640);
      fs.symlinkSync("real/data.json", path.join(dir, "hop"));
      fs.symlinkSync("hop", path.join(dir, "link"));
      const link = path.join(dir, "link");
      await v.write(link, "new");
      assert.ok(fs.lstatSync(link).isSymbolicLink());
      assert.ok(fs.lstatSync(path.join(dir, "hop")).isSymbolicLink());
      assert.equal(fs.readFileSync(real, "utf8"), "new");
      assert.equal(modeOf(real), 0o640);
      assert.deepEqual(tempsIn(dir), []);
      assert.deepEqual(tempsIn(path.join(dir, "real")), []);
      // Retargeting the link between writes is honoured (no stale cache).
      fs.unlinkSync(link);
      fs.symlinkSync("other.json", link);
      await v.write(link, "elsewhere");
      assert.equal(fs.readFileSync(path.join(dir, "other.json"), "utf8"), "elsewhere");
      assert.equal(fs.readFileSync(real, "utf8"), "new");
      // A path that was a plain file and became a link is followed too.
      const plain = path.join(dir, "plain");
      await v.write(plain, "1");
      fs.unlinkSync(plain);
      fs.symlinkSync("real/data.json", plain);
      await v.write(plain, "via-plain");
      assert.ok(fs.lstatSync(plain).isSymbolicLink());
      assert.equal(fs.readFileSync(real, "utf8"), "via-plain");
    });

    it("a missing parent directory is ENOENT at open-temp, and nothing is created", async () => {
      const dir = scratchDir();
      const file = path.join(dir, "no-such-dir", "s.json");
      await assert.rejects(v.write(file, "x"), { name: "WriteError", code: "ENOENT", step: "open-temp", path: file });
      assert.deepEqual(fs.readdirSync(dir), []);
    });

    it("rejects a symlink loop with ELOOP and the path", async () => {
      const dir = scratchDir();
      const a = path.join(dir, "a");
      fs.symlinkSync("b", a);
      fs.symlinkSync("a", path.join(dir, "b"));
      await assert.rejects(v.write(a, "x"), (e: WriteError) => e.code === "ELOOP" && e.path === a && e.step === "resolve");
    });

    it("keeps the owner (the test needs root, as CI has)", async () => {
      assert.equal(process.getuid?.(), 0, "this test must run as root to chown");
      const dir = scratchDir();
      const file = path.join(dir, "owned");
      fs.writeFileSync(file, "old");
      fs.chownSync(file, 1234, 2345);
      await v.write(file, "new");
      const st = fs.statSync(file);
      assert.deepEqual([st.uid, st.gid, fs.readFileSync(file, "utf8")], [1234, 2345, "new"]);
    });

    it("handles a target name of 255 bytes (temp name shortened, same directory)", async () => {
      const dir = scratchDir();
      const name = "é".repeat(127) + "x"; // 255 bytes of UTF-8
      assert.equal(Buffer.byteLength(name), 255);
      await v.write(path.join(dir, name), "long");
      assert.deepEqual(fs.readdirSync(dir), [name]);
      await v.write(path.join(dir, name), "longer");
      assert.equal(fs.readFileSync(path.join(dir, name), "utf8"), "longer");
    });

    it("never mutates a frozen options object", async () => {
      const dir = scratchDir();
      const options = Object.freeze({ durability: "durable" as const, mode: 0o644, space: 2 });
      await v.json(path.join(dir, "f.json"), { a: 1 }, options);
      assert.deepEqual(options, { durability: "durable", mode: 0o644, space: 2 });
    });

    it("writeJson writes indented JSON with a trailing newline; refuses non-JSON values", async () => {
      const dir = scratchDir();
      const file = path.join(dir, "j.json");
      await v.json(file, { a: [1, 2] }, { space: 2 });
      assert.equal(fs.readFileSync(file, "utf8"), '{\n  "a": [\n    1,\n    2\n  ]\n}\n');
      await assert.rejects(v.json(file, undefined), TypeError);
      await assert.rejects(v.json(file, 10n), TypeError);
      assert.equal(fs.readFileSync(file, "utf8"), '{\n  "a": [\n    1,\n    2\n  ]\n}\n');
    });

    it("durable: fdatasync the temp, fsync the directory; atomic: no fsync at all", async () => {
      const dir = scratchDir();
      const file = path.join(dir, "d");
      await v.write(file, "first");
      const durable = await countDuring(["open", "fsync", "fdatasync", "rename", "fchmod", "close"], () => v.write(file, "second"));
      assert.deepEqual(durable, { open: 2, fsync: 1, fdatasync: 1, rename: 1, fchmod: 0, close: 2 });
      const atomic = await countDuring(["open", "fsync", "fdatasync", "rename"], () => v.write(file, "third", { durability: "atomic" }));
      assert.deepEqual(atomic, { open: 1, fsync: 0, fdatasync: 0, rename: 1 });
      assert.equal(fs.readFileSync(file, "utf8"), "third");
    });

    it("never renames after a failed fsync and never retries it", async () => {
      const dir = scratchDir();
      const file = path.join(dir, "f");
      await v.write(file, "old");
      await withFault({ call: ["fsync", "fdatasync"], code: "EIO" }, async (f) => {
        const renames = await countDuring(["rename"], () =>
          assert.rejects(v.write(file, "new"), (e: WriteError) => e instanceof WriteError && e.code === "EIO" && e.step === "fsync" && e.path === file),
        );
        assert.equal(renames.rename, 0);
        assert.equal(f.calls, 1, "exactly one fsync attempt");
      });
      assert.equal(fs.readFileSync(file, "utf8"), "old");
      assert.deepEqual(tempsIn(dir), []);
    });

    it("reports EXDEV on rename as an error (no copy fallback), old file intact", async () => {
      const dir = scratchDir();
      const file = path.join(dir, "x");
      await v.write(file, "old");
      await withFault({ call: "rename", code: "EXDEV" }, async () => {
        await assert.rejects(v.write(file, "new"), { code: "EXDEV", step: "rename", path: file });
      });
      assert.equal(fs.readFileSync(file, "utf8"), "old");
      assert.deepEqual(tempsIn(dir), []);
    });

    it("a failed directory fsync (EIO) is DurabilityUnknownError; unsupported (EINVAL) is ignored", async () => {
      const dir = scratchDir();
      const file = path.join(dir, "dirsync");
      await withFault({ call: "fsync", code: "EIO" }, async () => {
        await assert.rejects(v.write(file, "new"), (e: DurabilityUnknownError) => e instanceof DurabilityUnknownError && e.code === "EDURABILITY" && e.step === "fsync-dir" && e.path === file);
      });
      assert.equal(fs.readFileSync(file, "utf8"), "new", "the rename happened; only its durability is unknown");
      await withFault({ call: "fsync", code: "EINVAL" }, async (f) => {
        await v.write(file, "newer");
        assert.equal(f.injected, 1);
      });
      assert.equal(fs.readFileSync(file, "utf8"), "newer");
    });

    it("on Linux a rename EPERM fails at once; on win32 EBUSY/EPERM are retried with bounded backoff", async () => {
      const dir = scratchDir();
      const file = path.join(dir, "w");
      await v.write(file, "old");
      await withFault({ call: "rename", code: "EPERM" }, async (f) => {
        await assert.rejects(v.write(file, "new"), { code: "EPERM", step: "rename" });
        assert.equal(f.calls, 1);
      });
      platform.win32 = true;
      try {
        await withFault({ call: "rename", code: "EBUSY", times: 2 }, async (f) => {
          await v.write(file, "retried");
          assert.equal(f.calls, 3);
        });
        assert.equal(fs.readFileSync(file, "utf8"), "retried");
        await withFault({ call: "rename", code: "EPERM", times: Infinity }, async (f) => {
          await assert.rejects(v.write(file, "never"), { code: "EPERM", step: "rename" });
          assert.ok(f.calls > 3 && f.calls < 20, `bounded retries, got ${f.calls}`);
        });
      } finally {
        platform.win32 = process.platform === "win32";
      }
      assert.equal(fs.readFileSync(file, "utf8"), "retried");
      assert.deepEqual(tempsIn(dir), []);
    });

    it("a pre-aborted signal rejects with its reason and leaves the file alone", async () => {
      const dir = scratchDir();
      const file = path.join(dir, "a");
      await v.write(file, "old");
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(v.write(file, "new", { signal: ac.signal }), { name: "AbortError" });
      assert.equal(fs.readFileSync(file, "utf8"), "old");
      assert.deepEqual(tempsIn(dir), []);
    });
  });
}

describe("writeFileAtomic (async only)", () => {
  it("aborting a queued write rejects it; the write in flight still lands", async () => {
    const dir = scratchDir();
    const file = path.join(dir, "q");
    const ac = new AbortController();
    const first = writeFileAtomic(file, "first");
    const second = writeFileAtomic(file, "second", { signal: ac.signal });
    ac.abort();
    await Promise.all([first, assert.rejects(second, { name: "AbortError" })]);
    assert.equal(fs.readFileSync(file, "utf8"), "first");
  });

  it("aborting the newest queued write makes the batch carry the previous caller's data", async () => {
    const dir = scratchDir();
    const file = path.join(dir, "q2");
    const ac = new AbortController();
    const first = writeFileAtomic(file, "first");
    await null; // first is in flight now
    const second = writeFileAtomic(file, "second");
    const third = writeFileAtomic(file, "third", { signal: ac.signal });
    ac.abort();
    await Promise.all([first, second, assert.rejects(third, { name: "AbortError" })]);
    assert.equal(fs.readFileSync(file, "utf8"), "second");
  });

  it("an abort right after the call rejects it before any fs call", async () => {
    const dir = scratchDir();
    const file = path.join(dir, "r0");
    const ac = new AbortController();
    const counts = await countDuring(["open", "rename"], async () => {
      const p = writeFileAtomic(file, "new", { signal: ac.signal });
      ac.abort();
      await assert.rejects(p, { name: "AbortError" });
    });
    assert.deepEqual(counts, { open: 0, rename: 0 });
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it("an abort while the physical write is in flight stops it before the rename", async () => {
    const dir = scratchDir();
    const file = path.join(dir, "r");
    await writeFileAtomic(file, "old");
    const ac = new AbortController();
    const renames = countCalls(["rename"]);
    const abortOnWrite = interceptFs((name) => {
      if (name === "write") ac.abort(); // the temp is open and being filled
      return undefined;
    });
    try {
      await assert.rejects(writeFileAtomic(file, "new", { signal: ac.signal }), { name: "AbortError" });
    } finally {
      abortOnWrite();
      renames.restore();
    }
    assert.ok(ac.signal.aborted);
    assert.equal(renames.counts.rename, 0);
    assert.equal(fs.readFileSync(file, "utf8"), "old");
    assert.deepEqual(tempsIn(dir), []);
  });

  it("resolves relative paths against the cwd at call time", async () => {
    const dir = scratchDir();
    const prev = process.cwd();
    process.chdir(dir);
    try {
      await writeJson("rel.json", { ok: true });
    } finally {
      process.chdir(prev);
    }
    assert.equal(fs.readFileSync(path.join(dir, "rel.json"), "utf8"), '{"ok":true}\n');
  });

  it("an injected EMFILE before anything is written leaves nothing behind", async () => {
    const dir = scratchDir();
    const file = path.join(dir, "e");
    const f = injectFault({ call: "open", code: "EMFILE" });
    try {
      await assert.rejects(writeFileAtomic(file, "x"), { code: "EMFILE", step: "open-temp", path: file });
    } finally {
      f.restore();
    }
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
