/**
 * Per-path serialization and coalescing of async writes in one process.
 *
 * One physical write per path is in flight at a time. Calls that arrive meanwhile wait in a
 * pending batch; when the flight lands, the batch's newest data is written once for all of them.
 * The first write starts one microtask after its call, so calls made in the same synchronous
 * run already share it. Every caller's promise settles with the physical write that carries data at least as new as its
 * own: it resolves when that write is done (durable, in "durable" mode) and rejects if it fails.
 */
import { runAsync } from "./fs-ops.js";
import { replaceFile } from "./replace.js";

/** One caller's write request. */
export interface WriteRequest {
  /** Dropped (undefined) once a later request that cannot be aborted supersedes it. */
  data: Uint8Array | undefined;
  durable: boolean;
  mode: number | undefined;
  signal: AbortSignal | undefined;
}

interface Waiter extends WriteRequest {
  resolve(): void;
  reject(e: unknown): void;
  onAbort: (() => void) | undefined;
}

interface Lane {
  pending: Waiter[];
  /** pending[0 .. superseded) had their data dropped. */
  superseded: number;
}

const lanes = new Map<string, Lane>();

function detach(w: Waiter): void {
  if (w.onAbort) w.signal!.removeEventListener("abort", w.onAbort);
  w.onAbort = undefined;
}

function enqueue(lane: Lane, w: Waiter): void {
  if (!w.signal) {
    // Nothing can remove w from the batch, so nothing earlier will ever be written: free it.
    for (let i = lane.superseded; i < lane.pending.length; i++) lane.pending[i]!.data = undefined;
    lane.superseded = lane.pending.length;
  } else {
    const signal = w.signal;
    w.onAbort = () => {
      const i = lane.pending.indexOf(w);
      if (i < 0) return;
      lane.pending.splice(i, 1);
      if (i < lane.superseded) lane.superseded--;
      w.reject(signal.reason);
    };
    signal.addEventListener("abort", w.onAbort, { once: true });
  }
  lane.pending.push(w);
}

/** The reason to stop a batch: only once every caller in it has aborted. */
function batchAborted(batch: Waiter[]): unknown {
  let reason: unknown;
  for (const w of batch) {
    if (!w.signal?.aborted) return undefined;
    reason = w.signal.reason;
  }
  return reason;
}

function flush(abs: string, lane: Lane): void {
  const batch = lane.pending;
  if (batch.length === 0) {
    lanes.delete(abs); // every caller aborted before the write started
    return;
  }
  lane.pending = [];
  lane.superseded = 0;
  for (const w of batch) detach(w);
  const newest = batch[batch.length - 1]!;
  const job = {
    abs,
    data: newest.data!,
    durable: batch.some((w) => w.durable),
    mode: newest.mode,
    aborted: () => batchAborted(batch),
  };
  runAsync(replaceFile(job)).then(
    () => settle(abs, lane, batch, undefined, false),
    (e: unknown) => settle(abs, lane, batch, e, true),
  );
}

function settle(abs: string, lane: Lane, batch: Waiter[], error: unknown, failed: boolean): void {
  for (const w of batch) {
    if (failed) w.reject(error);
    else w.resolve();
  }
  if (lane.pending.length > 0) flush(abs, lane);
  else lanes.delete(abs);
}

/** Queues a write of `req` to the absolute path `abs`; see the module comment for the contract. */
export function submitWrite(abs: string, req: WriteRequest): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const w: Waiter = { data: req.data, durable: req.durable, mode: req.mode, signal: req.signal, resolve, reject, onAbort: undefined };
    const lane = lanes.get(abs);
    if (lane) return enqueue(lane, w);
    const fresh: Lane = { pending: [], superseded: 0 };
    lanes.set(abs, fresh);
    enqueue(fresh, w);
    // Start after the current synchronous burst, so `Promise.all(many writes)` is one write.
    queueMicrotask(() => flush(abs, fresh));
  });
}
