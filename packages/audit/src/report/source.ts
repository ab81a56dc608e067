import { readFileSync } from "node:fs";
import { resolve } from "node:path";

/** Reads a reported file's lines for code frames; undefined when it is gone or unreadable. */
export function sourceLoader(cwd: string): (file: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (file) => {
    if (!cache.has(file)) {
      let text: string | undefined;
      try {
        text = readFileSync(resolve(cwd, file), "utf8");
      } catch {
        text = undefined;
      }
      cache.set(file, text);
    }
    return cache.get(file);
  };
}
