import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
// Imported before the scenario so that node:fs is already wrapped when the scenario loads.
import { ALL_MODELS, MODELS, simulateCrashes, type Model, type SimulateResult } from "crashsafe/testing";
import { ExitCode, integerArg, UsageError } from "../usage-error.js";

const HELP = `Usage: crashsafe simulate <scenario.js> [--model process-crash|ext4-ordered|ext4-noauto_da_alloc|pessimistic|all] [--seed N] [--json]

Runs the scenario's run(dir) once with node:fs recorded, then checks every on-disk state a crash
could leave under the model (default: pessimistic, the POSIX minimum; all: process-crash, ext4-ordered and pessimistic).
The scenario module exports:
  setup(dir)         optional: write the old state (not recorded)
  run(dir)           the code under test; call ack(label) from "crashsafe/testing" when a save is reported done
  check(dir, acked)  throw if the state in dir is wrong (acked: labels of the acks the crash state contains)
Exit codes: 0 no failures, 1 failures, 2 usage error.`;

interface Scenario {
  setup?(dir: string): void | Promise<void>;
  run(dir: string): unknown;
  check(dir: string, acked: string[]): void | Promise<void>;
}

/** `crashsafe simulate`: the power-loss model checker on a scenario module. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help === true) {
    console.log(HELP);
    return ExitCode.ok;
  }
  const models = modelsFrom(values.model);
  const seed = values.seed === undefined ? undefined : integerArg(values.seed, "--seed");
  if (positionals.length !== 1) throw new UsageError("expected one scenario module, e.g. `crashsafe simulate ./scenario.js`");
  const file = resolve(positionals[0]!);
  const scenario = await load(file);
  const results: (SimulateResult & { model: Model })[] = [];
  for (const model of models) {
    const r = await simulateCrashes((dir) => scenario.run(dir), {
      model, check: (dir, acked) => scenario.check(dir, acked),
      ...(scenario.setup ? { setup: (dir: string) => scenario.setup!(dir) } : {}), ...(seed === undefined ? {} : { seed }),
    });
    results.push({ model, ...r });
  }
  if (values.json === true) console.log(JSON.stringify({ version: 1, scenario: positionals[0], results }, null, 2));
  else console.log(results.map(render).join("\n"));
  return results.some((r) => r.failures.length > 0) ? ExitCode.findings : ExitCode.ok;
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args, allowPositionals: true,
      options: { model: { type: "string" }, seed: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split("\n")[0]} (see \`crashsafe simulate --help\`)`);
  }
}

function modelsFrom(model: string | undefined): Model[] {
  if (model === undefined) return ["pessimistic"];
  if (model === "all") return [...MODELS];
  if ((ALL_MODELS as readonly string[]).includes(model)) return [model as Model];
  throw new UsageError(`unknown --model "${model}": use ${ALL_MODELS.join(", ")} or all`);
}

async function load(file: string): Promise<Scenario> {
  if (!existsSync(file)) throw new UsageError(`scenario ${file} does not exist; pass the path of a module exporting run and check`);
  const mod = (await import(pathToFileURL(file).href)) as Partial<Scenario> & { default?: Partial<Scenario> };
  const s = typeof mod.run === "function" ? mod : (mod.default ?? {});
  if (typeof s.run !== "function" || typeof s.check !== "function") {
    throw new UsageError(`${file} must export run(dir) and check(dir, acked) (and optionally setup(dir))`);
  }
  return s as Scenario;
}

function render(r: SimulateResult & { model: Model }): string {
  const head = `${r.model}: ${r.states} crash states (${r.distinct} distinct${r.exhaustive ? ", exhaustive" : ", ALICE set + random"}) from ${r.ops} fs ops`;
  if (r.failures.length === 0) return `${head}: no failures`;
  const lines = [`${head}: ${r.failures.length} failure${r.failures.length === 1 ? "" : "s"}`];
  for (const f of r.failures) {
    lines.push(`  FAIL ${f.error}`, ...f.trace.map((line, i) => (i === 0 ? `    ${line}` : `      ${line}`)));
  }
  return lines.join("\n");
}
