/**
 * The ESLint plugin against the auditor's own path, over the same files: what running the rules
 * inside ESLint costs compared with ESLint's own parsing, and with the detection core over
 * oxc-parser (what `crashsafe audit` does per file, before its cross-file pass).
 * (`crashsafe audit` against ESLint on a generated project is the audit suite's, bench/src/audit.ts.)
 * `eslintGroup(files)` builds the group for any files; `suite` runs it over this repository.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Linter } from "eslint";
import { parseSync } from "oxc-parser";
import { analyzeProgram } from "@crashsafe/audit";
import crashsafe from "eslint-plugin-crashsafe";
import type { BenchCase, BenchGroup } from "./harness.js";
import type { BenchSuite } from "./run.js";

const JS_FILE = /\.(?:[cm]?[jt]sx?)$/;
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Source {
  file: string;
  text: string;
}

/** ESLint's parse + scope analysis with the recommended config's parser and no rules. */
const parseOnly: Linter.Config = { ...crashsafe.configs.recommended, rules: {} };

function lintCase(name: string, sources: Source[], config: Linter.Config, count: (n: number) => void): BenchCase {
  const linter = new Linter({ cwd: ROOT });
  return {
    name,
    round() {
      let reported = 0;
      for (const s of sources) reported += linter.verify(s.text, [config], s.file).filter((m) => m.ruleId?.startsWith("crashsafe/")).length;
      count(reported);
    },
  };
}

function coreCase(sources: Source[], count: (n: number) => void): BenchCase {
  return {
    name: "analyzeProgram over oxc-parser",
    round() {
      let reported = 0;
      for (const s of sources) {
        const rel = path.relative(ROOT, s.file);
        const parsed = parseSync(rel, s.text, /\.[cm]?jsx?$/.test(rel) ? { lang: "jsx" } : {});
        reported += analyzeProgram(parsed.program, s.text, { filename: rel, comments: parsed.comments }).filter((f) => f.rule !== "setup-write").length;
      }
      count(reported);
    },
  };
}

/**
 * One group: every file linted once per round by (a) ESLint with the recommended config's parser
 * and no rules — the baseline, (b) ESLint with `crashsafe.configs.recommended`, (c) the detection
 * core over oxc-parser. Notes give the lines per second and the finding counts of (b) and (c).
 */
export function eslintGroup(files: string[], options: { title?: string; rounds?: number } = {}): BenchGroup {
  const sources = files.map((file) => ({ file: path.resolve(file), text: fs.readFileSync(file, "utf8") }));
  const lines = sources.reduce((n, s) => n + s.text.split("\n").length, 0);
  const counts = new Map<string, number>();
  const counter = (name: string) => (n: number) => void counts.set(name, n);
  return {
    title: options.title ?? `lint ${sources.length} JS/TS files (${lines.toLocaleString("en-US")} lines)`,
    baseline: "ESLint parse only",
    opsPerRound: sources.length,
    rounds: options.rounds ?? 10,
    cases: [
      lintCase("ESLint parse only", sources, parseOnly, counter("parse")),
      lintCase("ESLint + crashsafe recommended", sources, crashsafe.configs.recommended, counter("eslint")),
      coreCase(sources, counter("core")),
    ],
    notes: () => [
      `ops/s = files per second; ${lines.toLocaleString("en-US")} lines per round`,
      `findings per round: ESLint plugin ${counts.get("eslint") ?? 0}, analyzeProgram ${counts.get("core") ?? 0} (equal unless an eslint-disable comment hides some from ESLint)`,
    ],
  };
}

function jsFilesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && JS_FILE.test(e.name) && !e.name.endsWith(".d.ts"))
    .map((e) => path.join(e.parentPath, e.name));
}

/** `npm run bench eslint`: this repository's sources plus the audit's JS fixture corpus. */
export const suite: BenchSuite = {
  name: "eslint",
  async groups() {
    const dirs = ["packages/crashsafe/src", "packages/audit/src", "packages/cli/src", "packages/eslint-plugin/src", "examples/signal-pipeline/src", "packages/audit/test/fixtures/js"];
    return [eslintGroup(dirs.flatMap((d) => jsFilesUnder(path.join(ROOT, d))), { rounds: 5 })];
  },
};
