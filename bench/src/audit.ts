/**
 * `npm run bench audit`: `crashsafe audit` over a generated project — lines per second on worker
 * threads and on one thread for about 1,000,000 lines of JS/TS and 1,000,000 lines of Python, then
 * side by side with ESLint running only eslint-plugin-crashsafe's rules (its recommended config)
 * over the same JS/TS files.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ESLint } from "eslint";
import { audit } from "@crashsafe/audit";
import crashsafe from "eslint-plugin-crashsafe";
import type { BenchCase, BenchGroup } from "./harness.js";
import type { BenchSuite } from "./run.js";
import { generateProject, generatePythonProject } from "./audit-corpus.js";

const BIG_LINES = Number(process.env.AUDIT_BENCH_LINES ?? 1_000_000);
const ESLINT_LINES = Number(process.env.AUDIT_BENCH_ESLINT_LINES ?? 100_000);
const PY_LINES = Number(process.env.AUDIT_BENCH_PY_LINES ?? 1_000_000);

/** CPU seconds per round, all threads of the process (the machine may be shared: wall time is not the work). */
const cpuSeconds = new Map<string, number[]>();

function medianCpu(name: string): string {
  const v = [...(cpuSeconds.get(name) ?? [])].sort((a, b) => a - b);
  return v.length ? `${v[v.length >> 1]!.toFixed(1)} s` : "n/a";
}

function timedCpu<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const c0 = process.cpuUsage();
  return fn().finally(() => {
    const c = process.cpuUsage(c0);
    cpuSeconds.set(name, [...(cpuSeconds.get(name) ?? []), (c.user + c.system) / 1e6]);
  });
}

function auditCase(name: string, cwd: string, workers: number, count: (n: number) => void): BenchCase {
  return {
    name,
    async round() {
      const r = await timedCpu(`${cwd}\0${name}`, () => audit({ cwd, workers }));
      count(r.findings.length);
    },
  };
}

function eslintCase(cwd: string, count: (n: number) => void): BenchCase {
  return {
    name: "ESLint, crashsafe rules only",
    async round() {
      const eslint = new ESLint({ cwd, overrideConfigFile: true, overrideConfig: [crashsafe.configs.recommended], cache: false });
      const results = await eslint.lintFiles(["."]);
      count(results.reduce((n, r) => n + r.messages.filter((m) => m.ruleId?.startsWith("crashsafe/")).length, 0));
    },
  };
}

function counter(counts: Map<string, number>, name: string): (n: number) => void {
  return (n) => void counts.set(name, n);
}

export const suite: BenchSuite = {
  name: "audit",
  async groups() {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "crashsafe-audit-bench-"));
    const big = generateProject(path.join(root, "big"), BIG_LINES);
    const small = generateProject(path.join(root, "small"), ESLINT_LINES);
    const py = generatePythonProject(path.join(root, "py"), PY_LINES);
    const workers = Math.min(os.availableParallelism(), 8);
    const counts = new Map<string, number>();
    /** One tree audited with the worker pool and on one thread: lines/s, findings and CPU of each. */
    const threadsGroup = (title: string, dir: string, lines: number, key: string, notes: string[]): BenchGroup => ({
      title,
      baseline: `audit, ${workers} threads`,
      opsPerRound: lines,
      rounds: 3,
      cases: [auditCase(`audit, ${workers} threads`, dir, workers, counter(counts, key)), auditCase("audit, 1 thread", dir, 1, counter(counts, `${key}1`))],
      notes: () => [
        ...notes,
        `findings per round: ${counts.get(key)} (${counts.get(`${key}1`)} on one thread)`,
        `CPU time per round (all threads): ${medianCpu(`${dir}\0audit, ${workers} threads`)} with workers, ${medianCpu(`${dir}\0audit, 1 thread`)} on one thread; load average at the end: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`,
      ],
    });
    const throughput = threadsGroup(
      `crashsafe audit, ${big.files.length.toLocaleString("en-US")} files, ${big.lines.toLocaleString("en-US")} lines`,
      path.join(root, "big"), big.lines, "big",
      ["ops/s = source lines per second (file selection, parsing, analysis, cross-file linking)", "target: under 10 s per 1,000,000 lines on 2 cores"],
    );
    const python = threadsGroup(
      `crashsafe audit, Python only, ${py.files.length.toLocaleString("en-US")} files, ${py.lines.toLocaleString("en-US")} lines`,
      path.join(root, "py"), py.lines, "py",
      ["ops/s = source lines per second; parsing (tree-sitter) runs on the worker threads, the cross-file stage (models, helper index, rules, reader linking) on the calling thread"],
    );
    const versus: BenchGroup = {
      title: `crashsafe audit vs ESLint with eslint-plugin-crashsafe, ${small.files.length.toLocaleString("en-US")} files, ${small.lines.toLocaleString("en-US")} lines`,
      baseline: "ESLint, crashsafe rules only",
      opsPerRound: small.lines,
      rounds: 3,
      cases: [
        eslintCase(path.join(root, "small"), counter(counts, "eslint")),
        auditCase(`audit, ${workers} threads`, path.join(root, "small"), workers, counter(counts, "small")),
        auditCase("audit, 1 thread", path.join(root, "small"), 1, counter(counts, "small1")),
      ],
      notes: () => {
        fs.rmSync(root, { recursive: true, force: true });
        return [
          "ops/s = source lines per second; ESLint runs in-process on one thread (its default), parsing TS with @typescript-eslint/parser",
          `target: audit >= 5x faster than ESLint; findings per round: audit ${counts.get("small")}, ESLint ${counts.get("eslint")} (ESLint has no cross-file pass: helpers imported from other modules are only followed by the audit)`,
        ];
      },
    };
    return [throughput, python, versus];
  },
};
