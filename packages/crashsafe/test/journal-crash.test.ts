/**
 * Real crashes: children SIGKILLed at every compaction step (CRASHSAFE_JOURNAL_CRASH_AT), at every
 * fs-call boundary and at random moments (crashsafe/testing's torture). After each crash the
 * journal must open, hold every acknowledged record exactly once, and never apply a record twice.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { openJournal } from "../src/index.js";
import { torture } from "../src/testing/index.js";
import { acks, CHILD, numbered, readAll, runChild, tempDir } from "./journal-helpers.js";

/**
 * Opens the child's journal and checks that snapshot + records are exactly 0, 1, 2, … (nothing
 * lost, nothing applied twice) and include every acknowledged number. Returns how many there are.
 */
async function verify(dir: string, acked: number[]): Promise<number> {
  const log = await openJournal<number, { count: number }>(join(dir, "log"));
  try {
    const base = log.snapshot?.count ?? 0;
    const records = await readAll(log);
    records.forEach((n, i) => assert.equal(n, base + i, `record ${i} after a snapshot of ${base}`));
    const total = base + records.length;
    const missing = acked.filter((n) => n >= total);
    assert.deepEqual(missing, [], `acknowledged records lost (have 0..${total - 1})`);
    return total;
  } finally {
    await log.close();
  }
}

for (const step of ["compact:before-snapshot", "compact:after-snapshot", "compact:after-log-reset"]) {
  test(`SIGKILL at ${step}: every acked record survives once, and the journal carries on`, async () => {
    const dir = tempDir();
    const crashed = await runChild(["journal", dir, "80"], { env: { CRASHSAFE_JOURNAL_CRASH_AT: step } });
    assert.equal(crashed.signal, "SIGKILL", `the child must die at ${step}: ${crashed.stderr}`);
    const acked = acks(crashed);
    assert.equal(acked.length, 40, "the crash hit the first compaction, after 40 acks");
    const total = await verify(dir, acked);
    assert.equal(total, 40);
    const resumed = await runChild(["journal", dir, "40"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(resumed.lines[1], "start 40");
    assert.equal(await verify(dir, acks(resumed)), 80);
    assert.ok(!readdirSync(dir).some((f) => f.endsWith(".tmp")), "no temp file is left once reopened and compacted");
  });
}

test("torture: SIGKILL at every fs-call boundary of reopen, append and compaction, and at random moments", async () => {
  const result = await torture({
    command: [process.execPath, CHILD, "journal"],
    trials: 8,
    killAfterMs: [2, 60],
    killPoints: 30,
    seed: 20261125,
    async setup(dir) {
      // 36 records already: the child's first group passes 40 and compacts within ~30 fs calls.
      const log = await openJournal<number>(join(dir, "log"));
      await Promise.all(Array.from({ length: 36 }, (_, n) => log.append(n)));
      await log.close();
    },
    async check(dir, output) {
      const acked = numbered(output);
      if (readdirSync(dir).includes("log")) await verify(dir, acked);
      else assert.deepEqual(acked, [], "acks printed but no log exists");
    },
  });
  assert.deepEqual(result.failures, []);
  assert.equal(result.trials, 8 + 60);
});
