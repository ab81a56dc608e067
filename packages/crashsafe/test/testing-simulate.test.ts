import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { ack, simulateCrashes, type Model } from "../src/testing/index.js";

const OLD = { version: 1, items: ["a"] };
const NEW = { version: 2, items: Array.from({ length: 700 }, (_, i) => `item-${i}`) }; // ~10 KB

function setup(dir: string): void {
  fs.writeFileSync(join(dir, "state.json"), JSON.stringify(OLD));
}

/** The invariant of a state file: it parses, it is old or new, and it is new once the save was acked. */
function check(dir: string, acked: string[]): void {
  const text = fs.readFileSync(join(dir, "state.json"), "utf8");
  const value = JSON.parse(text) as { version: number };
  assert.ok(value.version === 1 || value.version === 2, "neither old nor new");
  if (acked.includes("saved")) assert.equal(value.version, 2, "lost a write after it was acknowledged");
}

const data = JSON.stringify(NEW);

function inPlace(dir: string): void {
  fs.writeFileSync(join(dir, "state.json"), data);
  ack("saved");
}

function renameNoFsync(dir: string): void {
  const tmp = join(dir, "state.json.tmp-1");
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, join(dir, "state.json"));
  ack("saved");
}

async function renameFsyncNoDirSync(dir: string): Promise<void> {
  const tmp = join(dir, "state.json.tmp-2");
  const fh = await fs.promises.open(tmp, "wx");
  await fh.writeFile(data);
  await fh.sync();
  await fh.close();
  await fs.promises.rename(tmp, join(dir, "state.json"));
  ack("saved");
}

function durableCallbacks(dir: string): Promise<void> {
  const tmp = join(dir, "state.json.tmp-3");
  const target = join(dir, "state.json");
  return new Promise((resolve, reject) => {
    const fail = (e: unknown): void => reject(e);
    fs.open(tmp, "wx", (e, fd) => {
      if (e) return fail(e);
      fs.write(fd, data, (e2) => {
        if (e2) return fail(e2);
        fs.fsync(fd, (e3) => {
          if (e3) return fail(e3);
          fs.close(fd, () => fs.rename(tmp, target, (e4) => {
            if (e4) return fail(e4);
            fs.open(dir, "r", (e5, dfd) => {
              if (e5) return fail(e5);
              fs.fsync(dfd, () => fs.close(dfd, () => { ack("saved"); resolve(); }));
            });
          }));
        });
      });
    });
  });
}

const run = (fn: (dir: string) => unknown, model: Model) => simulateCrashes(fn, { model, setup, check });

test("writeFileSync in place fails under every model", async () => {
  for (const model of ["process-crash", "ext4-ordered", "pessimistic"] as const) {
    const r = await run(inPlace, model);
    assert.ok(r.failures.length > 0, `${model}: expected a failure`);
    assert.ok(r.states > 1);
  }
});

test("temp + rename without fsync passes process-crash and fails pessimistic", async () => {
  const pc = await run(renameNoFsync, "process-crash");
  assert.deepEqual(pc.failures, []);
  assert.ok(pc.states >= 4);
  const pess = await run(renameNoFsync, "pessimistic");
  assert.ok(pess.failures.length > 0);
  const trace = pess.failures[0]!.trace.join("\n");
  assert.match(trace, /rename "state\.json\.tmp-1" -> "state\.json" at testing-simulate\.test\.js:\d+ persisted before/);
});

test("temp + fsync + rename without a directory fsync is never corrupt but loses an acked write (pessimistic)", async () => {
  const r = await run(renameFsyncNoDirSync, "pessimistic");
  assert.ok(r.failures.length > 0);
  for (const f of r.failures) assert.match(f.error, /lost a write after it was acknowledged/);
});

test("temp + fsync + rename + directory fsync (callback API) passes all three models", async () => {
  for (const model of ["process-crash", "ext4-ordered", "pessimistic"] as const) {
    const r = await run(durableCallbacks, model);
    assert.deepEqual(r.failures, [], model);
    assert.ok(r.states > 1);
  }
});

test("ext4: temp + rename without fsync over an existing file only loses durability with auto_da_alloc, and tears without it", async () => {
  const withHeuristic = await run(renameNoFsync, "ext4-ordered");
  assert.ok(withHeuristic.failures.length > 0);
  for (const f of withHeuristic.failures) assert.match(f.error, /lost a write after it was acknowledged/);
  const without = await run(renameNoFsync, "ext4-noauto_da_alloc");
  assert.ok(without.failures.some((f) => /JSON/.test(f.error)), JSON.stringify(without.failures.map((f) => f.error)));
});
