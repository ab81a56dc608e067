/**
 * An append-only journal (write-ahead log) for state that grows: every record is framed with its
 * length and a CRC-32C (see journal-format.ts), appended with one `write` and made durable with
 * `fdatasync` before its promise resolves. Concurrent appends share one fdatasync (group commit).
 *
 * Files: the log is `path`; `${path}.snapshot` holds the last compacted state and the log
 * generation and offset it covers; `${path}.lock` keeps a second writer out.
 *
 * Compaction, crash-safe at every step:
 *   1. write the snapshot `{generation: G, offset: O, state}` atomically and durably;
 *   2. replace the log by an empty one of generation G+1 atomically and durably.
 * A crash before 1 completes leaves the old snapshot and the full log; between 1 and 2, the
 * snapshot and a log of generation G whose first O bytes it covers (open replays only what
 * follows O and finishes the compaction); after 2, the snapshot and an empty log.
 *
 * Durability: always "durable" (fdatasync of the log, atomic durable replace of the snapshot).
 */
import type { FileHandle } from "node:fs/promises";
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { acquireLock, type Lock } from "./lock.js";
import { codeOf } from "./fs-ops.js";
import { platform } from "./platform.js";
import { readJson } from "./read.js";
import { validateWith, type StandardSchemaV1 } from "./standard-schema.js";
import { writeFileAtomic } from "./write.js";
import {
  DurabilityUnknownError,
  JournalClosedError,
  JournalCorruptError,
  JournalFailedError,
  JournalLockedError,
  LockTimeoutError,
  ValidationError,
} from "./errors.js";
import {
  decodeHeader,
  encodeGroup,
  encodeHeader,
  FileWindow,
  HEADER_SIZE,
  MAX_PAYLOAD,
  payloadOf,
  readFrames,
  FRAME_HEADER_SIZE,
  type FrameChunk,
  scanFrames,
  type DamagedRegion,
} from "./journal-format.js";

/** How appends reach the disk. Both group-commit: concurrent appends share one fdatasync. */
export type JournalSync = "always" | "batch";

/** Options of {@link openJournal}. */
export interface JournalOptions<T> {
  /**
   * `"always"` (default): a group is written as soon as the previous fdatasync finishes; an append
   * never waits for company. `"batch"`: the first append of a group waits up to `batchMs` so that
   * more appends share its fdatasync. In both modes `append` resolves only after its fdatasync.
   */
  sync?: JournalSync;
  /** With `sync: "batch"`, how long a group gathers appends. Default `2` ms. */
  batchMs?: number;
  /**
   * Optional Standard Schema (zod, valibot, arktype…): appends are validated before they are
   * queued (an async schema can reorder concurrent appends), replayed records as they are read.
   */
  schema?: StandardSchemaV1<unknown, T>;
  /** Open without the writer lock, never modifying any file; `append`/`compact` throw. Default `false`. */
  readOnly?: boolean;
  /**
   * A damaged record followed by durable ones: `"throw"` (default) raises {@link JournalCorruptError};
   * `"quarantine"` copies each damaged region to `${path}.corrupt-<generation>-<offset>`, rewrites
   * the log without it and reports it in {@link Journal.recovery}. A torn tail is always dropped.
   */
  onCorrupt?: "throw" | "quarantine";
  /** How long to wait for another writer's lock before {@link JournalLockedError}. Default `0`. */
  lockTimeoutMs?: number;
}

/** What recovery did when the journal was opened. */
export interface JournalRecovery {
  /** Bytes of torn tail (an append cut short by a crash) truncated away, or ignored when read-only. */
  droppedTailBytes: number;
  /** Damaged regions moved aside under `onCorrupt: "quarantine"`. */
  quarantined: Array<{ offset: number; length: number; file: string }>;
  /** True if a compaction interrupted by a crash was completed. */
  finishedCompaction: boolean;
}

/** An open journal of records of type `T` with snapshots of type `S`. */
export interface Journal<T, S = unknown> {
  /** The log file. */
  readonly path: string;
  readonly readOnly: boolean;
  /** The last snapshot: loaded at open (undefined if never compacted), updated by `compact`. */
  readonly snapshot: S | undefined;
  /** Records in the log since the snapshot (durable ones). */
  readonly recordCount: number;
  /** Durable size of the log in bytes. */
  readonly size: number;
  readonly recovery: JournalRecovery;
  /**
   * Appends `record` (JSON-serialisable); resolves once it is durable (after its fdatasync).
   * A record the schema rejects is a {@link ValidationError} and is not written.
   */
  append(record: T): Promise<void>;
  /** The records since the snapshot, in append order, up to the durable end at the time of the call. */
  records(): AsyncIterableIterator<T>;
  /** {@link Journal.records} in arrays of up to about 1 MiB of log: much faster for large logs. */
  recordBatches(): AsyncIterableIterator<T[]>;
  /**
   * Makes `snapshot` the new base state and starts an empty log. `snapshot` must include the
   * effect of every record appended before this call; it is serialised immediately, so later
   * changes to the object do not leak into it. Appends made meanwhile go to the new log.
   */
  compact(snapshot: S): Promise<void>;
  /** Waits for pending appends, closes the file and releases the lock. */
  close(): Promise<void>;
}

const SNAPSHOT_SUFFIX = ".snapshot";
const MAX_GROUP_BYTES = 16 * 1024 * 1024;
/** Read-write in append mode, without O_CREAT: a missing log must not be created by accident. */
const APPEND = constants.O_RDWR | constants.O_APPEND;
const CRASH_AT = process.env["CRASHSAFE_JOURNAL_CRASH_AT"];

/** Test hook: `CRASHSAFE_JOURNAL_CRASH_AT=<step>` SIGKILLs the process at that step. */
function crashPoint(step: string): void {
  if (CRASH_AT === step) process.kill(process.pid, "SIGKILL");
}

interface SnapshotFile<S> {
  crashsafeJournalSnapshot: 1;
  generation: number;
  offset: number;
  state: S;
}

interface Deferred {
  resolve(): void;
  reject(error: unknown): void;
}
type Job = ({ kind: "append"; payload: Buffer } | { kind: "compact"; stateJson: string; state: unknown }) & Deferred;

/** A file handle shared by the writer and running `records()` readers; closed by the last user. */
class SharedHandle {
  #refs = 1;
  constructor(readonly fh: FileHandle) {}
  acquire(): this {
    this.#refs++;
    return this;
  }
  async release(): Promise<void> {
    if (--this.#refs === 0) await this.fh.close();
  }
}

/**
 * Opens (creating if needed) the journal at `path`, recovers it (drops a torn tail, finishes an
 * interrupted compaction, reports damage) and takes the writer lock unless `readOnly`.
 * Throws {@link JournalCorruptError} for damage that is not a torn tail, {@link JournalLockedError}
 * if another process writes it.
 */
export async function openJournal<T, S = unknown>(path: string | URL, options: JournalOptions<T> = {}): Promise<Journal<T, S>> {
  const file = path instanceof URL ? fileURLToPath(path) : path;
  const lock = options.readOnly ? undefined : await lockJournal(file, options.lockTimeoutMs ?? 0);
  try {
    return await JournalImpl.open<T, S>(file, options, lock);
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

async function lockJournal(file: string, timeoutMs: number): Promise<Lock> {
  try {
    return await acquireLock(file, { timeoutMs });
  } catch (error) {
    if (error instanceof LockTimeoutError) throw new JournalLockedError(file, error.holder, error);
    throw error;
  }
}

async function readSnapshot<S>(file: string): Promise<SnapshotFile<S> | undefined> {
  const missing = Symbol("missing");
  const value = await readJson<SnapshotFile<S> | typeof missing>(file, { default: () => missing });
  if (value === missing) return undefined;
  if (value?.crashsafeJournalSnapshot !== 1 || !Number.isSafeInteger(value.generation) || !Number.isSafeInteger(value.offset)) {
    throw new JournalCorruptError(file, 0, "not a journal snapshot");
  }
  return value;
}

/** Opens the log file: creates it (generation 1) when neither it nor a snapshot exists. */
async function openLog(file: string, readOnly: boolean, haveSnapshot: boolean): Promise<FileHandle> {
  try {
    return await open(file, readOnly ? "r" : APPEND);
  } catch (error) {
    if (codeOf(error) !== "ENOENT" || readOnly) throw error;
    if (haveSnapshot) throw new JournalCorruptError(file, 0, `the log is missing but ${file}${SNAPSHOT_SUFFIX} exists`);
    await writeFileAtomic(file, encodeHeader(1));
    return open(file, APPEND);
  }
}

async function readGeneration(file: string, fh: FileHandle): Promise<number> {
  const head = Buffer.alloc(HEADER_SIZE);
  const { bytesRead } = await fh.read(head, 0, HEADER_SIZE, 0);
  const generation = bytesRead === HEADER_SIZE ? decodeHeader(head) : undefined;
  if (generation === undefined) throw new JournalCorruptError(file, 0, "missing or damaged journal header");
  return generation;
}

/** Where replay starts: after the header, or after the bytes a snapshot of the same generation covers. */
function replayStart(file: string, generation: number, snap: SnapshotFile<unknown> | undefined, size: number): number {
  const snapGen = snap?.generation ?? 0;
  if (generation === snapGen + 1) return HEADER_SIZE;
  if (snap && generation === snapGen && snap.offset >= HEADER_SIZE && snap.offset <= size) return snap.offset;
  const why = snap ? `its snapshot covers generation ${snapGen} up to byte ${snap.offset}` : "there is no snapshot";
  throw new JournalCorruptError(file, 0, `log generation ${generation} does not follow: ${why}`);
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  for (let off = 0; off < buf.length; ) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off, null);
    if (bytesWritten <= 0) throw Object.assign(new Error("write made no progress"), { code: "ESHORTWRITE" });
    off += bytesWritten;
  }
}

class JournalImpl<T, S> implements Journal<T, S> {
  readonly recovery: JournalRecovery = { droppedTailBytes: 0, quarantined: [], finishedCompaction: false };
  snapshot: S | undefined;
  #handle: SharedHandle;
  #generation: number;
  #start: number;
  #end: number;
  #count: number;
  #queue: Job[] = [];
  #draining = false;
  #idle: Array<() => void> = [];
  #failed: JournalFailedError | undefined;
  #closed = false;

  private constructor(
    readonly path: string,
    private readonly options: JournalOptions<T>,
    private readonly lock: Lock | undefined,
    fh: FileHandle,
    state: { generation: number; start: number; end: number; count: number; snapshot: S | undefined },
  ) {
    this.#handle = new SharedHandle(fh);
    this.#generation = state.generation;
    this.#start = state.start;
    this.#end = state.end;
    this.#count = state.count;
    this.snapshot = state.snapshot;
  }

  static async open<T, S>(file: string, options: JournalOptions<T>, lock: Lock | undefined): Promise<JournalImpl<T, S>> {
    // A reader can race a writer's compaction between reading the snapshot and the log: retry.
    for (let attempt = 0; ; attempt++) {
      try {
        return await JournalImpl.tryOpen<T, S>(file, options, lock);
      } catch (error) {
        if (!options.readOnly || attempt >= 3 || !(error instanceof JournalCorruptError) || error.offset !== 0) throw error;
      }
    }
  }

  private static async tryOpen<T, S>(file: string, options: JournalOptions<T>, lock: Lock | undefined): Promise<JournalImpl<T, S>> {
    const readOnly = options.readOnly ?? false;
    const snap = await readSnapshot<S>(file + SNAPSHOT_SUFFIX);
    const fh = await openLog(file, readOnly, snap !== undefined);
    let journal: JournalImpl<T, S> | undefined;
    try {
      const size = (await fh.stat()).size;
      const generation = await readGeneration(file, fh);
      const start = replayStart(file, generation, snap, size);
      const quarantine = options.onCorrupt === "quarantine" && !readOnly;
      const scan = await scanFrames(new FileWindow(fh, size), start, (region) => {
        if (!quarantine) throw new JournalCorruptError(file, region.offset, `damaged record (${region.length} bytes) followed by durable records`);
      });
      journal = new JournalImpl<T, S>(file, options, lock, fh, { generation, start, end: scan.end, count: scan.count, snapshot: snap?.state });
      journal.recovery.droppedTailBytes = size - scan.end;
      if (readOnly) return journal;
      if (start !== HEADER_SIZE || scan.damaged.length > 0) {
        await journal.#quarantine(scan.damaged);
        await journal.#rewrite(scan.segments, (snap?.generation ?? 0) + 1);
        journal.recovery.finishedCompaction = start !== HEADER_SIZE;
      } else if (scan.end < size) {
        await fh.truncate(scan.end);
        await fh.datasync();
      }
      return journal;
    } catch (error) {
      await (journal ? journal.#handle.release() : fh.close());
      throw error;
    }
  }

  get readOnly(): boolean {
    return this.options.readOnly ?? false;
  }
  get recordCount(): number {
    return this.#count;
  }
  get size(): number {
    return this.#end;
  }

  async append(record: T): Promise<void> {
    this.#checkWritable();
    const json = JSON.stringify(record);
    if (json === undefined) throw new TypeError(`journal ${this.path}: record is not JSON-serialisable`);
    if (this.options.schema) await this.#validate(record, undefined);
    const payload = Buffer.from(json);
    if (payload.length > MAX_PAYLOAD) throw new RangeError(`journal ${this.path}: record of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
    return this.#enqueue({ kind: "append", payload });
  }

  async compact(snapshot: S): Promise<void> {
    this.#checkWritable();
    const stateJson = JSON.stringify(snapshot);
    if (stateJson === undefined) throw new TypeError(`journal ${this.path}: snapshot is not JSON-serialisable`);
    return this.#enqueue({ kind: "compact", stateJson, state: snapshot });
  }

  async *records(): AsyncIterableIterator<T> {
    for await (const batch of this.recordBatches()) yield* batch;
  }

  async *recordBatches(): AsyncIterableIterator<T[]> {
    if (this.#closed) throw new JournalClosedError(this.path);
    const handle = this.#handle.acquire();
    try {
      for await (const chunk of readFrames(handle.fh, this.#start, this.#end)) yield await this.#decode(chunk);
    } finally {
      await handle.release();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#draining) await new Promise<void>((resolve) => this.#idle.push(resolve));
    await this.#handle.release();
    await this.lock?.release();
  }

  #checkWritable(): void {
    if (this.readOnly) throw new JournalClosedError(this.path, true);
    if (this.#closed) throw new JournalClosedError(this.path);
    if (this.#failed) throw this.#failed;
  }

  /** Validates a record being appended (`offset` undefined) or read back from `offset`. */
  async #validate(value: unknown, offset: number | undefined): Promise<T> {
    const checked = await validateWith(this.options.schema!, value);
    if (checked.ok) return checked.value;
    if (offset === undefined) throw new ValidationError(this.path, checked.issues);
    const issues = checked.issues.map((i) => `${i.where}: ${i.message}`).join("; ");
    throw new JournalCorruptError(this.path, offset, `record rejected by the schema: ${issues}`);
  }

  /**
   * Parses a chunk of frames with one JSON.parse: the chunk's bytes become a JSON array by
   * overwriting each 16-byte frame header with `[` or `,` and spaces (whitespace is valid JSON).
   */
  async #decode(chunk: FrameChunk): Promise<T[]> {
    const text = Buffer.allocUnsafe(chunk.bytes.length + 1);
    chunk.bytes.copy(text);
    for (const f of chunk.frames) {
      text[f] = f === 0 ? 0x5b /* [ */ : 0x2c /* , */;
      for (let i = 1; i < FRAME_HEADER_SIZE; i++) text[f + i] = 0x20;
    }
    text[chunk.bytes.length] = 0x5d; /* ] */
    let values: unknown[];
    try {
      values = JSON.parse(text.toString("utf8")) as unknown[];
      if (values.length !== chunk.frames.length) throw new Error("record count mismatch");
    } catch {
      const bad = chunk.frames.find((f) => !parses(payloadOf(chunk, f))) ?? 0;
      throw new JournalCorruptError(this.path, chunk.offset + bad, "checksummed record is not valid JSON");
    }
    if (!this.options.schema) return values as T[];
    return Promise.all(values.map((v, i) => this.#validate(v, chunk.offset + chunk.frames[i]!)));
  }

  #enqueue(job: { kind: "append"; payload: Buffer } | { kind: "compact"; stateJson: string; state: unknown }): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ ...job, resolve, reject });
      if (this.#draining) return;
      this.#draining = true;
      if (this.options.sync === "batch") setTimeout(() => void this.#drain(), this.options.batchMs ?? 2);
      else queueMicrotask(() => void this.#drain());
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        if (this.#failed) {
          for (const job of this.#queue.splice(0)) job.reject(this.#failed);
          break;
        }
        const head = this.#queue[0]!;
        if (head.kind === "compact") {
          this.#queue.shift();
          await this.#compactNow(head);
        } else {
          await this.#commit(this.#takeGroup());
        }
      }
    } finally {
      this.#draining = false;
      for (const wake of this.#idle.splice(0)) wake();
    }
  }

  /** The appends at the head of the queue, up to the next compaction and about 16 MiB. */
  #takeGroup(): Array<Job & { kind: "append" }> {
    const group: Array<Job & { kind: "append" }> = [];
    let bytes = 0;
    while (this.#queue.length > 0 && this.#queue[0]!.kind === "append" && (group.length === 0 || bytes < MAX_GROUP_BYTES)) {
      const job = this.#queue.shift() as Job & { kind: "append" };
      bytes += job.payload.length;
      group.push(job);
    }
    return group;
  }

  async #commit(group: Array<Job & { kind: "append" }>): Promise<void> {
    const buf = encodeGroup(group.map((j) => j.payload));
    try {
      await writeAll(this.#handle.fh, buf);
      await this.#handle.fh.datasync();
    } catch (error) {
      // fsyncgate: after a failed write or fsync the file's state is unknown; never retry.
      this.#failed = new JournalFailedError(this.path, error);
      for (const job of group) job.reject(error);
      return;
    }
    this.#end += buf.length;
    this.#count += group.length;
    for (const job of group) job.resolve();
  }

  async #compactNow(job: Job & { kind: "compact" }): Promise<void> {
    const generation = this.#generation;
    const text = `{"crashsafeJournalSnapshot":1,"generation":${generation},"offset":${this.#end},"state":${job.stateJson}}`;
    crashPoint("compact:before-snapshot");
    try {
      await writeFileAtomic(this.path + SNAPSHOT_SUFFIX, text);
    } catch (error) {
      // Old or new snapshot, either matches the untouched log: the journal carries on.
      job.reject(error);
      return;
    }
    crashPoint("compact:after-snapshot");
    try {
      await this.#startLog(generation + 1, encodeHeader(generation + 1), 0);
    } catch (error) {
      job.reject(error);
      return;
    }
    crashPoint("compact:after-log-reset");
    this.snapshot = job.state as S;
    job.resolve();
  }

  /**
   * Replaces the log by `content` (a header and `count` records) atomically and durably, and
   * continues on the new file. If the replace failed before the rename, the old log is still in
   * place and still matches the snapshot, so appending to it stays correct; any other failure
   * leaves the log's durability unknown and stops the journal.
   */
  async #startLog(generation: number, content: Buffer, count: number): Promise<void> {
    // Windows cannot rename over a file that is open: let go of it first, take it back on failure.
    if (platform.win32) await this.#handle.release();
    try {
      await writeFileAtomic(this.path, content);
    } catch (error) {
      if (error instanceof DurabilityUnknownError) this.#failed = new JournalFailedError(this.path, error);
      else if (platform.win32) await this.#reopen();
      throw error;
    }
    if (!platform.win32) await this.#handle.release();
    await this.#reopen();
    this.#generation = generation;
    this.#start = HEADER_SIZE;
    this.#end = content.length;
    this.#count = count;
  }

  /** Opens the log at `path` for appending as the current handle; a failure stops the journal. */
  async #reopen(): Promise<void> {
    try {
      this.#handle = new SharedHandle(await open(this.path, APPEND));
    } catch (error) {
      this.#failed = new JournalFailedError(this.path, error);
      throw error;
    }
  }

  /** Copies each damaged region aside before the log is rewritten without it. */
  async #quarantine(regions: DamagedRegion[]): Promise<void> {
    for (const region of regions) {
      const bytes = Buffer.alloc(region.length);
      await this.#handle.fh.read(bytes, 0, region.length, region.offset);
      const file = `${this.path}.corrupt-${this.#generation}-${region.offset}`;
      await writeFileAtomic(file, bytes);
      this.recovery.quarantined.push({ ...region, file });
    }
  }

  /** Rewrites the log as generation `generation` holding the valid records of `segments`. */
  async #rewrite(segments: Array<[number, number]>, generation: number): Promise<void> {
    const payloads: Buffer[] = [];
    for (const [from, to] of segments) {
      for await (const chunk of readFrames(this.#handle.fh, from, to)) for (const f of chunk.frames) payloads.push(payloadOf(chunk, f));
    }
    const content = Buffer.concat([encodeHeader(generation), payloads.length ? encodeGroup(payloads) : Buffer.alloc(0)]);
    return this.#startLog(generation, content, payloads.length);
  }
}

function parses(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString("utf8"));
    return true;
  } catch {
    return false;
  }
}
