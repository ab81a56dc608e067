/**
 * The pipeline: de-duplicates signals, applies control signals to the runtime config, fires
 * alerts, keeps the positions book and retries refused deliveries. Each signal is one unit of
 * work: state is changed in memory, every changed file is saved, and only then are the effects
 * announced and the alerts sent. A crash can therefore lose an alert in flight but never repeat
 * one — as long as the state files survive the crash.
 */
import path from "node:path";
import type { Signal } from "./feed.js";
import { alertText, deliver, FIRED_ALERTS_FILE, loadFiredAlerts, saveFiredAlerts, type FiredAlerts } from "./alerts.js";
import { applyControl, CONFIG_FILE, effective, loadOverrides, saveOverrides, type Overrides } from "./config.js";
import { applySignal, loadPositions, POSITIONS_FILE, savePositions, type Book } from "./positions.js";
import { enqueue, loadRetryQueue, MAX_ATTEMPTS, RETRY_QUEUE_FILE, saveRetryQueue, takeDue, type RetryQueue } from "./retry-queue.js";
import { loadTracker, saveTracker, track, TRACKER_FILE, type TrackerState } from "./tracker.js";

/** The cursor is committed to signal_tracker.json every this many handled signals. */
export const COMMIT_EVERY = 10;

export type Emit = (line: string) => void;

interface Files {
  tracker: string;
  fired: string;
  positions: string;
  retry: string;
  config: string;
}

/** What one signal changed: files to save, lines to print, alerts to send once saved. */
interface UnitOfWork {
  dirty: Set<"fired" | "positions" | "retry" | "config">;
  announce: string[];
  send: { alertId: string; text: string; attempt: number }[];
}

export class Pipeline {
  private sinceCommit = 0;
  /** Highest sequence number handled so far (committed at the next commit). */
  private handled: number;

  private constructor(
    readonly dir: string,
    private readonly files: Files,
    readonly tracker: TrackerState,
    readonly fired: FiredAlerts,
    readonly book: Book,
    readonly queue: RetryQueue,
    readonly overrides: Overrides,
    private readonly emit: Emit,
  ) {
    this.handled = tracker.cursor;
  }

  /** Loads the five state files of `dir` (missing files start empty). */
  static async open(dir: string, emit: Emit): Promise<Pipeline> {
    const files: Files = {
      tracker: path.join(dir, TRACKER_FILE),
      fired: path.join(dir, FIRED_ALERTS_FILE),
      positions: path.join(dir, POSITIONS_FILE),
      retry: path.join(dir, RETRY_QUEUE_FILE),
      config: path.join(dir, CONFIG_FILE),
    };
    const tracker = loadTracker(files.tracker);
    const fired = loadFiredAlerts(files.fired);
    const book = await loadPositions(files.positions);
    const queue = loadRetryQueue(files.retry);
    const overrides = await loadOverrides(files.config);
    return new Pipeline(dir, files, tracker, fired, book, queue, overrides, emit);
  }

  async handle(signal: Signal): Promise<void> {
    const work: UnitOfWork = { dirty: new Set(), announce: [], send: [] };
    track(this.tracker, signal);
    if (signal.kind === "config") this.control(signal, work);
    else this.trade(signal, work);
    this.takeRetries(work);
    await this.save(work.dirty);
    for (const line of work.announce) this.emit(line);
    if (this.send(work.send)) await this.save(new Set(["retry"]));
    this.handled = Math.max(this.handled, signal.seq);
    if (++this.sinceCommit >= COMMIT_EVERY) this.commit();
  }

  /** Commits the feed cursor: on the next start the feed resumes after the last handled signal. */
  commit(): void {
    this.tracker.cursor = this.handled;
    this.tracker.updatedAt = new Date().toISOString();
    saveTracker(this.files.tracker, this.tracker);
    this.sinceCommit = 0;
    this.emit(`ack ${this.tracker.cursor}`);
  }

  private control(signal: Extract<Signal, { kind: "config" }>, work: UnitOfWork): void {
    if (this.overrides.history.some((entry) => entry.seq === signal.seq)) return;
    work.announce.push(`config ${applyControl(this.overrides, signal)}`);
    work.dirty.add("config");
  }

  private trade(signal: Extract<Signal, { kind: "open" | "close" }>, work: UnitOfWork): void {
    if (this.fired[signal.id]) return; // already handled: a repeat or a replay
    const config = effective(this.overrides);
    const suppressed = signal.strength < config.minStrength ? `strength below ${config.minStrength}`
      : config.muted.includes(signal.symbol) ? `${signal.symbol} muted` : undefined;
    const text = alertText(signal);
    this.fired[signal.id] = {
      seq: signal.seq, symbol: signal.symbol, kind: signal.kind, strength: signal.strength,
      firedAt: signal.ts, text, indicators: signal.indicators, ...(suppressed ? { suppressed } : {}),
    };
    work.dirty.add("fired");
    if (suppressed) return;
    work.send.push({ alertId: signal.id, text, attempt: 1 });
    const change = applySignal(this.book, signal);
    if (!change) return;
    work.dirty.add("positions");
    if (change.opened) work.announce.push(`open ${change.opened.id} ${change.opened.symbol} ${change.opened.side}`);
    if (change.closed) work.announce.push(`close ${change.closed.id} ${change.closed.symbol} ${change.closed.pnlPct}%`);
  }

  /** Due retries leave the queue before they are sent: a crash loses one, never repeats it. */
  private takeRetries(work: UnitOfWork): void {
    const due = takeDue(this.queue, this.tracker.processed);
    if (due.length === 0) return;
    work.dirty.add("retry");
    for (const item of due) work.send.push({ alertId: item.alertId, text: item.text, attempt: item.attempts + 1 });
  }

  /** Saves the changed files concurrently: one signal, one round of writes. */
  private async save(dirty: UnitOfWork["dirty"]): Promise<void> {
    await Promise.all([
      dirty.has("fired") ? saveFiredAlerts(this.files.fired, this.fired) : undefined,
      dirty.has("positions") ? savePositions(this.files.positions, this.book) : undefined,
      dirty.has("retry") ? saveRetryQueue(this.files.retry, this.queue) : undefined,
      dirty.has("config") ? saveOverrides(this.files.config, this.overrides) : undefined,
    ]);
  }

  /** Sends the alerts; true when some were refused and went (back) into the retry queue. */
  private send(outbox: UnitOfWork["send"]): boolean {
    let refused = false;
    for (const { alertId, text, attempt } of outbox) {
      if (deliver(this.dir, alertId, text, attempt, this.emit)) {
        if (attempt > 1) this.queue.delivered += 1;
      } else {
        this.requeue(alertId, text, attempt);
        refused = true;
      }
    }
    return refused;
  }

  private requeue(alertId: string, text: string, attempts: number): void {
    if (attempts >= MAX_ATTEMPTS) {
      this.queue.dropped += 1;
      this.emit(`drop ${alertId}`);
      return;
    }
    enqueue(this.queue, alertId, text, attempts, this.tracker.processed);
    this.emit(`retry ${alertId}`);
  }
}
