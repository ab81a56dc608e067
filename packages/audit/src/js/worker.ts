/** Worker thread: reads and analyses the JS/TS files it is sent, one batch per message. */
import { parentPort } from "node:worker_threads";
import { analyzePath, type JsFileResult } from "./file.js";

export type WorkerRequest = { id: number; files: string[]; root: string };
export type WorkerResponse = { id: number; results: JsFileResult[] } | { id: number; error: string };

parentPort!.on("message", (req: WorkerRequest) => {
  void (async () => {
    try {
      const results: JsFileResult[] = [];
      for (const file of req.files) results.push(analyzePath(file, req.root));
      parentPort!.postMessage({ id: req.id, results } satisfies WorkerResponse);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      parentPort!.postMessage({ id: req.id, error: `${e.message}${e.path ? ` (${e.path})` : ""}` } satisfies WorkerResponse);
    }
  })();
});
