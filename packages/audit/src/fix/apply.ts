/**
 * Applies the planned fixes of a file (magic-string keeps every other byte as it was) and shows
 * them as a unified diff. The rewritten file is itself written atomically, with crashsafe.
 */
import { readFile } from "node:fs/promises";
import { createTwoFilesPatch } from "diff";
import MagicString from "magic-string";
import { writeFileAtomic } from "crashsafe";
import type { TextEdit } from "./plan.js";
import { hashText } from "../js/file.js";

/** What `--fix` did (or, with `dryRun`, would do) to one file. */
export interface FileFix {
  /** Path relative to the audit's cwd, `/`-separated. */
  file: string;
  /** Number of rewritten calls. */
  calls: number;
  /** Unified diff of the change. */
  diff: string;
  /** False with `dryRun`. */
  written: boolean;
}

/** Applies `edits` to `source` (insertions where start === end). */
export function applyEdits(source: string, edits: TextEdit[]): string {
  const s = new MagicString(source);
  for (const e of edits) {
    if (e.start === e.end) s.appendLeft(e.start, e.text);
    else s.overwrite(e.start, e.end, e.text);
  }
  return s.toString();
}

/** `--fix` found the file changed since it was analysed: its offsets no longer apply. */
export class StaleFileError extends Error {
  readonly code = "ESTALE";
  constructor(readonly path: string) {
    super(`${path} changed while it was being audited; run the audit again`);
    this.name = "StaleFileError";
  }
}

export async function fixFile(file: string, rel: string, edits: TextEdit[], calls: number, dryRun: boolean, expectedHash?: string): Promise<FileFix> {
  const before = await readFile(file, "utf8");
  if (expectedHash !== undefined && hashText(before) !== expectedHash) throw new StaleFileError(file);
  const after = applyEdits(before, edits);
  const diff = createTwoFilesPatch(`a/${rel}`, `b/${rel}`, before, after, undefined, undefined, { context: 3 });
  if (!dryRun) await writeFileAtomic(file, after);
  return { file: rel, calls, diff, written: !dryRun };
}
