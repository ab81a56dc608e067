/**
 * Automatic compaction for structures built on a journal (dedup set, work queue): once the log
 * holds more than `compactRatio` times as many records as the live state has entries, the state
 * is snapshotted and the log restarted, so the log stays proportional to the live state and
 * appends stay O(record) amortised.
 */
import type { Journal } from "./journal.js";

/** Automatic compaction thresholds, shared by {@link openDedupSet} and {@link openWorkQueue}. */
export interface AutoCompactOptions {
  /** Compact when log records exceed this multiple of the live entries. Default `2`. */
  compactRatio?: number;
  /** ...and exceed this many records (small logs are never worth compacting). Default `10_000`. */
  compactMinRecords?: number;
}

export class AutoCompactor<S> {
  #appends: number;
  #running: Promise<void> | undefined;
  #error: unknown;
  readonly #ratio: number;
  readonly #min: number;

  constructor(
    private readonly journal: Journal<unknown, S>,
    options: AutoCompactOptions,
    private readonly snapshot: () => S,
    private readonly live: () => number,
  ) {
    this.#appends = journal.recordCount;
    this.#ratio = options.compactRatio ?? 2;
    this.#min = options.compactMinRecords ?? 10_000;
  }

  /** Throws (once) the error of a failed background compaction, before the next change is made. */
  throwIfFailed(): void {
    const error = this.#error;
    if (error === undefined) return;
    this.#error = undefined;
    throw error;
  }

  /**
   * Call right after each `journal.append` call, while the in-memory state matches exactly the
   * records appended so far: that is the state a compaction started here must capture.
   */
  appended(): void {
    this.#appends++;
    if (this.#running || this.#appends <= Math.max(this.#min, this.#ratio * this.live())) return;
    this.#running = this.compact().then(
      () => void (this.#running = undefined),
      (error: unknown) => {
        this.#running = undefined;
        this.#error = error;
      },
    );
  }

  /** Compacts now (the state must match the records appended so far). */
  compact(): Promise<void> {
    this.#appends = 0;
    return this.journal.compact(this.snapshot());
  }

  /** Waits for a running compaction, then closes the journal; throws the compaction's error if it failed. */
  async close(): Promise<void> {
    try {
      await this.#running;
      this.throwIfFailed();
    } finally {
      await this.journal.close();
    }
  }
}
