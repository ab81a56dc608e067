/**
 * retry_queue.json: alerts the webhook refused, retried with backoff (counted in signals seen,
 * so runs are reproducible). An item is taken out of the queue before it is retried: a crash
 * during the retry loses that alert rather than sending it twice.
 */
import fs from "node:fs";

export const RETRY_QUEUE_FILE = "retry_queue.json";

export interface RetryItem {
  alertId: string;
  text: string;
  attempts: number;
  /** Retry once the pipeline has seen this many signals. */
  dueAfter: number;
  lastError: string;
}

export interface RetryQueue {
  items: RetryItem[];
  delivered: number;
  dropped: number;
}

/** After this many failed attempts an alert is dropped (and logged). */
export const MAX_ATTEMPTS = 5;

export function emptyQueue(): RetryQueue {
  return { items: [], delivered: 0, dropped: 0 };
}

export function loadRetryQueue(file: string): RetryQueue {
  if (!fs.existsSync(file)) return emptyQueue();
  return JSON.parse(fs.readFileSync(file, "utf8")) as RetryQueue;
}

export function saveRetryQueue(file: string, queue: RetryQueue): void {
  fs.writeFileSync(file, JSON.stringify(queue, null, 2));
}

export function enqueue(queue: RetryQueue, alertId: string, text: string, attempts: number, now: number): void {
  queue.items.push({ alertId, text, attempts, dueAfter: now + 2 ** attempts, lastError: "webhook refused the alert" });
}

/** Removes and returns the items due at `now`. */
export function takeDue(queue: RetryQueue, now: number): RetryItem[] {
  const due = queue.items.filter((item) => item.dueAfter <= now);
  queue.items = queue.items.filter((item) => item.dueAfter > now);
  return due;
}
