/**
 * A durable FIFO work queue with visibility leases (at-least-once delivery) on a journal. Only
 * `push` and `ack` are journaled: a lease lives in memory, so after a crash every un-acked item is
 * available again, and while running an item whose lease expires is handed out again.
 */
import { AutoCompactor, type AutoCompactOptions } from "./auto-compact.js";
import { JournalCorruptError } from "./errors.js";
import { openJournal, type Journal, type JournalOptions } from "./journal.js";

/** Options of {@link openWorkQueue}. */
export interface WorkQueueOptions extends AutoCompactOptions, Pick<JournalOptions<never>, "sync" | "batchMs" | "readOnly" | "onCorrupt" | "lockTimeoutMs"> {
  /** How long a taken item stays invisible to `take` before it is handed out again. Default `30_000` ms. */
  leaseMs?: number;
  /** Clock, in ms. Default `Date.now`. */
  now?: () => number;
}

/** An item handed out by {@link WorkQueue.take}. */
export interface QueueEntry<T> {
  id: number;
  item: T;
}

/** A persistent at-least-once work queue of JSON-serialisable items. */
export interface WorkQueue<T> {
  readonly path: string;
  /** Appends `item`; resolves with its id once it is durable (only then can it be taken). */
  push(item: T): Promise<number>;
  /** The oldest available item, leased for `leaseMs`, or `undefined` if none is available. */
  take(): Promise<QueueEntry<T> | undefined>;
  /** Removes the item for good, durably; false if `id` is unknown (already acked). */
  ack(id: number): Promise<boolean>;
  /** Gives a taken item back at once; false if `id` is not leased. */
  nack(id: number): Promise<boolean>;
  /** Items pushed and not yet acked (available or leased). */
  pending(): number;
  /** Snapshots the queue and starts an empty log (also done automatically). */
  compact(): Promise<void>;
  /** Waits for pending writes and compaction, releases the file. */
  close(): Promise<void>;
}

/** Journal record: `[id, item]` for a push, `id` for an ack. */
type QueueRecord = [number, unknown] | number;
interface QueueSnapshot {
  nextId: number;
  items: Array<[number, unknown]>;
}

/**
 * Opens (creating if needed) the work queue stored in the journal at `path` (see
 * {@link openJournal} for the files, recovery and locking). Durability: "durable".
 */
export async function openWorkQueue<T>(path: string | URL, options: WorkQueueOptions = {}): Promise<WorkQueue<T>> {
  const journal = await openJournal<QueueRecord, QueueSnapshot>(path, options);
  try {
    const queue = new JournalWorkQueue<T>(journal, options);
    await queue.load();
    return queue;
  } catch (error) {
    await journal.close();
    throw error;
  }
}

class JournalWorkQueue<T> implements WorkQueue<T> {
  /** Un-acked items by id, in push order (includes pushes not yet durable). */
  readonly #items = new Map<number, T>();
  /** Ids that may be taken: a FIFO array consumed from `#head`. */
  #ready: number[] = [];
  #head = 0;
  /** Leased ids → lease end; Map order is take order, hence expiry order. */
  readonly #leased = new Map<number, number>();
  #nextId = 1;
  readonly #leaseMs: number;
  readonly #now: () => number;
  readonly #compactor: AutoCompactor<QueueSnapshot>;

  constructor(
    private readonly journal: Journal<QueueRecord, QueueSnapshot>,
    options: WorkQueueOptions,
  ) {
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#now = options.now ?? Date.now;
    this.#compactor = new AutoCompactor(journal, options, () => this.#snapshot(), () => this.#items.size);
  }

  get path(): string {
    return this.journal.path;
  }

  async load(): Promise<void> {
    const base = this.journal.snapshot;
    if (base !== undefined) {
      if (!Array.isArray(base.items) || !Number.isSafeInteger(base.nextId)) {
        throw new JournalCorruptError(`${this.path}.snapshot`, 0, "not a work queue snapshot");
      }
      this.#nextId = base.nextId;
      for (const [id, item] of base.items) this.#items.set(id, item as T);
    }
    for await (const batch of this.journal.recordBatches()) {
      for (const r of batch) {
        if (typeof r === "number") this.#items.delete(r);
        else {
          this.#items.set(r[0], r[1] as T);
          this.#nextId = Math.max(this.#nextId, r[0] + 1);
        }
      }
    }
    this.#ready = [...this.#items.keys()];
  }

  async push(item: T): Promise<number> {
    this.#compactor.throwIfFailed();
    const id = this.#nextId;
    const durable = this.journal.append([id, item]);
    this.#nextId++;
    this.#items.set(id, item);
    this.#compactor.appended();
    try {
      await durable;
    } catch (error) {
      this.#items.delete(id);
      throw error;
    }
    this.#ready.push(id);
    return id;
  }

  async take(): Promise<QueueEntry<T> | undefined> {
    const now = this.#now();
    this.#expireLeases(now);
    while (this.#head < this.#ready.length) {
      const id = this.#ready[this.#head++]!;
      if (!this.#items.has(id) || this.#leased.has(id)) continue; // acked, or a stale duplicate
      this.#leased.set(id, now + this.#leaseMs);
      this.#trimReady();
      return { id, item: this.#items.get(id)! };
    }
    this.#trimReady();
    return undefined;
  }

  async ack(id: number): Promise<boolean> {
    this.#compactor.throwIfFailed();
    if (!this.#items.has(id)) return false;
    const durable = this.journal.append(id);
    this.#items.delete(id);
    this.#leased.delete(id);
    this.#compactor.appended();
    await durable;
    return true;
  }

  async nack(id: number): Promise<boolean> {
    if (!this.#leased.delete(id)) return false;
    this.#ready.push(id);
    return true;
  }

  pending(): number {
    return this.#items.size;
  }

  compact(): Promise<void> {
    return this.#compactor.compact();
  }

  close(): Promise<void> {
    return this.#compactor.close();
  }

  #snapshot(): QueueSnapshot {
    return { nextId: this.#nextId, items: [...this.#items] };
  }

  /** Expired leases, oldest first, go back to the ready queue. */
  #expireLeases(now: number): void {
    for (const [id, until] of this.#leased) {
      if (until > now) break;
      this.#leased.delete(id);
      this.#ready.push(id);
    }
  }

  #trimReady(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#ready.length) {
      this.#ready = this.#ready.slice(this.#head);
      this.#head = 0;
    }
  }
}
