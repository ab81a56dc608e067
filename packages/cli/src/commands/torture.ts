import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { torture, type TortureOptions, type TortureResult } from "crashsafe/testing";
import { ExitCode, integerArg, UsageError } from "../usage-error.js";

const HELP = `Usage: crashsafe torture [--trials N] [--seed S] [--kill-after MIN-MAX] [--kill-points K] [--check MODULE] [--json] -- <command…>

Runs the command in a fresh directory per trial (its cwd, also in $CRASHSAFE_DIR), SIGKILLs it a
random MIN-MAX ms (default 20-400) after its first line of output, then runs the check module's
check(dir, output) (and setup(dir) before the start, if exported). --kill-points K adds trials that
kill a node child right before and right after each of its first K fs calls.
Exit codes: 0 no failures, 1 failures, 2 usage error.`;

interface CheckModule {
  setup?(dir: string): void | Promise<void>;
  check(dir: string, output: string): void | Promise<void>;
}

/** `crashsafe torture`: SIGKILL a writer at random moments and check its files. */
export async function run(args: string[]): Promise<number> {
  const split = args.indexOf("--");
  const own = split === -1 ? args : args.slice(0, split);
  const { values, positionals } = parse(own);
  if (values.help === true) {
    console.log(HELP);
    return ExitCode.ok;
  }
  const command = split === -1 ? positionals : [...positionals, ...args.slice(split + 1)];
  if (command.length === 0) throw new UsageError("missing the command to torture: put it after --, e.g. `crashsafe torture -- node writer.js`");
  const checks = values.check === undefined ? undefined : await load(values.check);
  const options: TortureOptions = {
    command,
    trials: values.trials === undefined ? 20 : integerArg(values.trials, "--trials"),
    killPoints: values["kill-points"] === undefined ? 0 : integerArg(values["kill-points"], "--kill-points"),
    killAfterMs: values["kill-after"] === undefined ? [20, 400] : range(values["kill-after"]),
    check: checks ? (dir, output) => checks.check(dir, output) : () => {},
    ...(checks?.setup ? { setup: (dir: string) => checks.setup!(dir) } : {}),
    ...(values.seed === undefined ? {} : { seed: integerArg(values.seed, "--seed") }),
  };
  const result = await torture(options);
  if (values.json === true) console.log(JSON.stringify({ version: 1, command, ...result }, null, 2));
  else console.log(render(result, options, values.check));
  return result.failures.length > 0 ? ExitCode.findings : ExitCode.ok;
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args, allowPositionals: true,
      options: {
        trials: { type: "string" }, seed: { type: "string" }, "kill-after": { type: "string" }, "kill-points": { type: "string" },
        check: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split("\n")[0]} (see \`crashsafe torture --help\`)`);
  }
}

function range(text: string): [number, number] {
  const m = /^(\d+)-(\d+)$/.exec(text);
  if (m === null || Number(m[1]) > Number(m[2])) throw new UsageError(`--kill-after must be MIN-MAX in milliseconds with MIN <= MAX, e.g. 20-400; got "${text}"`);
  return [Number(m[1]), Number(m[2])];
}

async function load(file: string): Promise<CheckModule> {
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`--check ${file} does not exist; pass a module exporting check(dir, output)`);
  const mod = (await import(pathToFileURL(path).href)) as Partial<CheckModule> & { default?: Partial<CheckModule> };
  const m = typeof mod.check === "function" ? mod : (mod.default ?? {});
  if (typeof m.check !== "function") throw new UsageError(`--check ${file} must export check(dir, output)`);
  return m as CheckModule;
}

function render(r: TortureResult, options: TortureOptions, checkModule: string | undefined): string {
  const lines = [`torture: ${r.trials} trials (seed ${r.seed}), ${r.failures.length} failure${r.failures.length === 1 ? "" : "s"}`];
  if (checkModule === undefined) lines.push("  (no --check module: only start-up failures and early exits are detected)");
  if (r.upperBound95 !== undefined) lines.push(`  95% upper bound on the failure rate: ${(r.upperBound95 * 100).toFixed(1)}%`);
  for (const f of r.failures) {
    const how = f.killPoint ? `killed ${f.killPoint.replace(":", " fs call ")}` : `killed ${f.killAfterMs} ms after its first output`;
    lines.push(`  FAIL trial ${f.trial} (${how}): ${f.error}`);
    const check = checkModule === undefined ? "" : ` --check ${checkModule}`;
    const replay = f.killPoint ? `--kill-points ${f.killPoint.split(":")[1]} --trials 0` : `--seed ${f.seed} --trials 1 --kill-after ${options.killAfterMs!.join("-")}`;
    lines.push(`    replay: crashsafe torture ${replay}${check} -- ${options.command.join(" ")}`);
  }
  if (r.leftoverTemps.length > 0) {
    const files = [...new Set(r.leftoverTemps.flatMap((t) => t.files))];
    lines.push(`  leftover temp files in ${r.leftoverTemps.length} trial(s): ${files.slice(0, 3).join(", ")}${files.length > 3 ? ", …" : ""}`);
  }
  return lines.join("\n");
}
