/** openState with real processes: contention on update, SIGKILL in the middle of set, exit paths. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { cleanupTemps, openState } from "../src/index.js";

const crashsafe = new URL("../src/index.js", import.meta.url).href;

function tempDir(): string {
  return fs.mkdtempSync(join(tmpdir(), "crashsafe-state-proc-"));
}

/** Starts `body` as an ES module in a new node process; `file` is process.argv[1] there. */
function runChild(body: string, file: string) {
  const script = `import { openState } from ${JSON.stringify(crashsafe)};\nconst file = process.argv[1];\n${body}`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script, file], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<number | string | null>((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code)));
  return { child, exited, output: () => output };
}

test("4 processes x 25 concurrent update increments = exactly 100", async () => {
  const file = join(tempDir(), "counter.json");
  const body = `
    const state = await openState(file, { defaults: () => ({ n: 0 }), lock: { timeoutMs: 30000 } });
    for (let i = 0; i < 25; i++) await state.update((s) => ({ n: s.n + 1 }));
    await state.close();`;
  const children = Array.from({ length: 4 }, () => runChild(body, file));
  assert.deepEqual(await Promise.all(children.map((c) => c.exited)), [0, 0, 0, 0]);
  const state = await openState(file, { defaults: () => ({ n: 0 }) });
  assert.equal(state.value.n, 100);
  assert.equal(fs.existsSync(`${file}.lock`), false);
});

test("SIGKILL during set bursts: every kill leaves a file that opens, never older than the last acked set", async () => {
  const dir = tempDir();
  const file = join(dir, "seq.json");
  // Each round fires 5 un-awaited sets and acks the last once it resolves.
  const body = `
    const state = await openState(file, { defaults: () => ({ seq: 0 }) });
    let seq = state.value.seq;
    console.log("ready");
    for (;;) {
      let last;
      for (let k = 0; k < 5; k++) last = state.set({ seq: ++seq, pad: "x".repeat(seq % 5000) });
      await last;
      console.log("ack " + seq);
    }`;
  for (let trial = 0; trial < 12; trial++) {
    const run = runChild(body, file);
    while (!run.output().includes("ready")) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 150));
    run.child.kill("SIGKILL");
    assert.equal(await run.exited, "SIGKILL", `trial ${trial}: the writer exited before it was killed`);
    const acks = [...run.output().matchAll(/^ack (\d+)$/gm)].map((m) => Number(m[1]));
    const lastAck = acks.at(-1) ?? 0;
    const state = await openState(file, { defaults: () => ({ seq: 0 }) });
    assert.ok(state.value.seq >= lastAck, `trial ${trial}: seq ${state.value.seq} older than acked ${lastAck}`);
    if (fs.existsSync(`${file}.bak`)) await openState(`${file}.bak`, { defaults: () => ({ seq: 0 }) });
    await state.close();
    await cleanupTemps(dir);
    assert.deepEqual(fs.readdirSync(dir).sort(), fs.existsSync(`${file}.bak`) ? ["seq.json", "seq.json.bak"] : ["seq.json"]);
  }
  const final = await openState(file, { defaults: () => ({ seq: 0 }) });
  assert.ok(final.value.seq > 0, "the writer made progress");
});

test("pending sets are written when the process calls process.exit, and when it just ends", async () => {
  const dir = tempDir();
  const exiting = runChild(`
    const state = await openState(file, { defaults: () => ({ n: 0 }) });
    state.set({ n: 1 });
    state.set({ n: 2 });
    process.exit(0);`, join(dir, "exit.json"));
  const ending = runChild(`
    const state = await openState(file, { defaults: () => ({ n: 0 }) });
    for (let n = 1; n <= 500; n++) state.set({ n });`, join(dir, "end.json"));
  assert.deepEqual(await Promise.all([exiting.exited, ending.exited]), [0, 0]);
  assert.equal((await openState(join(dir, "exit.json"), { defaults: () => ({ n: 0 }) })).value.n, 2);
  assert.equal((await openState(join(dir, "end.json"), { defaults: () => ({ n: 0 }) })).value.n, 500);
});
