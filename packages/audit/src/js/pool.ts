/**
 * Runs the per-file stage of the analysis over many files on `workers` threads: the calling thread
 * plus `workers - 1` worker threads (the caller would otherwise sit idle waiting, and its JIT is
 * warm). JS/TS files are analysed whole ({@link analyzeFile}); Python files are read and parsed
 * ({@link PythonFileParse}), their cross-file stage runs afterwards on the calling thread. Files go
 * out in small batches to whichever thread is free, so one huge file does not leave the others idle.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { PythonFileParse } from "../python/file.js";
import { analyzePath, type JsFileResult } from "./file.js";
import type { WorkerRequest, WorkerResponse } from "./worker.js";

/** Below this many files, worker start-up costs more than it saves. */
const IN_PROCESS_MAX_FILES = 24;
const BATCH = 16;
/**
 * Batches queued per worker: its next batch is already there when it finishes one, instead of
 * waiting for the calling thread (busy with a batch of its own) to hand one out.
 */
const IN_FLIGHT = 2;

export interface PoolOptions {
  /** Threads, the calling one included; default: available parallelism, at most 8. 0 or 1: the calling thread only. */
  workers?: number;
  /** Project root: files are judged by their path relative to it. Default: process.cwd(). */
  root?: string;
}

/** One file of a batch: JS/TS (`js`) or Python (`py`). */
export interface FileTask {
  kind: "js" | "py";
  file: string;
}

export type TaskResult = { kind: "js"; result: JsFileResult } | { kind: "py"; result: PythonFileParse };

/** The per-file stage of one file, on whichever thread calls it (Python loads tree-sitter on first use). */
export async function runTask(task: FileTask, root: string): Promise<TaskResult> {
  if (task.kind === "js") return { kind: "js", result: analyzePath(task.file, root) };
  const { parsePythonPath } = await import("../python/file.js");
  return { kind: "py", result: await parsePythonPath(task.file) };
}

export async function runBatch(tasks: FileTask[], root: string): Promise<TaskResult[]> {
  const out: TaskResult[] = [];
  for (const task of tasks) out.push(await runTask(task, root));
  return out;
}

/** JS/TS results and Python parses, each in the order of the files given. */
export async function analyzeFiles(js: string[], py: string[], options: PoolOptions = {}): Promise<{ js: JsFileResult[]; py: PythonFileParse[] }> {
  // Python first: its files take longest per line, so they are spread over the threads before the JS/TS ones.
  const tasks: FileTask[] = [...py.map((file) => ({ kind: "py" as const, file })), ...js.map((file) => ({ kind: "js" as const, file }))];
  const results = await runTasks(tasks, options);
  return {
    js: results.flatMap((r) => (r.kind === "js" ? [r.result] : [])),
    py: results.flatMap((r) => (r.kind === "py" ? [r.result] : [])),
  };
}

/** {@link analyzeFile} over `files`, in their order. */
export async function analyzeJsFiles(files: string[], options: PoolOptions = {}): Promise<JsFileResult[]> {
  return (await analyzeFiles(files, [], options)).js;
}

async function runTasks(tasks: FileTask[], options: PoolOptions): Promise<TaskResult[]> {
  const count = Math.min(options.workers ?? Math.min(availableParallelism(), 8), Math.ceil(tasks.length / BATCH));
  const root = options.root ?? process.cwd();
  if (count <= 1 || tasks.length <= IN_PROCESS_MAX_FILES) return runBatch(tasks, root);
  const batches: FileTask[][] = [];
  for (let i = 0; i < tasks.length; i += BATCH) batches.push(tasks.slice(i, i + BATCH));
  const results: TaskResult[][] = new Array(batches.length);
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
      results[id] = await runBatch(batches[id]!, root);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  function drive(worker: Worker): Promise<void> {
    return new Promise((resolve, reject) => {
      let inFlight = 0;
      const send = (): void => {
        if (next >= batches.length) {
          if (inFlight === 0) resolve();
          return;
        }
        const id = next++;
        inFlight++;
        worker.postMessage({ id, tasks: batches[id]!, root } satisfies WorkerRequest);
      };
      worker.on("message", (msg: WorkerResponse) => {
        if ("error" in msg) return reject(new Error(msg.error));
        inFlight--;
        results[msg.id] = msg.results;
        send();
      });
      worker.on("error", reject);
      for (let i = 0; i < IN_FLIGHT; i++) send();
    });
  }
}
