/**
 * `npm run demo`: the background story, for real, on this machine — and how crashsafe ends it.
 * Options: --trials N (SIGKILL trials per side, default 40), --seed N, --no-html.
 * Exit code 0 when the story holds (damage before the fix, none after), 1 otherwise.
 */
import { parseArgs } from "node:util";
import { wantsColour } from "./present.js";
import { runStory } from "./story.js";

const { values } = parseArgs({
  options: {
    trials: { type: "string", default: "40" },
    seed: { type: "string", default: "175" },
    "no-html": { type: "boolean", default: false },
  },
});

console.log("crashsafe demo: the signal pipeline of the background story (examples/signal-pipeline)");
try {
  const result = await runStory({
    trials: Number(values.trials),
    seed: Number(values.seed),
    colour: wantsColour(),
    htmlReport: !values["no-html"],
    progress: process.stderr.isTTY === true,
  });
  process.exitCode = result.holds ? 0 : 1;
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
