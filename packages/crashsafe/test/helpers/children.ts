/** Spawning the helper child scripts (compiled next to this file) and collecting their output. */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** Starts `helpers/<script>.js` with `args` under this node binary, stdout piped. */
export function startChild(script: string, args: string[], cwd?: string): ChildProcess {
  return spawn(process.execPath, [path.join(here, `${script}.js`), ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
}

/** Resolves with the child's whole stdout, stderr and exit status once it exits. */
export function finished(child: ChildProcess): Promise<{ stdout: string; stderr: string; code: number | null; signal: NodeJS.Signals | null }> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ stdout, stderr, code, signal })));
}

/** Resolves when the child has printed a line equal to `line`. */
export function lineFrom(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const onData = (d: Buffer) => {
      buf += d.toString("utf8");
      if (buf.split("\n").includes(line)) {
        child.stdout?.off("data", onData);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.on("exit", () => reject(new Error(`child exited before printing ${line}`)));
  });
}
