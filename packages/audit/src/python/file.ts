/**
 * The per-file stage of the Python analysis, run on worker threads: read and parse one file into
 * plain data. Everything that needs other files (helpers, readers) runs later on the calling thread.
 */
import { readFileSync } from "node:fs";
import { encodePython, type EncodedPython } from "./tree.js";

/** One Python file after the per-file stage: its tree, or why it could not be parsed. */
export interface PythonFileParse {
  file: string;
  source: string;
  encoded?: EncodedPython;
  /** Set when the parser itself failed (not a syntax error: those are in `encoded.error`). */
  failure?: string;
}

export async function parsePythonFile(file: string, source: string): Promise<PythonFileParse> {
  try {
    return { file, source, encoded: await encodePython(source) };
  } catch (error) {
    return { file, source, failure: String(error) };
  }
}

/** Synchronous read, as for JS/TS files (see `analyzePath`). */
export function parsePythonPath(file: string): Promise<PythonFileParse> {
  return parsePythonFile(file, readFileSync(file, "utf8"));
}
