/**
 * openState / StateFile: a typed JSON state file that is written atomically and durably, fails
 * loudly when it is corrupt (never a silent reset to defaults), validates with any Standard Schema,
 * migrates old versions, keeps a last-known-good backup and supports cross-process `update`.
 *
 * On-disk format: `{"$crashsafe":{"version":N},"value":…}`. A document without that envelope (a
 * plain JSON file written by a person or by an older program) is read as version 1 with the whole
 * document as its value, so adopting crashsafe needs no conversion step. Files are always written
 * with the envelope, so the version is on disk.
 */
import fs from "node:fs";
import { CorruptFileError, CorruptStateError, MigrationError, StateClosedError, ValidationError, VersionTooNewError, type StateIssue } from "./errors.js";
import { acquireLock, type LockOptions } from "./lock.js";
import { codeOf } from "./fs-ops.js";
import { parseJsonFile } from "./read.js";
import { validateWith, type Checked, type StandardSchemaV1 } from "./standard-schema.js";
import { tempPathFor } from "./temp.js";
import { absPath, writeFileAtomic, writeFileAtomicSync, writeJson, writeJsonSync, type Durability } from "./write.js";

/** The key that marks crashsafe's envelope in a state document. */
export const ENVELOPE_KEY = "$crashsafe";

/** What {@link StateOptions.onRecover} is told after a corrupt file was replaced by its backup. */
export interface RecoveryEvent {
  /** The state file. */
  path: string;
  /** What was wrong with it. */
  error: CorruptStateError;
  /** The backup that was restored (`${path}.bak`). */
  restoredFrom: string;
  /** Where the corrupt file was kept (`${path}.corrupt-<timestamp>`). */
  corruptKeptAt: string;
}

/** Options of {@link openState}. */
export interface StateOptions<T> {
  /** The value of a state file that does not exist yet. Never used for a corrupt file. */
  defaults: () => T;
  /**
   * Any Standard Schema v1 (zod, valibot, arktype…); checked on load, `set` and `update`, sync or
   * async. Without one, the document's top-level JSON type must match that of `defaults()`.
   */
  schema?: StandardSchemaV1<unknown, T>;
  /** Version of the document this code writes. Default `1`. */
  version?: number;
  /**
   * `migrate[n]` turns a version-n value into version n+1; on load they run in order from the
   * file's version up to `version`, and the upgraded document is written back.
   */
  migrate?: Record<number, (old: any) => unknown>;
  /** Keep the last-known-good document at `${path}.bak`. Default `true`. */
  backup?: boolean;
  /**
   * What to do when the file exists but cannot be used. `"throw"` (default): reject with
   * {@link CorruptStateError}. `"restore-backup"`: restore `${path}.bak` (it validated when it was
   * made), keep the corrupt file as `${path}.corrupt-<timestamp>` and call `onRecover`; if there
   * is no usable backup, reject as `"throw"` does.
   */
  onCorrupt?: "throw" | "restore-backup";
  /** Told what `onCorrupt: "restore-backup"` did. */
  onRecover?: (event: RecoveryEvent) => void;
  /** Durability of every write, see `writeFileAtomic`. Default `"durable"`. */
  durability?: Durability;
  /** Lock options of {@link StateFile.update}. Defaults of `acquireLock`. */
  lock?: Omit<LockOptions, "signal">;
}

type Resolved<T> = Required<Omit<StateOptions<T>, "schema" | "onRecover" | "lock">> &
  Pick<StateOptions<T>, "schema" | "onRecover" | "lock">;

interface Loaded<T> {
  value: T;
  /** The version the file had before migration. */
  version: number;
}

/**
 * Opens the state file at `path`: a missing file gives `defaults()`; an existing one is read,
 * migrated and validated, or rejected with {@link CorruptStateError} (see `onCorrupt`).
 * @throws {CorruptStateError} code `ECORRUPT`: empty, unparsable, `null`, wrong type, schema-invalid.
 * @throws {VersionTooNewError} code `EVERSION`: written by a newer version of the program.
 * @throws {MigrationError} code `EMIGRATE`: a migration step failed or is missing.
 */
export function openState<S extends StandardSchemaV1>(
  path: string | URL,
  options: StateOptions<StandardSchemaV1.InferOutput<S>> & { schema: S },
): Promise<StateFile<StandardSchemaV1.InferOutput<S>>>;
export function openState<T>(path: string | URL, options: StateOptions<T>): Promise<StateFile<T>>;
export async function openState<T>(path: string | URL, options: StateOptions<T>): Promise<StateFile<T>> {
  const file = absPath(path);
  const opts: Resolved<T> = { version: 1, migrate: {}, backup: true, onCorrupt: "throw", durability: "durable", ...options };
  const loaded = await loadOrRecover(file, opts);
  const state = new StateFile(file, opts, loaded === undefined ? opts.defaults() : loaded.value);
  if (loaded !== undefined && loaded.version < opts.version) await state.write(loaded.value);
  return state;
}

/** A typed state file opened by {@link openState}. */
export class StateFile<T> {
  #value: T;
  #closed = false;
  /** Writes issued and not settled; the backup is rotated only when a burst starts (zero). */
  #inFlight = 0;
  #lastWrite: Promise<void> | undefined;
  #pending: T | undefined;
  /** Identity of the file on disk that we know validated: the only one we copy to the backup. */
  #known: FileIdentity | undefined;
  #validations: Promise<unknown> = Promise.resolve();
  #updates: Promise<unknown> = Promise.resolve();

  /** @internal Use {@link openState}. */
  constructor(
    /** Absolute path of the state file. */
    readonly path: string,
    private readonly opts: Resolved<T>,
    value: T,
  ) {
    this.#value = value;
    this.#known = identityOf(path);
  }

  /** The current validated value. Do not modify it: pass a new value to {@link set}. */
  get value(): Readonly<T> {
    return this.#value;
  }

  /**
   * Validates `next` and writes it atomically (durably in the default mode). Resolves once data at
   * least as new is on disk. Calls in a burst are coalesced into few physical writes. A rejected
   * value leaves the file and {@link value} untouched. If the write itself fails (`WriteError`:
   * ENOSPC, EIO…), the file keeps its previous contents until a later `set` succeeds, while
   * {@link value} already holds `next`.
   * @throws {ValidationError} code `EVALIDATION`, with the schema's issues.
   */
  async set(next: T): Promise<void> {
    this.#assertOpen();
    const checked = this.#validate(next);
    const value = checked instanceof Promise ? await checked : checked;
    this.#value = value;
    await this.write(value);
  }

  /**
   * Read-modify-write under the cross-process lock (`${path}.lock`): waits for this handle's own
   * pending writes, re-reads the file, applies `fn` (which returns the next value, or modifies its
   * argument and returns nothing), validates and writes. Updates from any number of processes are
   * never lost. Resolves to the new value once it is on disk.
   * @throws {LockTimeoutError} when the lock is not free within `lock.timeoutMs`.
   * @throws {ValidationError} when `fn`'s result is rejected; the file is untouched.
   */
  async update(fn: (current: T) => T | void | Promise<T | void>): Promise<T> {
    this.#assertOpen();
    const run = this.#updates.then(() => this.#lockedUpdate(fn));
    this.#updates = run.catch(() => undefined);
    return run;
  }

  /** Resolves once everything `set` so far is on disk (durable in the default mode). */
  async flush(): Promise<void> {
    await this.#validations;
    await this.#lastWrite;
  }

  /** Flushes, then refuses further `set`/`update` with {@link StateClosedError}. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#updates;
      await this.flush();
    } finally {
      this.#closed = true;
      exitFlush.delete(this);
    }
  }

  /** @internal Writes an already validated value; rotates the backup when a burst starts. */
  write(value: T): Promise<void> {
    if (this.#inFlight === 0 && this.opts.backup) this.#rotateBackup();
    this.#inFlight++;
    this.#pending = value;
    exitFlush.add(this);
    const write = writeJson(this.path, wrap(value, this.opts.version), { durability: this.opts.durability });
    this.#lastWrite = write;
    return write.finally(() => {
      if (--this.#inFlight > 0) return;
      this.#pending = undefined;
      exitFlush.delete(this);
      this.#known = identityOf(this.path);
    });
  }

  /** @internal Called on `process.exit`: writes what is still pending, synchronously. */
  flushSync(): void {
    if (this.#pending !== undefined) writeJsonSync(this.path, wrap(this.#pending, this.opts.version), { durability: this.opts.durability });
  }

  async #lockedUpdate(fn: (current: T) => T | void | Promise<T | void>): Promise<T> {
    const lock = await acquireLock(this.path, this.opts.lock);
    try {
      await this.flush();
      const loaded = await loadOrRecover(this.path, this.opts);
      this.#known = identityOf(this.path);
      const current = loaded === undefined ? this.opts.defaults() : loaded.value;
      const result = await fn(current);
      const value = await this.#validate(result === undefined ? current : result);
      this.#value = value;
      await this.write(value);
      return value;
    } finally {
      await lock.release();
    }
  }

  /** Synchronous for synchronous schemas, so that `set` calls reach the writer in call order. */
  #validate(value: unknown): T | Promise<T> {
    const checked = check(this.opts, value);
    if (!(checked instanceof Promise)) return accept(this.path, checked);
    const inOrder = this.#validations.then(() => checked);
    this.#validations = inOrder.catch(() => undefined);
    return inOrder.then((c) => accept(this.path, c));
  }

  /**
   * Makes `${path}.bak` the file now on disk, if that is the one we know validated: a hard link
   * (no data copied, nothing to fsync: the data is already durable) renamed over the backup. The
   * next write's directory fsync makes the new name durable. Synchronous so that it finishes
   * before the write it precedes is submitted. Best effort: if it fails, the old backup (also a
   * validated document, only older) stays, and the write of the state itself goes ahead.
   */
  #rotateBackup(): void {
    const current = identityOf(this.path);
    if (current === undefined || !sameFile(current, this.#known)) return;
    const backup = `${this.path}.bak`;
    const temp = tempPathFor(backup);
    try {
      fs.linkSync(this.path, temp);
    } catch {
      // No hard links here (some network and FAT file systems): copy, atomically and durably.
      try {
        writeFileAtomicSync(backup, fs.readFileSync(this.path), { durability: this.opts.durability });
      } catch {
        // writeFileAtomicSync leaves the old backup and no temp behind
      }
      return;
    }
    try {
      fs.renameSync(temp, backup);
    } catch {
      fs.rmSync(temp, { force: true });
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new StateClosedError(this.path);
  }
}

/** Open state files with writes not yet settled, written synchronously if the process exits. */
const exitFlush = new Set<StateFile<unknown>>();
process.once("exit", () => {
  for (const state of exitFlush) state.flushSync();
});

function wrap(value: unknown, version: number): unknown {
  return { [ENVELOPE_KEY]: { version }, value };
}

/** Loads the file; on corruption restores the backup when asked to. `undefined`: no file. */
async function loadOrRecover<T>(file: string, opts: Resolved<T>): Promise<Loaded<T> | undefined> {
  try {
    const doc = await readDocument(file);
    return doc && (await checkDocument(file, doc, opts));
  } catch (error) {
    if (!(error instanceof CorruptStateError) || opts.onCorrupt !== "restore-backup") throw error;
    return restoreBackup(file, opts, error);
  }
}

/** A state document as read from disk, before migration and validation. */
interface Doc {
  bytes: Buffer;
  version: number;
  value: unknown;
  enveloped: boolean;
}

/** Reads and parses a state document; `undefined` when the file does not exist. */
async function readDocument(file: string): Promise<Doc | undefined> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (error) {
    if (codeOf(error) === "ENOENT") return undefined;
    throw error;
  }
  let raw: unknown;
  try {
    raw = parseJsonFile(file, bytes);
  } catch (error) {
    if (!(error instanceof CorruptFileError)) throw error;
    throw new CorruptStateError(file, `not valid JSON (${error.reason})`, `line ${error.line}, column ${error.column}`, [], { cause: error });
  }
  return { bytes, ...unwrap(file, raw) };
}

async function checkDocument<T>(file: string, doc: Doc, opts: Resolved<T>): Promise<Loaded<T>> {
  if (doc.version > opts.version) throw new VersionTooNewError(file, doc.version, opts.version);
  const migrated = await migrate(file, doc.value, doc.version, opts);
  const checked = await check(opts, migrated);
  if (!checked.ok) {
    const what = opts.schema ? "the schema rejects the value" : checked.issues[0]!.message;
    throw new CorruptStateError(file, what, checked.issues[0]!.where, checked.issues);
  }
  return { value: checked.value, version: doc.version };
}

/** Splits a document into version and value; plain JSON (no envelope) is version 1. */
function unwrap(file: string, raw: unknown): { version: number; value: unknown; enveloped: boolean } {
  if (raw === null) throw new CorruptStateError(file, "the document is null", "$");
  if (typeof raw !== "object" || Array.isArray(raw) || !Object.hasOwn(raw, ENVELOPE_KEY)) return { version: 1, value: raw, enveloped: false };
  const doc = raw as Record<string, unknown>;
  const version = (doc[ENVELOPE_KEY] as { version?: unknown } | null)?.version;
  if (!Number.isSafeInteger(version) || (version as number) < 1) {
    throw new CorruptStateError(file, "the crashsafe envelope has no valid version", `$["${ENVELOPE_KEY}"].version`);
  }
  if (!Object.hasOwn(doc, "value")) throw new CorruptStateError(file, "the crashsafe envelope has no value", "$.value");
  return { version: version as number, value: doc.value, enveloped: true };
}

async function migrate<T>(file: string, value: unknown, from: number, opts: Resolved<T>): Promise<unknown> {
  let current = value;
  for (let v = from; v < opts.version; v++) {
    const step = opts.migrate[v];
    try {
      if (step === undefined) throw new Error(`no migrate[${v}] function`);
      current = await step(current);
      if (current === undefined) throw new Error(`migrate[${v}] returned undefined`);
    } catch (error) {
      throw new MigrationError(file, v, error);
    }
  }
  return current;
}

/** Schema validation, or without a schema the JSON type of `defaults()`. `null`/`undefined` never pass. */
function check<T>(opts: Resolved<T>, value: unknown): Checked<T> | Promise<Checked<T>> {
  if (value === undefined || value === null) return { ok: false, issues: [{ message: `a state cannot be ${value}`, where: "$" }] };
  if (opts.schema) return validateWith(opts.schema, value);
  const expected = defaultsType(opts.defaults);
  const found = jsonType(value);
  if (found !== expected) return { ok: false, issues: [{ message: `expected ${expected} (the type of defaults()), found ${found}`, where: "$" }] };
  return { ok: true, value: value as T };
}

function accept<T>(file: string, checked: Checked<T>): T {
  if (!checked.ok) throw new ValidationError(file, checked.issues);
  return checked.value;
}

/** The JSON type of `defaults()`, computed once per function (not on every `set`). */
const defaultsTypes = new WeakMap<() => unknown, string>();
function defaultsType(defaults: () => unknown): string {
  let type = defaultsTypes.get(defaults);
  if (type === undefined) defaultsTypes.set(defaults, (type = jsonType(defaults())));
  return type;
}

function jsonType(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

async function restoreBackup<T>(file: string, opts: Resolved<T>, error: CorruptStateError): Promise<Loaded<T>> {
  const backup = `${file}.bak`;
  let doc: Doc | undefined;
  let loaded: Loaded<T>;
  try {
    doc = await readDocument(backup);
    if (doc !== undefined) loaded = await checkDocument(backup, doc, opts);
  } catch (backupError) {
    throw withBackupNote(error, `the backup ${backup} is not usable either`, backupError);
  }
  if (doc === undefined) throw withBackupNote(error, `there is no backup ${backup}`, undefined);
  const corruptKeptAt = await replaceWithBackup(file, doc.bytes, opts.durability);
  opts.onRecover?.({ path: file, error, restoredFrom: backup, corruptKeptAt });
  return loaded!;
}

/**
 * Keeps the corrupt file under `${file}.corrupt-<timestamp>` (a second name, so there is never a
 * moment with no file at `file`), then atomically and durably puts the backup's bytes in its place.
 */
async function replaceWithBackup(file: string, backupBytes: Buffer, durability: Durability): Promise<string> {
  const keptAt = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  try {
    await fs.promises.link(file, keptAt);
  } catch {
    await fs.promises.copyFile(file, keptAt, fs.constants.COPYFILE_EXCL);
  }
  await writeFileAtomic(file, backupBytes, { durability });
  return keptAt;
}

/** What {@link inspectStateFile} found. */
export type StateFileReport =
  | { status: "ok"; version: number; enveloped: boolean }
  | { status: "missing" }
  | { status: "corrupt"; error: CorruptStateError };

/**
 * Checks what can be checked without the program's schema: the file parses, is not `null`, and its
 * envelope (if any) is well formed. Used by `crashsafe doctor`.
 */
export async function inspectStateFile(path: string): Promise<StateFileReport> {
  try {
    const doc = await readDocument(path);
    return doc === undefined ? { status: "missing" } : { status: "ok", version: doc.version, enveloped: doc.enveloped };
  } catch (error) {
    if (error instanceof CorruptStateError) return { status: "corrupt", error };
    throw error;
  }
}

/**
 * Replaces the state file at `path` with its backup `${path}.bak` (which must parse), keeping the
 * replaced file as `${path}.corrupt-<timestamp>`: what `onCorrupt: "restore-backup"` does, for
 * tools without the program's schema (`crashsafe doctor --fix`); the program validates on open.
 * Durable unless `durability: "atomic"`.
 * @throws {CorruptStateError} when the backup is corrupt; an `ENOENT` error when there is none.
 */
export async function restoreFromBackup(path: string, options: { durability?: Durability } = {}): Promise<{ restoredFrom: string; corruptKeptAt: string }> {
  const restoredFrom = `${path}.bak`;
  const doc = await readDocument(restoredFrom);
  if (doc === undefined) throw Object.assign(new Error(`ENOENT: no backup ${restoredFrom}`), { code: "ENOENT", path: restoredFrom });
  const corruptKeptAt = await replaceWithBackup(path, doc.bytes, options.durability ?? "durable");
  return { restoredFrom, corruptKeptAt };
}

function withBackupNote(error: CorruptStateError, note: string, cause: unknown): CorruptStateError {
  const issues: readonly StateIssue[] = error.issues;
  return new CorruptStateError(error.path, `${error.what}; ${note}`, error.where, issues, { cause: cause ?? error.cause });
}

interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

function identityOf(file: string): FileIdentity | undefined {
  try {
    const { dev, ino, size, mtimeMs } = fs.statSync(file);
    return { dev, ino, size, mtimeMs };
  } catch {
    return undefined;
  }
}

function sameFile(a: FileIdentity, b: FileIdentity | undefined): boolean {
  return b !== undefined && a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
