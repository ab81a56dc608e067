import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { MODELS, simulateCrashes } from "../src/testing/index.js";

const OLD = "old";
function checkOldOrNew(expected: string) {
  return (dir: string): void => {
    const text = fs.readFileSync(join(dir, "state.txt"), "utf8");
    assert.ok(text === OLD || text === expected, `torn: ${text.length} bytes`);
  };
}

test("a 20 KiB in-place write is explored exhaustively under every model and caught", { timeout: 60_000 }, async () => {
  const data = "y".repeat(20 * 1024);
  for (const model of MODELS) {
    const r = await simulateCrashes((dir) => fs.writeFileSync(join(dir, "state.txt"), data), {
      model, setup: (dir) => fs.writeFileSync(join(dir, "state.txt"), OLD), check: checkOldOrNew(data),
    });
    assert.equal(r.exhaustive, true, model);
    assert.ok(r.failures.length > 0, model);
  }
});

test("a 200 KiB in-place write switches to ALICE's polynomial set, still catches the torn write, and is seeded", { timeout: 60_000 }, async () => {
  const data = "z".repeat(200 * 1024);
  const run = (seed: number) => simulateCrashes((dir) => fs.writeFileSync(join(dir, "state.txt"), data), {
    model: "pessimistic", seed, randomStates: 20, setup: (dir) => fs.writeFileSync(join(dir, "state.txt"), OLD), check: checkOldOrNew(data),
  });
  const a = await run(3);
  assert.equal(a.exhaustive, false);
  assert.ok(a.failures.some((f) => f.trace.some((line) => line.startsWith("partly persisted: the data written to \"state.txt\""))));
  const b = await run(3);
  assert.deepEqual([b.states, b.distinct, b.failures], [a.states, a.distinct, a.failures]);
});

test("an exhaustive search that passes maxExhaustiveStates stops and falls back to ALICE's set", async () => {
  const data = "y".repeat(20 * 1024);
  const r = await simulateCrashes((dir) => fs.writeFileSync(join(dir, "state.txt"), data), {
    model: "pessimistic", maxExhaustiveStates: 50, setup: (dir) => fs.writeFileSync(join(dir, "state.txt"), OLD), check: checkOldOrNew(data),
  });
  assert.equal(r.exhaustive, false);
  assert.ok(r.failures.length > 0);
});
