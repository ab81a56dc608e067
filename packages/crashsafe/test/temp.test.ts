import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { cleanupTemps, writeFileAtomic } from "../src/index.js";
import { parseTempName, tempPathFor } from "../src/temp.js";
import { scratchDir } from "./helpers/dirs.js";

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

describe("temp names", () => {
  it("are hidden, unique, in the target's directory, and parse back to the writer's pid", () => {
    const target = path.join("/some/dir", "state.json");
    const a = tempPathFor(target);
    const b = tempPathFor(target);
    assert.notEqual(a, b);
    assert.equal(path.dirname(a), "/some/dir");
    assert.match(path.basename(a), /^\.state\.json\.\d+\.[0-9a-f]{12}\.tmp$/);
    assert.deepEqual(parseTempName(path.basename(a)), { base: "state.json", pid: process.pid });
  });

  it("stay within 255 bytes for any target name that fits, without splitting a character", () => {
    for (const name of ["a".repeat(255), "é".repeat(127) + "x", "😀".repeat(63), "x"]) {
      const t = path.basename(tempPathFor(path.join("/d", name)));
      assert.ok(Buffer.byteLength(t) <= 255, `${Buffer.byteLength(t)} bytes`);
      assert.ok(!t.includes("\ufffd"));
      assert.equal(parseTempName(t)?.pid, process.pid);
    }
  });

  it("are not confused with other files", () => {
    for (const name of ["state.json", ".state.json.tmp", "state.json.tmp", ".a.123.xyz.tmp", ".a.0.0123456789ab.tmp", ".a.12.0123456789AB.tmp"]) {
      assert.equal(parseTempName(name), undefined, name);
    }
  });
});

describe("cleanupTemps", () => {
  it("removes temps of dead writers and nothing that is not ours", async () => {
    const dir = scratchDir();
    const dead = deadPid();
    const stale = `.state.json.${dead}.0123456789ab.tmp`;
    const keep = ["state.json", "state.json.tmp", ".state.json.tmp", `.x.${dead}.nothex000000.tmp`, "notes.txt"];
    for (const n of [stale, ...keep]) fs.writeFileSync(path.join(dir, n), "x");
    assert.deepEqual(await cleanupTemps(dir), [path.join(dir, stale)]);
    assert.deepEqual(fs.readdirSync(dir).sort(), keep.sort());
  });

  it("keeps a live writer's temp unless it is older than olderThanMs", async () => {
    const dir = scratchDir();
    const live = `.s.${process.ppid}.0123456789ab.tmp`; // our parent: alive, not us
    fs.writeFileSync(path.join(dir, live), "x");
    assert.deepEqual(await cleanupTemps(dir), []);
    assert.deepEqual(await cleanupTemps(dir, { olderThanMs: 60_000 }), []);
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(path.join(dir, live), old, old);
    assert.deepEqual(await cleanupTemps(dir, { olderThanMs: 60_000 }), [path.join(dir, live)]);
  });

  it("never removes a temp this process is writing right now", async () => {
    const dir = scratchDir();
    const file = path.join(dir, "busy.json");
    // Run the cleanup at the last moment of the write: when it asks to rename its temp.
    const original = fs.rename;
    let seen: string[] = [];
    let removed: string[] | undefined;
    (fs as { rename: unknown }).rename = (from: string, to: string, cb: (e: Error | null) => void) => {
      seen = fs.readdirSync(dir).filter((n) => n.endsWith(".tmp"));
      cleanupTemps(dir, { olderThanMs: 0 }).then((r) => {
        removed = r;
        original(from, to, cb);
      }, cb);
    };
    try {
      await writeFileAtomic(file, "payload");
    } finally {
      fs.rename = original;
    }
    assert.equal(seen.length, 1, "the temp existed during the cleanup");
    assert.deepEqual(removed, []);
    assert.equal(fs.readFileSync(file, "utf8"), "payload");
    assert.deepEqual(fs.readdirSync(dir), ["busy.json"]);
  });

  it("a directory that does not exist yet has nothing to clean", async () => {
    assert.deepEqual(await cleanupTemps(path.join(scratchDir(), "not-yet")), []);
  });

  it("removes this process's own leftover temps that are not in flight", async () => {
    const dir = scratchDir();
    const mine = `.s.${process.pid}.0123456789ab.tmp`;
    fs.writeFileSync(path.join(dir, mine), "x");
    assert.deepEqual(await cleanupTemps(dir), [path.join(dir, mine)]);
  });
});
