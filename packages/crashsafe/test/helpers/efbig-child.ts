/**
 * Child process for the EFBIG test: run under `ulimit -f` (the parent sets it), it writes a small
 * file, then one larger than the limit, then a small one again, and prints what happened as JSON.
 * argv: <dir> <"sync" | "async">
 */
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic, writeFileAtomicSync } from "../../src/index.js";

const [dir, mode] = process.argv.slice(2) as [string, string];
const file = path.join(dir, "state.bin");
const write = mode === "sync" ? async (d: Uint8Array) => writeFileAtomicSync(file, d) : (d: Uint8Array) => writeFileAtomic(file, d);
const old = Buffer.alloc(1024, 1);
await write(old);
let error: { name: string; code?: string; path?: string; step?: string } | undefined;
try {
  await write(Buffer.alloc(256 * 1024, 2));
} catch (e) {
  const err = e as { name: string; code?: string; path?: string; step?: string };
  error = { name: err.name, code: err.code, path: err.path, step: err.step };
}
const oldIntact = fs.readFileSync(file).equals(old);
const temps = fs.readdirSync(dir).filter((n) => n.endsWith(".tmp"));
await write(Buffer.from("next"));
console.log(JSON.stringify({ file, error, oldIntact, temps, next: fs.readFileSync(file, "utf8") }));
