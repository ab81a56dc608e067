/**
 * A child process that reads a JSON state file in a loop for `durationMs` and prints
 * `{"reads":n,"torn":m,"example":…}`: a read is torn when the file does not parse or its `pad`
 * does not have the length its `size` announces.
 *
 * argv: <file> <durationMs>
 */
import fs from "node:fs";

const [file, durationArg] = process.argv.slice(2) as [string, string];
const deadline = Date.now() + Number(durationArg);
let reads = 0;
let torn = 0;
let example: string | undefined;
while (Date.now() < deadline) {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    continue; // not created yet
  }
  reads++;
  try {
    const v = JSON.parse(text) as { size: number; pad: string };
    if (typeof v.pad !== "string" || v.pad.length !== v.size) throw new Error("pad length mismatch");
  } catch (e) {
    torn++;
    example ??= `${(e as Error).message}: ${text.length} chars`;
  }
}
console.log(JSON.stringify({ reads, torn, example }));
