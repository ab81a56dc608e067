import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { audit } from "../src/index.js";
import { analyzePythonFiles } from "../src/python/index.js";
import { selectFiles } from "../src/files.js";

// dist/test → the source fixtures (they are not compiled).
const PY_FIXTURES = fileURLToPath(new URL("../../test/fixtures/py", import.meta.url));

/**
 * The Python fixture corpus, a file that does not parse, and enough small JS files that the pool
 * starts a worker: Python files go out first, so the worker thread parses them (its first batches).
 */
function mixedProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "audit-py-pool-"));
  cpSync(PY_FIXTURES, join(dir, "py"), { recursive: true });
  writeFileSync(join(dir, "py", "broken.py"), "def save(:\n    pass\n");
  for (let i = 0; i < 20; i++) writeFileSync(join(dir, `m${i}.js`), `module.exports = ${i};\n`);
  return dir;
}

test("audit(): Python findings are the same with Python parsed on worker threads and on the calling thread", async (t) => {
  const dir = mixedProject();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pooled = await audit({ cwd: dir, workers: 2 });
  const single = await audit({ cwd: dir, workers: 1 });
  assert.deepEqual(pooled, single);
  const py = pooled.findings.filter((f) => f.file.endsWith(".py"));
  // Cross-file helper findings (reported through a helper of another module) survive the split.
  assert.ok(py.some((f) => f.via !== undefined), "a finding through a helper");
  assert.ok(py.some((f) => f.rule === "parse-error"), "the file with a syntax error");
  assert.ok(py.length >= 30, `only ${py.length} Python findings`);
});

test("audit(): pooled Python findings equal analyzePythonFiles over the same files", async (t) => {
  const dir = mixedProject();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = (await selectFiles(["."], { cwd: dir })).filter((f) => f.endsWith(".py"));
  const direct = await analyzePythonFiles(files.map((file) => ({ file, source: readFileSync(file, "utf8") })), { cwd: dir });
  const pooled = await audit({ cwd: dir, workers: 2 });
  const byPosition = (a: { file: string; line: number; column: number; rule: string }, b: typeof a) =>
    a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule);
  assert.deepEqual(pooled.findings.filter((f) => f.file.endsWith(".py")).sort(byPosition), [...direct].sort(byPosition));
});
