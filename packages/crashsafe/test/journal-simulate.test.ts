/**
 * Power-loss simulation (crashsafe/testing simulateCrashes): appends and a compaction are recorded
 * once, then every crash state each persistence model allows is opened. Every acknowledged record
 * must be there exactly once, in order, under process-crash, ext4-ordered and pessimistic.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { openJournal } from "../src/index.js";
import { ack, MODELS, simulateCrashes } from "../src/testing/index.js";
import { readAll, tempDir } from "./journal-helpers.js";

async function workload(dir: string): Promise<void> {
  const log = await openJournal<number, { count: number }>(join(dir, "log"));
  await log.append(0);
  ack("0");
  await Promise.all([log.append(1), log.append(2)]);
  ack("2");
  await log.compact({ count: 3 });
  await log.append(3);
  ack("3");
  await log.close();
}

async function check(dir: string, acked: string[]): Promise<void> {
  const file = join(dir, "log");
  if (!existsSync(file)) {
    assert.deepEqual(acked, [], "acknowledged records but no log");
    return;
  }
  const log = await openJournal<number, { count: number }>(file, { readOnly: true });
  try {
    const base = log.snapshot?.count ?? 0;
    const records = await readAll(log);
    records.forEach((n, i) => assert.equal(n, base + i, "records follow the snapshot exactly once, in order"));
    const total = base + records.length;
    for (const label of acked) assert.ok(Number(label) < total, `acknowledged record ${label} lost (have ${total})`);
  } finally {
    await log.close();
  }
}

for (const model of MODELS) {
  test(`simulateCrashes ${model}: appends and compaction keep every acknowledged record`, async () => {
    const result = await simulateCrashes(workload, { model, check });
    assert.deepEqual(result.failures, []);
    assert.ok(result.distinct > 3, `explored ${result.distinct} distinct states`);
  });
}

test("control: the same check catches lost records when fdatasync is skipped (pessimistic model)", async () => {
  const fh = await open(join(tempDir(), "probe"), "w");
  const proto = Object.getPrototypeOf(fh) as { datasync(): Promise<void> };
  await fh.close();
  const original = proto.datasync;
  proto.datasync = () => Promise.resolve();
  try {
    const result = await simulateCrashes(workload, { model: "pessimistic", check });
    assert.ok(result.failures.some((f) => /lost/.test(f.error)), "without fdatasync an acknowledged record can be lost");
  } finally {
    proto.datasync = original;
  }
});
