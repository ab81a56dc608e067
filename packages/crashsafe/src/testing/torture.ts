import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { rng } from "./rng.js";

/** Options of {@link torture}. */
export interface TortureOptions {
  /**
   * The program and its arguments, e.g. `["node", "writer.js"]`. It runs with the trial directory as
   * cwd and in `CRASHSAFE_DIR`; arguments naming existing files relative to the current directory are
   * made absolute first, so `node writer.js` still finds the script.
   */
  command: string[];
  /** Number of random-delay trials. */
  trials: number;
  /** Range of the kill delay in ms, measured from the child's first line of output. Default `[20, 400]`. */
  killAfterMs?: [number, number];
  /** Seed of the delays; trial i uses `seed + i`, so a failure's `seed` replays it as trial 0. Default: random. */
  seed?: number;
  /**
   * Deterministic kill points: K adds 2K trials that SIGKILL the child right before and right after
   * its k-th mutating fs call, k = 1..K. The command must be the node process that writes (the hook is
   * injected with `--import` and applies to that process only, not to processes it starts). Default 0.
   */
  killPoints?: number;
  /** Prepares each trial's fresh directory before the child starts. */
  setup?(dir: string): void | Promise<void>;
  /** Inspects the directory after the kill (`output` is the child's stdout); throw to report a failure. */
  check(dir: string, output: string): void | Promise<void>;
  /** Give up on a child that prints nothing for this long (ms), or on a kill-point trial that runs this long. Default 10000. */
  startTimeoutMs?: number;
  /** Progress line on stderr. Default: when stderr is a TTY. */
  progress?: boolean;
}

/** One failed trial: enough to replay it. */
export interface TortureFailure {
  trial: number;
  /** Replays the trial: `torture({ ...options, seed, trials: 1 })`. */
  seed: number;
  /** The delay used (NaN for a kill-point trial). */
  killAfterMs: number;
  /** `before:k` / `after:k` for a kill-point trial. */
  killPoint?: string;
  error: string;
}

/** What {@link torture} found. */
export interface TortureResult {
  /** Trials run (random plus kill points). */
  trials: number;
  failures: TortureFailure[];
  /** Trials that left `*.tmp` files behind (a separate category: not failures). */
  leftoverTemps: { trial: number; files: string[] }[];
  /** With no failures, the 95% upper bound on the failure rate (3/N, the rule of three, at most 1). */
  upperBound95?: number;
  /** The base seed used. */
  seed: number;
}

interface Trial {
  trial: number;
  seed: number;
  delay: number;
  killPoint?: string;
}

const killPointModule = new URL("./kill-point.js", import.meta.url).href;

/**
 * SIGKILLs a real process at random moments (and, with `killPoints`, at every fs call boundary),
 * then checks what it left on disk. A process crash keeps the page cache, so this proves atomicity
 * and recovery, not durability against power loss: use {@link simulateCrashes} for that.
 */
export async function torture(options: TortureOptions): Promise<TortureResult> {
  const seed = (options.seed ?? Math.floor(Math.random() * 2 ** 31)) >>> 0;
  const [min, max] = options.killAfterMs ?? [20, 400];
  const plan: Trial[] = [];
  for (let i = 0; i < options.trials; i++) {
    const s = (seed + i) >>> 0;
    plan.push({ trial: i, seed: s, delay: min + Math.floor(rng(s)() * (max - min + 1)) });
  }
  for (let k = 1; k <= (options.killPoints ?? 0); k++) {
    for (const when of ["before", "after"]) plan.push({ trial: plan.length, seed, delay: NaN, killPoint: `${when}:${k}` });
  }
  const result: TortureResult = { trials: plan.length, failures: [], leftoverTemps: [], seed };
  const progress = options.progress ?? process.stderr.isTTY === true;
  for (const t of plan) {
    if (progress) process.stderr.write(`\rtorture: trial ${t.trial + 1}/${plan.length}, ${result.failures.length} failed`);
    await runTrial(t, options, result);
  }
  if (progress) process.stderr.write("\r\x1b[K");
  if (result.failures.length === 0 && plan.length > 0) result.upperBound95 = Math.min(1, 3 / plan.length);
  return result;
}

async function runTrial(t: Trial, options: TortureOptions, result: TortureResult): Promise<void> {
  const dir = fs.mkdtempSync(join(tmpdir(), "crashsafe-torture-"));
  try {
    await options.setup?.(dir);
    const run = await runChild(t, options, dir);
    let error = run.error;
    if (error === undefined) {
      try {
        await options.check(dir, run.output);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
    }
    if (error !== undefined) {
      result.failures.push({ trial: t.trial, seed: t.seed, killAfterMs: t.delay, ...(t.killPoint ? { killPoint: t.killPoint } : {}), error });
    }
    const temps = findTemps(dir);
    if (temps.length > 0) result.leftoverTemps.push({ trial: t.trial, files: temps });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The child runs in the trial directory: relative paths of existing files are resolved where torture was called. */
function absoluteCommand(command: readonly string[]): string[] {
  return command.map((arg, i) => ((i > 0 || /[\\/]/.test(arg)) && !isAbsolute(arg) && fs.existsSync(arg) ? resolve(arg) : arg));
}

function runChild(t: Trial, options: TortureOptions, dir: string): Promise<{ output: string; error?: string }> {
  const [program, ...args] = absoluteCommand(options.command);
  const env: NodeJS.ProcessEnv = { ...process.env, CRASHSAFE_DIR: dir };
  if (t.killPoint !== undefined) {
    env.CRASHSAFE_KILL_AT = t.killPoint;
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ""} --import=${killPointModule}`.trim();
  }
  return new Promise((resolve) => {
    // Its own process group, so a wrapper (npm, sh) dies together with the writer it started.
    const group = process.platform !== "win32";
    const child = spawn(program!, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], detached: group });
    let output = "";
    let stderr = "";
    let started = false;
    let killed = false;
    const kill = (): void => {
      killed = true;
      try {
        if (group && child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        else child.kill("SIGKILL");
      } catch {
        child.kill("SIGKILL"); // the group is already gone
      }
    };
    const startTimer = setTimeout(kill, options.startTimeoutMs ?? 10_000);
    let delayTimer: NodeJS.Timeout | undefined;
    const onFirstLine = (): void => {
      if (started) return;
      started = true;
      // A kill-point trial keeps the timer as a bound on the whole run; a random one starts its delay.
      if (t.killPoint === undefined) {
        clearTimeout(startTimer);
        delayTimer = setTimeout(kill, t.delay);
      }
    };
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      if (output.includes("\n")) onFirstLine();
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      if (stderr.includes("\n")) onFirstLine();
    });
    child.on("error", (e) => resolve({ output, error: `could not start ${program}: ${e.message}` }));
    // Never signal a process group after its leader is gone: the id may be reused.
    child.on("exit", () => {
      clearTimeout(startTimer);
      clearTimeout(delayTimer);
    });
    child.on("close", (code, signal) => {
      resolve({ output, ...verdict(t, started, killed, code, signal, stderr) });
    });
  });
}

function verdict(t: Trial, started: boolean, killed: boolean, code: number | null, signal: string | null, stderr: string): { error?: string } {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const tail = lines.find((l) => /^\w*Error\b|Error:/.test(l)) ?? lines.at(-1) ?? "";
  const why = tail ? `: ${tail}` : "";
  const exit = signal ?? `code ${code}`;
  if (t.killPoint !== undefined) {
    if (signal === "SIGKILL" && !killed) return {}; // it killed itself at the kill point
    if (code === 0) return {}; // it finished before reaching call k: nothing to kill
    if (killed) return { error: `the command neither reached fs call ${t.killPoint.split(":")[1]} nor exited within the timeout` };
    return { error: `the command failed (${exit}) before its kill point${why}` };
  }
  if (!started) return { error: killed ? "the command printed nothing within the start timeout" : `the command exited (${exit}) before printing anything${why}` };
  if (signal === "SIGKILL" && killed) return {};
  return { error: `the command exited on its own (${exit}) before it was killed${why}` };
}

/** Leftover temp files (`*.tmp`, `*.tmp.*`, `*.tmp-*`) anywhere under `dir`, relative to it. */
function findTemps(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.tmp($|[.-])/i.test(e.name)) out.push(relative(dir, full));
    }
  };
  walk(dir);
  return out;
}
