/**
 * Runs {@link analyzeFile} over many files on `workers` threads: the calling thread plus
 * `workers - 1` worker threads (the caller would otherwise sit idle waiting, and its JIT is warm).
 * Files go out in small batches to whichever thread is free, so one huge file does not leave the
 * others idle.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { analyzePath, type JsFileResult } from "./file.js";
import type { WorkerRequest, WorkerResponse } from "./worker.js";

/** Below this many files, worker start-up costs more than it saves. */
const IN_PROCESS_MAX_FILES = 24;
const BATCH = 16;

export interface PoolOptions {
  /** Threads, the calling one included; default: available parallelism, at most 8. 0 or 1: the calling thread only. */
  workers?: number;
  /** Project root: files are judged by their path relative to it. Default: process.cwd(). */
  root?: string;
}

async function inProcess(files: string[], root: string): Promise<JsFileResult[]> {
  const out: JsFileResult[] = [];
  for (const file of files) out.push(analyzePath(file, root));
  return out;
}

export async function analyzeJsFiles(files: string[], options: PoolOptions = {}): Promise<JsFileResult[]> {
  const count = Math.min(options.workers ?? Math.min(availableParallelism(), 8), Math.ceil(files.length / BATCH));
  const root = options.root ?? process.cwd();
  if (count <= 1 || files.length <= IN_PROCESS_MAX_FILES) return inProcess(files, root);
  const batches: string[][] = [];
  for (let i = 0; i < files.length; i += BATCH) batches.push(files.slice(i, i + BATCH));
  const results: JsFileResult[][] = new Array(batches.length);
  let next = 0;
  const workers = Array.from({ length: count - 1 }, () => new Worker(new URL("./worker.js", import.meta.url)));
  try {
    await Promise.all([...workers.map((w) => drive(w)), driveHere()]);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results.flat();

  /** The calling thread takes batches too, yielding between them so worker messages get handled. */
  async function driveHere(): Promise<void> {
    while (next < batches.length) {
      const id = next++;
      results[id] = batches[id]!.map((file) => analyzePath(file, root));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  function drive(worker: Worker): Promise<void> {
    return new Promise((resolve, reject) => {
      const send = (): void => {
        if (next >= batches.length) return resolve();
        const id = next++;
        worker.postMessage({ id, files: batches[id]!, root } satisfies WorkerRequest);
      };
      worker.on("message", (msg: WorkerResponse) => {
        if ("error" in msg) return reject(new Error(msg.error));
        results[msg.id] = msg.results;
        send();
      });
      worker.on("error", reject);
      send();
    });
  }
}
