/** openState's save path (backup rotation + atomic durable write) under every crash model of crashsafe/testing. */
import assert from "node:assert/strict";
import fs from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { openState } from "../src/index.js";
import { ack, MODELS, simulateCrashes } from "../src/testing/index.js";

interface Doc {
  seq: number;
  note: string;
}
const defaults = (): Doc => ({ seq: 0, note: "" });

function setup(dir: string): void {
  fs.writeFileSync(join(dir, "state.json"), JSON.stringify({ $crashsafe: { version: 1 }, value: { seq: 1, note: "initial" } }));
}

async function saveTwice(dir: string): Promise<void> {
  const state = await openState(join(dir, "state.json"), { defaults });
  await state.set({ seq: 2, note: "x".repeat(300) });
  ack("2");
  await state.set({ seq: 3, note: "y".repeat(300) });
  ack("3");
}

/** Whatever the crash left, openState opens it (no corruption, no reset) and nothing acked is lost. */
async function check(dir: string, acked: string[]): Promise<void> {
  const state = await openState(join(dir, "state.json"), { defaults });
  const newestAck = Math.max(1, ...acked.map(Number));
  assert.ok(state.value.seq >= newestAck, `seq ${state.value.seq} after ack ${newestAck}`);
  assert.ok(state.value.seq >= 1, "reset to defaults");
  if (fs.existsSync(join(dir, "state.json.bak"))) {
    const backup = await openState(join(dir, "state.json.bak"), { defaults });
    assert.ok(backup.value.seq >= 1 && backup.value.seq < 3, `backup seq ${backup.value.seq}`);
  }
}

for (const model of MODELS) {
  test(`openState set: every ${model} crash state opens and keeps every acknowledged set`, async () => {
    const result = await simulateCrashes(saveTwice, { model, setup, check });
    assert.deepEqual(result.failures, []);
    assert.ok(result.states > 2, `only ${result.states} states`);
  });
}

test('the check has teeth: durability "atomic" passes process-crash but loses acknowledged sets under pessimistic', async () => {
  const atomicSave = async (dir: string): Promise<void> => {
    const state = await openState(join(dir, "state.json"), { defaults, durability: "atomic" });
    await state.set({ seq: 2, note: "x".repeat(300) });
    ack("2");
  };
  assert.deepEqual((await simulateCrashes(atomicSave, { model: "process-crash", setup, check })).failures, []);
  const pessimistic = await simulateCrashes(atomicSave, { model: "pessimistic", setup, check });
  assert.ok(pessimistic.failures.length > 0, "expected a lost ack without fsync");
});
