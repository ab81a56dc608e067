/**
 * A durable set of ids ("have I already handled this signal?") on a journal: adding an id appends
 * one small record, so the cost of an add does not grow with the set.
 */
import { AutoCompactor, type AutoCompactOptions } from "./auto-compact.js";
import { JournalCorruptError } from "./errors.js";
import { openJournal, type Journal, type JournalOptions } from "./journal.js";

/** Options of {@link openDedupSet}. */
export interface DedupSetOptions extends AutoCompactOptions, Pick<JournalOptions<never>, "sync" | "batchMs" | "readOnly" | "onCorrupt" | "lockTimeoutMs"> {
  /**
   * Forget ids added more than `ttlMs` ago (by the wall clock, which survives restarts): `has`
   * turns false and `add` accepts them again. Default: ids never expire.
   */
  ttlMs?: number;
  /** Clock, in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** A set of string ids persisted in a journal. */
export interface DedupSet {
  readonly path: string;
  /** Number of ids in the set (unexpired ones, with `ttlMs`). */
  readonly size: number;
  /**
   * Adds `id`; resolves `true` if it was new, once it is durable (after its fdatasync), or
   * `false` if it was already present (waiting for a concurrent add of the same id to be durable).
   */
  add(id: string): Promise<boolean>;
  /** True if `id` is in the set (also while its `add` is still being made durable). */
  has(id: string): boolean;
  /** Snapshots the set and starts an empty log (also done automatically, see {@link AutoCompactOptions}). */
  compact(): Promise<void>;
  /** Waits for pending adds and compaction, releases the file. */
  close(): Promise<void>;
}

/** A journal record: the id, or `[id, addedAtMs]` when the set has a TTL. */
type DedupRecord = string | [string, number];

/**
 * Opens (creating if needed) the dedup set stored in the journal at `path` (see {@link openJournal}
 * for the files, recovery and locking). Durability: "durable".
 */
export async function openDedupSet(path: string | URL, options: DedupSetOptions = {}): Promise<DedupSet> {
  const journal = await openJournal<DedupRecord, DedupRecord[]>(path, options);
  try {
    const set = new JournalDedupSet(journal, options);
    await set.load();
    return set;
  } catch (error) {
    await journal.close();
    throw error;
  }
}

class JournalDedupSet implements DedupSet {
  /** id → time added (0 when the set has no TTL); Map order is insertion order, oldest first. */
  readonly #ids = new Map<string, number>();
  readonly #pending = new Map<string, Promise<void>>();
  readonly #ttl: number | undefined;
  readonly #now: () => number;
  readonly #compactor: AutoCompactor<DedupRecord[]>;

  constructor(
    private readonly journal: Journal<DedupRecord, DedupRecord[]>,
    options: DedupSetOptions,
  ) {
    this.#ttl = options.ttlMs;
    this.#now = options.now ?? Date.now;
    this.#compactor = new AutoCompactor(journal, options, () => this.#snapshot(), () => this.#ids.size);
  }

  get path(): string {
    return this.journal.path;
  }

  get size(): number {
    this.#expire();
    return this.#ids.size;
  }

  async load(): Promise<void> {
    const base = this.journal.snapshot ?? [];
    if (!Array.isArray(base)) throw new JournalCorruptError(`${this.path}.snapshot`, 0, "dedup snapshot is not an array");
    const opened = this.#now();
    this.#replay(base, opened);
    for await (const batch of this.journal.recordBatches()) this.#replay(batch, opened);
    this.#expire();
  }

  #replay(records: DedupRecord[], opened: number): void {
    const ids = this.#ids;
    if (this.#ttl === undefined) {
      for (const r of records) ids.set(typeof r === "string" ? r : r[0], 0);
      return;
    }
    for (const r of records) {
      const [id, at] = typeof r === "string" ? [r, opened] : r;
      ids.delete(id); // re-added: moves to the end, keeping the map in time order
      ids.set(id, at);
    }
  }

  has(id: string): boolean {
    const at = this.#ids.get(id);
    return at !== undefined && !this.#expired(at);
  }

  async add(id: string): Promise<boolean> {
    if (typeof id !== "string") throw new TypeError("dedup set ids are strings");
    this.#compactor.throwIfFailed();
    if (this.has(id)) {
      await this.#pending.get(id);
      return false;
    }
    this.#expire();
    const at = this.#ttl === undefined ? 0 : this.#now();
    this.#ids.delete(id);
    this.#ids.set(id, at);
    const durable = this.journal.append(this.#ttl === undefined ? id : [id, at]);
    this.#compactor.appended();
    this.#pending.set(id, durable);
    try {
      await durable;
    } catch (error) {
      if (this.#ids.get(id) === at) this.#ids.delete(id);
      throw error;
    } finally {
      if (this.#pending.get(id) === durable) this.#pending.delete(id);
    }
    return true;
  }

  compact(): Promise<void> {
    this.#expire();
    return this.#compactor.compact();
  }

  async close(): Promise<void> {
    try {
      await this.#compactor.settle();
    } finally {
      await this.journal.close();
    }
  }

  #snapshot(): DedupRecord[] {
    if (this.#ttl === undefined) return [...this.#ids.keys()];
    return [...this.#ids];
  }

  #expired(at: number): boolean {
    return this.#ttl !== undefined && this.#now() - at >= this.#ttl;
  }

  /** Drops expired ids from the front of the (time-ordered) map. */
  #expire(): void {
    if (this.#ttl === undefined) return;
    for (const [id, at] of this.#ids) {
      if (!this.#expired(at)) break;
      this.#ids.delete(id);
    }
  }
}
