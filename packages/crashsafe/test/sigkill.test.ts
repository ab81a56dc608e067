/**
 * SIGKILL loop: real child processes keep saving a state file and are killed at random moments.
 * After every kill the file must parse, hold a complete value, and be no older than the last save
 * the child acknowledged; leftover temps must be recognised and removed by cleanupTemps. The same
 * loop run against a plain in-place writeFileSync must fail, proving the check can fail.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { cleanupTemps, readJsonSync, writeJsonSync } from "../src/index.js";
import { scratchDir, tempsIn } from "./helpers/dirs.js";
import { finished, lineFrom, startChild } from "./helpers/children.js";

const PARALLEL = 6;
const KILL_AFTER_MS: [number, number] = [5, 200];

interface Tally {
  trials: number;
  failures: string[];
  leftoverTemps: number;
  acks: number;
}

async function trial(root: string, n: number, strategy: string, payload: number, tally: Tally): Promise<void> {
  const dir = fs.mkdtempSync(path.join(root, `t${n}-`));
  const file = path.join(dir, "state.json");
  writeJsonSync(file, { writer: "seed", seq: 0, size: 1, pad: "0" });
  const child = startChild("writer-child", [file, strategy, String(payload)]);
  const done = finished(child);
  await lineFrom(child, "ready");
  const delay = KILL_AFTER_MS[0] + Math.random() * (KILL_AFTER_MS[1] - KILL_AFTER_MS[0]);
  await new Promise((r) => setTimeout(r, delay));
  child.kill("SIGKILL");
  const out = await done;
  const fail = (why: string) => tally.failures.push(`trial ${n} (${strategy}, killed after ${delay.toFixed(0)} ms): ${why}`);
  if (out.signal !== "SIGKILL") return void fail(`child exited by itself (${out.code}): ${out.stderr}`);
  const acks = out.stdout.split("\n").filter((l) => l.startsWith("ack "));
  tally.acks += acks.length;
  const lastAck = acks.length ? Number(acks[acks.length - 1]!.slice(4)) : 0;
  try {
    const v = readJsonSync<{ seq: number; size: number; pad: string }>(file);
    if (v.pad.length !== v.size) fail(`incomplete value: pad ${v.pad.length} of ${v.size}`);
    else if (v.seq < lastAck) fail(`file holds seq ${v.seq}, older than the acknowledged ${lastAck}`);
  } catch (e) {
    fail(`unreadable: ${(e as Error).message.slice(0, 120)}`);
  }
  tally.leftoverTemps += (await cleanupTemps(dir)).length;
  if (tempsIn(dir).length) fail(`temps left after cleanupTemps: ${tempsIn(dir).join(", ")}`);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Runs `trials` kill trials, PARALLEL at a time. */
async function killLoop(strategy: string, trials: number, payload: number): Promise<Tally> {
  const root = scratchDir("crashsafe-sigkill-");
  const tally: Tally = { trials, failures: [], leftoverTemps: 0, acks: 0 };
  let next = 0;
  const worker = async () => {
    while (next < trials) await trial(root, next++, strategy, payload, tally);
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return tally;
}

describe("SIGKILL at random moments", () => {
  for (const [strategy, trials] of [["async", 100], ["sync", 100], ["async-atomic", 60]] as const) {
    it(`crashsafe ${strategy}: ${trials} kills, the file always parses and is never older than the last ack`, async (t) => {
      const tally = await killLoop(strategy, trials, 16 * 1024);
      t.diagnostic(`${tally.trials} trials, ${tally.acks} acks, ${tally.leftoverTemps} leftover temps removed by cleanupTemps`);
      assert.deepEqual(tally.failures, []);
      assert.ok(tally.acks >= trials, `the children must make progress before being killed (${tally.acks} acks)`);
    });
  }

  it("control: the same loop catches a plain in-place fs.writeFileSync", async (t) => {
    const tally = await killLoop("in-place", 30, 1024 * 1024);
    t.diagnostic(`${tally.failures.length} of ${tally.trials} trials failed, e.g. ${tally.failures[0] ?? "-"}`);
    assert.ok(tally.failures.length > 0, "an in-place writer must be caught by the kill loop");
  });
});

describe("SIGKILL right before each fs call of one write (deterministic kill points)", () => {
  for (const mode of ["async", "sync"]) {
    it(`${mode}: the file is old or new at every boundary, new once acknowledged`, async () => {
      const root = scratchDir("crashsafe-killpoint-");
      const old = { version: "old", pad: "o".repeat(20_000) };
      const outcomes: string[] = [];
      let completed = false;
      for (let k = 1; k <= 20 && !completed; k++) {
        const dir = fs.mkdtempSync(path.join(root, `k${k}-`));
        const file = path.join(dir, "state.json");
        writeJsonSync(file, old);
        const out = await finished(startChild("killpoint-child", [file, mode, String(k)]));
        const acked = out.stdout.startsWith("ack");
        completed = acked && out.signal === null;
        assert.ok(acked || out.signal === "SIGKILL", `k=${k}: child failed: ${out.stderr}`);
        const v = readJsonSync<{ version: string; pad: string }>(file);
        assert.ok(v.version === "new" ? v.pad.length === 20_000 : v.version === "old" && v.pad === old.pad, `k=${k}: torn value`);
        if (acked) assert.equal(v.version, "new", `k=${k}: acknowledged but old`);
        await cleanupTemps(dir);
        assert.deepEqual(tempsIn(dir), [], `k=${k}: leftover temp not removable`);
        outcomes.push(`${k}:${v.version}`);
      }
      assert.ok(completed, `a kill point beyond the last fs call was reached (${outcomes.join(" ")})`);
      assert.ok(outcomes.some((o) => o.endsWith(":old")) && outcomes.some((o) => o.endsWith(":new")), outcomes.join(" "));
    });
  }
});
