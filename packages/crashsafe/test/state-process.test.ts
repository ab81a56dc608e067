/** openState with real processes: contention on update, SIGKILL in the middle of set, exit paths. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cleanupTemps, openState } from "../src/index.js";
import { torture } from "../src/testing/index.js";
import { scratchDir } from "./helpers/dirs.js";

const crashsafe = new URL("../src/index.js", import.meta.url).href;

function tempDir(): string {
  return scratchDir("crashsafe-state-proc-");
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

test("SIGKILL during set bursts (random delays and before/after each of the first 12 fs calls): the file always opens, never older than the last ack", async () => {
  // Each round fires 5 un-awaited sets and acks the last once it resolves.
  const writer = `
    import { openState } from ${JSON.stringify(crashsafe)};
    const state = await openState(process.env.CRASHSAFE_DIR + "/seq.json", { defaults: () => ({ seq: 0 }) });
    let seq = state.value.seq;
    console.log("ready");
    for (;;) {
      let last;
      for (let k = 0; k < 5; k++) last = state.set({ seq: ++seq, pad: "x".repeat(seq % 5000) });
      await last;
      console.log("ack " + seq);
    }`;
  const result = await torture({
    command: [process.execPath, "--input-type=module", "-e", writer],
    trials: 8,
    killAfterMs: [10, 150],
    killPoints: 12,
    seed: 4,
    setup: (dir) => fs.writeFileSync(join(dir, "seq.json"), JSON.stringify({ $crashsafe: { version: 1 }, value: { seq: 1 } })),
    async check(dir, output) {
      const lastAck = Math.max(1, ...[...output.matchAll(/^ack (\d+)$/gm)].map((m) => Number(m[1])));
      const file = join(dir, "seq.json");
      const state = await openState(file, { defaults: () => ({ seq: 0 }) });
      assert.ok(state.value.seq >= lastAck, `seq ${state.value.seq} older than acked ${lastAck}`);
      if (fs.existsSync(`${file}.bak`)) await openState(`${file}.bak`, { defaults: () => ({ seq: 0 }) });
      await cleanupTemps(dir);
      const names = fs.readdirSync(dir).sort();
      assert.deepEqual(names, names.includes("seq.json.bak") ? ["seq.json", "seq.json.bak"] : ["seq.json"]);
    },
  });
  assert.equal(result.trials, 8 + 2 * 12);
  assert.deepEqual(result.failures, []);
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
