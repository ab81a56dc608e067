import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { analyzePythonFiles } from "../src/python/index.js";
import { RULES, type Finding } from "../src/types.js";

const ROOT = fileURLToPath(new URL("../../test/fixtures/py", import.meta.url));

function pyFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const full = join(dir, n);
    return statSync(full).isDirectory() ? pyFiles(full) : n.endsWith(".py") ? [full] : [];
  });
}

const display = (abs: string) => relative(process.cwd(), abs).split(sep).join("/");

/** `# expect: <rule>` markers: the corpus' ground truth, one finding per marked line. */
function expectations(files: Array<{ file: string; source: string }>): Set<string> {
  const out = new Set<string>();
  for (const { file, source } of files) {
    source.split("\n").forEach((line, i) => {
      const m = /# expect: ([a-z-]+)/.exec(line);
      if (m) out.add(`${display(file)}:${i + 1}:${m[1]}`);
    });
  }
  return out;
}

describe("python fixture corpus", () => {
  const files = pyFiles(ROOT).map((file) => ({ file, source: readFileSync(file, "utf8") }));
  const expected = expectations(files);
  let found: Finding[] = [];

  it("finds at least 95% of the marked findings and nothing unmarked", async () => {
    found = await analyzePythonFiles(files);
    const got = new Set(found.map((f) => `${f.file}:${f.line}:${f.rule}`));
    const missed = [...expected].filter((e) => !got.has(e));
    const unexpected = [...got].filter((g) => !expected.has(g));
    const recall = (expected.size - missed.length) / expected.size;
    assert.ok(expected.size >= 40, `corpus too small: ${expected.size}`);
    assert.ok(recall >= 0.95, `recall ${recall.toFixed(3)}; missed:\n${missed.join("\n")}`);
    assert.deepEqual(unexpected, [], "false positives");
  });

  it("covers every rule with at least one expected finding", () => {
    const rules = new Set([...expected].map((e) => e.split(":").pop()));
    for (const rule of Object.keys(RULES)) assert.ok(rules.has(rule), `no fixture for ${rule}`);
  });

  it("reports nothing in the safe patterns", () => {
    const safe = found.filter((f) => f.file.includes("/py/safe/"));
    assert.deepEqual(safe, []);
    assert.ok(files.some((f) => f.file.includes(`${sep}safe${sep}`)));
  });

  it("answers the drill on every error: consequence, suggestion, and the severity of its rule", () => {
    for (const f of found) {
      if (f.rule === "parse-error") continue;
      assert.equal(f.severity, RULES[f.rule].severity);
      if (f.severity !== "note") {
        assert.ok(f.consequence && f.consequence.length > 20, `no consequence: ${f.file}:${f.line}`);
        assert.ok(f.suggestion && f.suggestion.length > 20, `no suggestion: ${f.file}:${f.line}`);
      }
    }
  });
});
