/**
 * Child process for deterministic kill points: SIGKILLs itself right before its k-th fs call
 * (counting from the start of one write), so the parent can check the file after a crash at every
 * system-call boundary of the replace sequence. Prints `ack` if the write returned.
 *
 * argv: <file> <"async" | "sync"> <k>
 */
import { writeJson, writeJsonSync } from "../../src/index.js";
import { interceptFs } from "./faults.js";

const [file, mode, kArg] = process.argv.slice(2) as [string, string, string];
const k = Number(kArg);
let calls = 0;
interceptFs(() => {
  if (++calls === k) process.kill(process.pid, "SIGKILL");
  return undefined;
});
const value = { version: "new", pad: "n".repeat(20_000) };
if (mode === "sync") writeJsonSync(file, value);
else await writeJson(file, value);
process.stdout.write(`ack after ${calls} fs calls\n`);
