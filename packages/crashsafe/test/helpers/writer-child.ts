/**
 * A child process that keeps saving one JSON state file, for the SIGKILL and multi-writer tests.
 * Prints `ready`, then `ack <seq>` after each save returned. Runs until killed, or for
 * `durationMs` when given.
 *
 * argv: <file> <strategy> <payloadBytes> [durationMs] [writerId]
 *   strategy: "async" | "sync" (crashsafe, durable) | "async-atomic" (crashsafe, no fsync)
 *           | "in-place" (fs.writeFileSync on the target: the unsafe control)
 *           | "fixed-tmp" (writeFileSync(file + ".tmp") + renameSync: the peer-style control)
 */
import fs from "node:fs";
import { writeJson, writeJsonSync } from "../../src/index.js";

const [file, strategy, payloadArg, durationArg, writerId = "w"] = process.argv.slice(2) as [string, string, string, string?, string?];
const payload = Number(payloadArg);
const deadline = durationArg ? Date.now() + Number(durationArg) : Infinity;

/** The value saved at step `seq`: its `pad` length lets a reader detect a torn or mixed file. */
function stateFor(seq: number, writer: string, bytes: number): { writer: string; seq: number; size: number; pad: string } {
  return { writer, seq, size: bytes, pad: String(seq % 10).repeat(bytes) };
}

const savers: Record<string, (seq: number) => Promise<void> | void> = {
  async: (seq) => writeJson(file, stateFor(seq, writerId, payload)),
  "async-atomic": (seq) => writeJson(file, stateFor(seq, writerId, payload), { durability: "atomic" }),
  sync: (seq) => writeJsonSync(file, stateFor(seq, writerId, payload)),
  "in-place": (seq) => fs.writeFileSync(file, JSON.stringify(stateFor(seq, writerId, payload))),
  "fixed-tmp": (seq) => {
    fs.writeFileSync(file + ".tmp", JSON.stringify(stateFor(seq, writerId, payload)));
    fs.renameSync(file + ".tmp", file);
  },
};
const save = savers[strategy];
if (!save) throw new Error(`unknown strategy ${strategy}`);

process.stdout.write("ready\n");
for (let seq = 1; Date.now() < deadline; seq++) {
  try {
    await save(seq);
  } catch (e) {
    // The fixed-tmp control loses its temp to a concurrent writer's rename: ENOENT, carry on.
    if (strategy !== "fixed-tmp") throw e;
    continue;
  }
  process.stdout.write(`ack ${seq}\n`);
}
