/**
 * The signal-pipeline service. Reads its five state files from the state directory
 * (`--dir`, else $CRASHSAFE_DIR, else the current directory), consumes the feed from the
 * committed cursor and prints one line per event: `ready`, `config …`, `open …`, `close …`,
 * `alert <id>`, `retry <id>`, `drop <id>`, `ack <seq>`, `done`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { subscribe } from "./feed.js";
import { Pipeline } from "./pipeline.js";

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    seed: { type: "string", default: "175" },
    signals: { type: "string", default: "400" },
    replay: { type: "string", default: "100" },
    "stop-after": { type: "string" },
    "interval-ms": { type: "string", default: "0" },
  },
});

const dir = values.dir ?? process.env["CRASHSAFE_DIR"] ?? process.cwd();
const emit = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function run(): Promise<void> {
  const pipeline = await Pipeline.open(dir, emit);
  emit("ready");
  const feed = { seed: Number(values.seed), total: Number(values.signals), replay: Number(values.replay) };
  const stopAfter = values["stop-after"] === undefined ? Infinity : Number(values["stop-after"]);
  const interval = Number(values["interval-ms"]);
  let handled = 0;
  for (const signal of subscribe(feed, pipeline.tracker.cursor)) {
    await pipeline.handle(signal);
    if (++handled >= stopAfter) break;
    if (interval > 0) await sleep(interval);
  }
  pipeline.commit();
  emit("done");
}

run().catch((error: unknown) => {
  console.error(`signal-pipeline: cannot continue: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
