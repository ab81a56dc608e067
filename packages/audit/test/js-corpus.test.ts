import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { audit } from "../src/index.js";

// dist/test → the source fixtures (they are not compiled).
const root = fileURLToPath(new URL("../../test/fixtures/js", import.meta.url));

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}

/** `// expect: rule-a, rule-b` at the end of a line marks the findings expected on it. */
function expectations(): Set<string> {
  const out = new Set<string>();
  for (const file of listFiles(root)) {
    readFileSync(file, "utf8").split("\n").forEach((line, i) => {
      const m = /\/\/ expect: ([a-z, -]+)$/.exec(line);
      for (const rule of m?.[1]?.split(",") ?? []) out.add(`${relative(root, file)}:${i + 1}:${rule.trim()}`);
    });
  }
  return out;
}

test("fixture corpus: recall >= 95% and no finding that was not expected", async () => {
  const report = await audit({ cwd: root });
  const expected = expectations();
  const got = new Set(report.findings.map((f) => `${f.file}:${f.line}:${f.rule}`));
  const missed = [...expected].filter((e) => !got.has(e));
  const unexpected = [...got].filter((g) => !expected.has(g));
  const recall = (expected.size - missed.length) / expected.size;
  assert.ok(expected.size >= 50, `corpus too small: ${expected.size}`);
  assert.ok(recall >= 0.95, `recall ${(recall * 100).toFixed(1)}%, missed:\n${missed.join("\n")}`);
  assert.deepEqual(unexpected, [], "false positives");
  const safe = report.findings.filter((f) => f.file.startsWith("safe/"));
  assert.deepEqual(safe, [], "safe patterns must produce no finding");
});

test("fixture corpus: every rule has positives in the corpus", async () => {
  const rules = new Set([...expectations()].map((e) => e.split(":")[2]));
  for (const rule of ["direct-state-write", "silent-state-reset", "non-durable-replace", "shared-temp-name", "setup-write", "parse-error"]) assert.ok(rules.has(rule), rule);
});
