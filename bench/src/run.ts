/**
 * `npm run bench [filter]`: every suite, interleaved peers, medians and ratios, printed as Markdown
 * ready to paste into bench/RESULTS.md. A filter runs only the suites whose name contains it.
 */
import os from "node:os";
import { renderGroup, runGroup, type BenchGroup } from "./harness.js";

/** A suite builds its groups lazily so that a filtered run does no setup for the others. */
export interface BenchSuite {
  name: string;
  groups(): Promise<BenchGroup[]>;
}

const suites: Array<() => Promise<BenchSuite>> = [
  // Each area registers its suite here, one line each, e.g.:
  // async () => (await import("./write.js")).suite,
  async () => (await import("./write.js")).suite,
  async () => (await import("./state.js")).suite,
  async () => (await import("./journal.js")).suite,
  async () => (await import("./audit.js")).suite,
  async () => (await import("./eslint.js")).suite,
  async () => (await import("./compare.js")).suite,
];

const filter = process.argv[2];
console.log(`# crashsafe bench — ${new Date().toISOString().slice(0, 10)}`);
console.log(`Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}\n`);
for (const load of suites) {
  const suite = await load();
  if (filter && !suite.name.includes(filter)) continue;
  console.log(`## ${suite.name}\n`);
  for (const group of await suite.groups()) console.log(renderGroup(await runGroup(group)));
}
