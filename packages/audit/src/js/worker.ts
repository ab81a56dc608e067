/** Worker thread: reads and analyses (JS/TS) or parses (Python) the files it is sent, one batch per message. */
import { parentPort } from "node:worker_threads";
import { runBatch, type FileTask, type TaskResult } from "./pool.js";

export type WorkerRequest = { id: number; tasks: FileTask[]; root: string };
export type WorkerResponse = { id: number; results: TaskResult[] } | { id: number; error: string };

parentPort!.on("message", (req: WorkerRequest) => {
  void (async () => {
    try {
      const results = await runBatch(req.tasks, req.root);
      // Python trees are flat buffers: moved to the calling thread, not copied.
      const buffers = results.flatMap((r) => (r.kind === "py" && r.result.encoded ? [r.result.encoded.nodes.buffer as ArrayBuffer] : []));
      parentPort!.postMessage({ id: req.id, results } satisfies WorkerResponse, buffers);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      parentPort!.postMessage({ id: req.id, error: `${e.message}${e.path ? ` (${e.path})` : ""}` } satisfies WorkerResponse);
    }
  })();
});
