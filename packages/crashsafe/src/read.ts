/**
 * readJson(Sync): read a JSON state file, telling "missing" (a default is fine) from "corrupt"
 * (never silently replaced by a default). Reading never modifies the file.
 */
import fs from "node:fs";
import { CorruptFileError } from "./errors.js";
import { codeOf } from "./fs-ops.js";
import { jsonErrorPosition, lineAndColumn } from "./json-position.js";
import { absPath } from "./write.js";

/** Options of {@link readJson}. */
export interface ReadJsonOptions<T> {
  /**
   * Value (or factory of the value) to return when the file does not exist. Without it a missing
   * file rejects with the usual `ENOENT` error. Never used for an empty or corrupt file.
   */
  default?: T | (() => T);
}

function missing<T>(e: unknown, options: ReadJsonOptions<T>): T {
  if (codeOf(e) !== "ENOENT" || !("default" in options)) throw e;
  const d = options.default;
  return typeof d === "function" ? (d as () => T)() : (d as T);
}

/** Parses file contents, or throws {@link CorruptFileError} with line and column. */
export function parseJsonFile<T>(file: string, bytes: Buffer): T {
  let text = bytes.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") {
    throw new CorruptFileError(file, { line: 1, column: 1, position: 0 }, bytes.length === 0 ? "empty file" : "no JSON value (only whitespace)");
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    const position = jsonErrorPosition(text);
    throw new CorruptFileError(file, { ...lineAndColumn(text, position), position }, (e as Error).message, { cause: e });
  }
}

/**
 * Reads and parses the JSON file at `file`.
 * - Missing file: resolves to `options.default` (or its factory's result) when given, else
 *   rejects with the `ENOENT` error.
 * - Empty, truncated or unparsable file: rejects with {@link CorruptFileError}
 *   (`code: "ECORRUPT"`, `path`, `line`, `column`). A corrupt file is never turned into the
 *   default: that would silently reset state.
 * A leading UTF-8 byte order mark is ignored. The file is never modified.
 */
export async function readJson<T = unknown>(file: string | URL, options: ReadJsonOptions<T> = {}): Promise<T> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (e) {
    return missing(e, options);
  }
  return parseJsonFile<T>(absPath(file), bytes);
}

/** Synchronous {@link readJson}, with the same outcomes. */
export function readJsonSync<T = unknown>(file: string | URL, options: ReadJsonOptions<T> = {}): T {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    return missing(e, options);
  }
  return parseJsonFile<T>(absPath(file), bytes);
}
