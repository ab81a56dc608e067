import { basename } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const packageRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** Library frames: crashsafe's own compiled sources and installed dependencies. */
function isLibrary(file: string): boolean {
  return (file.startsWith(packageRoot) && !file.startsWith(`${packageRoot}dist/test`)) || /[\\/]node_modules[\\/]/.test(file);
}

/**
 * `file:line` of the first caller outside node internals and this harness; when that is library
 * code, the user's line that called into it follows: `write.js:88 (via save.js:14)`.
 */
export function site(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 60;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  let first: string | undefined;
  for (const line of stack.split("\n").slice(1)) {
    const m = /((?:file:\/\/)?[^\s()]+):(\d+):\d+\)?$/.exec(line.trim());
    if (m === null) continue;
    const file = m[1]!.startsWith("file://") ? fileURLToPath(m[1]!) : m[1]!;
    if (file.startsWith("node:") || file.startsWith(here) || (!file.includes("/") && !file.includes("\\"))) continue;
    const where = `${basename(file)}:${m[2]}`;
    if (!isLibrary(file)) return first === undefined ? where : `${first} (via ${where})`;
    first ??= where;
  }
  return first ?? "<unknown>";
}
