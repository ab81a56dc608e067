import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { torture } from "../src/testing/index.js";

const writer = fileURLToPath(new URL("../../test/fixtures/torture-writer.mjs", import.meta.url));

function setup(dir: string): void {
  fs.writeFileSync(join(dir, "state.json"), JSON.stringify({ seq: 0 }));
}

/** state.json parses and is at least as new as the last save the child acknowledged. */
function check(dir: string, output: string): void {
  const acks = [...output.matchAll(/^ack (\d+)$/gm)].map((m) => Number(m[1]));
  const last = acks.length > 0 ? acks[acks.length - 1]! : 0;
  const { seq } = JSON.parse(fs.readFileSync(join(dir, "state.json"), "utf8")) as { seq: number };
  assert.ok(seq >= last, `acked ${last} but found ${seq}`);
}

const command = (kind: string): string[] => ["/usr/bin/env", `WRITER=${kind}`, process.execPath, writer];

test("an in-place writeFileSync is caught at a deterministic kill point (empty file after the truncating open)", async () => {
  const r = await torture({ command: command("unsafe"), trials: 0, killPoints: 2, setup, check, progress: false });
  assert.equal(r.trials, 4);
  const failure = r.failures.find((f) => f.killPoint === "after:1");
  assert.ok(failure, JSON.stringify(r.failures));
  assert.match(failure.error, /JSON/);
  assert.equal(r.upperBound95, undefined);
});

test("writeFileAtomicSync survives random SIGKILLs and every kill point of a save", async () => {
  const r = await torture({ command: command("safe"), trials: 6, killAfterMs: [5, 60], seed: 42, killPoints: 6, setup, check, progress: false });
  assert.equal(r.trials, 18);
  assert.deepEqual(r.failures, []);
  assert.equal(r.upperBound95, 3 / 18);
  // Kills between the temp's creation and the rename leave the temp behind: reported, not failed.
  assert.ok(r.leftoverTemps.every((t) => t.files.every((f) => f.endsWith(".tmp"))));
});

test("writeJson (async) survives random SIGKILLs and every kill point of a save", async () => {
  const r = await torture({ command: command("async"), trials: 2, killAfterMs: [5, 60], seed: 11, killPoints: 6, setup, check, progress: false });
  assert.equal(r.trials, 14);
  assert.deepEqual(r.failures, []);
});

test("a child that exits before it is killed is a failure that carries its replay seed", async () => {
  const r = await torture({ command: [process.execPath, "-e", "console.log('ready')"], trials: 2, killAfterMs: [2000, 2000], seed: 7, check: () => {}, progress: false });
  assert.equal(r.failures.length, 2);
  assert.deepEqual(r.failures.map((f) => [f.trial, f.seed, f.killAfterMs]), [[0, 7, 2000], [1, 8, 2000]]);
  assert.match(r.failures[0]!.error, /exited on its own \(code 0\)/);
});

test("kill points cover a child that writes before printing anything, and stop once it has finished", async () => {
  const script = "require('fs').writeFileSync('state.json', JSON.stringify({ seq: 1, pad: 'x'.repeat(5000) })); console.log('ack 1')";
  const r = await torture({ command: [process.execPath, "-e", script], trials: 0, killPoints: 4, setup, check, progress: false });
  assert.equal(r.trials, 8);
  // open(O_TRUNC), write, close: killed after the open or after the write, the file is empty; calls 4+ never come.
  assert.deepEqual(r.failures.map((f) => f.killPoint), ["after:1", "before:2"]);
  for (const f of r.failures) assert.match(f.error, /JSON/);
});
