/** Scratch directories for tests, removed after the test file. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";

const made: string[] = [];
after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh empty directory under os.tmpdir(), removed when the test file ends. */
export function scratchDir(prefix = "crashsafe-test-"): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Names in `dir` that look like temp files (any `.tmp` suffix). */
export function tempsIn(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.endsWith(".tmp"));
}
