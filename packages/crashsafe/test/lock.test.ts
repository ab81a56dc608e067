import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, readdirSync, utimesSync, writeFileSync, existsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { acquireLock, acquireLockSync, inspectLock, LockTimeoutError } from "../src/index.js";
import { scratchDir } from "./helpers/dirs.js";

const lockModule = new URL("../src/lock.js", import.meta.url).href;

function tempDir(): string {
  return scratchDir("crashsafe-lock-");
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

function writeHolder(lockPath: string, fields: Record<string, unknown>): void {
  const base = { pid: process.pid, host: hostname(), boot: "", token: "t0ken", acquiredAt: new Date().toISOString(), leaseUntil: new Date(Date.now() + 60_000).toISOString() };
  writeFileSync(lockPath, JSON.stringify({ ...base, ...fields }));
}

test("acquire writes a complete lock file; release removes it and leaves no temp or marker", async () => {
  const dir = tempDir();
  const file = join(dir, "state.json");
  const lock = await acquireLock(file);
  const holder = JSON.parse(readFileSync(`${file}.lock`, "utf8"));
  assert.equal(holder.pid, process.pid);
  assert.equal(holder.host, hostname());
  assert.equal(holder.token, lock.token);
  assert.ok(Date.parse(holder.leaseUntil) > Date.parse(holder.acquiredAt));
  await lock.release();
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(lock.released, true);
});

test("a second acquire waits until the first is released", async () => {
  const file = join(tempDir(), "s.json");
  const first = await acquireLock(file);
  let secondHeld = false;
  const second = acquireLock(file).then((l) => ((secondHeld = true), l));
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(secondHeld, false);
  await first.release();
  const lock = await second;
  assert.equal(inspectLock(file)?.holder?.token, lock.token);
  lock.releaseSync();
  assert.equal(inspectLock(file), undefined);
});

test("times out with LockTimeoutError naming the lock file and the live holder", async () => {
  const file = join(tempDir(), "s.json");
  writeHolder(`${file}.lock`, { pid: process.ppid });
  const error = await acquireLock(file, { timeoutMs: 80 }).catch((e: unknown) => e);
  assert.ok(error instanceof LockTimeoutError);
  assert.equal(error.code, "ELOCKTIMEOUT");
  assert.equal(error.path, `${file}.lock`);
  assert.equal(error.holder?.pid, process.ppid);
  assert.match(error.message, new RegExp(`pid ${process.ppid}`));
  assert.throws(() => acquireLockSync(file, { timeoutMs: 30 }), LockTimeoutError);
});

test("takes over from a dead process on this host, but not from a live one on another host", async () => {
  const file = join(tempDir(), "s.json");
  writeHolder(`${file}.lock`, { pid: deadPid() });
  assert.match(inspectLock(file)?.stale ?? "", /no longer running/);
  const lock = await acquireLock(file, { timeoutMs: 1000 });
  await lock.release();

  // Same pid number on another host says nothing about liveness: only the lease counts.
  writeHolder(`${file}.lock`, { pid: deadPid(), host: "elsewhere.example" });
  assert.equal(inspectLock(file)?.stale, undefined);
  await assert.rejects(acquireLock(file, { timeoutMs: 60 }), LockTimeoutError);
});

test("takes over when the lease expired, or the machine rebooted", async () => {
  const file = join(tempDir(), "s.json");
  writeHolder(`${file}.lock`, { pid: process.ppid, host: "elsewhere.example", leaseUntil: new Date(Date.now() - 1).toISOString() });
  assert.match(inspectLock(file)?.stale ?? "", /lease expired/);
  (await acquireLock(file, { timeoutMs: 1000 })).releaseSync();

  if (existsSync("/proc/sys/kernel/random/boot_id")) {
    writeHolder(`${file}.lock`, { pid: process.ppid, boot: "another-boot" });
    assert.match(inspectLock(file)?.stale ?? "", /rebooted/);
    acquireLockSync(file, { timeoutMs: 1000 }).releaseSync();
  }
});

test("an unreadable lock file is waited on while young and taken over once older than the lease", async () => {
  const file = join(tempDir(), "s.json");
  writeFileSync(`${file}.lock`, "");
  await assert.rejects(acquireLock(file, { timeoutMs: 50 }), LockTimeoutError);
  const old = new Date(Date.now() - 120_000);
  utimesSync(`${file}.lock`, old, old);
  (await acquireLock(file, { timeoutMs: 1000 })).releaseSync();
});

test("a live holder renews its lease, so waiters cannot take it over while it works", async () => {
  const file = join(tempDir(), "s.json");
  const lock = await acquireLock(file, { leaseMs: 60 });
  await assert.rejects(acquireLock(file, { timeoutMs: 300, leaseMs: 60 }), LockTimeoutError);
  assert.equal(inspectLock(file)?.holder?.token, lock.token);
  await lock.release();
});

test("the release of a lock that was taken over does not remove the new holder's lock", async () => {
  const file = join(tempDir(), "s.json");
  const old = acquireLockSync(file, { leaseMs: 40 });
  // Block the event loop past the lease so the holder cannot renew, as a hung process would.
  const until = Date.now() + 80;
  while (Date.now() < until);
  const fresh = acquireLockSync(file, { timeoutMs: 1000 });
  await old.release();
  assert.equal(inspectLock(file)?.holder?.token, fresh.token);
  fresh.releaseSync();
});

test("an aborted wait rejects with the signal's reason", async () => {
  const file = join(tempDir(), "s.json");
  const held = await acquireLock(file);
  const controller = new AbortController();
  const waiting = acquireLock(file, { signal: controller.signal });
  controller.abort(new Error("stop"));
  await assert.rejects(waiting, /stop/);
  await held.release();
});

test("6 processes breaking the same dead lock, then 40 increments each under the lock, lose nothing", async () => {
  const dir = tempDir();
  const file = join(dir, "counter");
  writeFileSync(file, "0");
  writeHolder(`${file}.lock`, { pid: deadPid() });
  // The counter is read and rewritten in place with no atomicity: only the lock keeps it exact.
  const script = `
    import { acquireLock } from ${JSON.stringify(lockModule)};
    import { readFileSync, writeFileSync } from "node:fs";
    const file = process.argv[1];
    for (let i = 0; i < 40; i++) {
      const lock = await acquireLock(file, { timeoutMs: 30000, retryMs: 1 });
      const n = Number(readFileSync(file, "utf8"));
      await new Promise((r) => setImmediate(r));
      writeFileSync(file, String(n + 1));
      await lock.release();
    }`;
  const runs = Array.from({ length: 6 }, () => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, file], { stdio: ["ignore", "inherit", "inherit"] });
    return new Promise<number | null>((resolve) => child.on("exit", resolve));
  });
  assert.deepEqual(await Promise.all(runs), [0, 0, 0, 0, 0, 0]);
  assert.equal(readFileSync(file, "utf8"), "240");
  assert.deepEqual(readdirSync(dir), ["counter"]);
});

test("options given as undefined fall back to the defaults", async () => {
  const file = join(tempDir(), "s.json");
  const lock = await acquireLock(file, { timeoutMs: undefined, leaseMs: undefined, retryMs: undefined });
  const holder = inspectLock(file)?.holder;
  assert.ok(holder && Date.parse(holder.leaseUntil) - Date.parse(holder.acquiredAt) === 30_000);
  await lock.release();
});
