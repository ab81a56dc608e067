import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { audit } from "../src/index.js";

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "audit-api-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

test("audit(): JSON shape, files relative to cwd, summary counts", async (t) => {
  const dir = project({
    "src/state.ts": `import fs from "node:fs";\nexport function save(s: object) { fs.writeFileSync("state.json", JSON.stringify(s)); }\n`,
    "src/ok.ts": `export const x = 1;\n`,
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await audit({ cwd: dir });
  assert.equal(r.version, 1);
  assert.deepEqual(r.summary, { files: 2, error: 1, warning: 0, note: 0 });
  const [f] = r.findings;
  assert.equal(f?.file, "src/state.ts");
  assert.equal(f?.line, 2);
  assert.equal(f?.column, 35);
  assert.equal(f?.severity, "error");
  assert.equal(f?.fixable, true);
  assert.match(f!.consequence!, /state\.json/);
});

test("audit(): a file that does not parse is a parse-error finding with the reason", async (t) => {
  const dir = project({ "src/bad.ts": `export function f( {\n  const = ;\n` });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await audit({ cwd: dir });
  assert.equal(r.findings.length, 1);
  assert.equal(r.findings[0]!.rule, "parse-error");
  assert.equal(r.findings[0]!.file, "src/bad.ts");
  assert.match(r.findings[0]!.message, /parse/i);
  assert.equal(r.summary.error, 1);
});

test("audit(): exported helpers are followed to call sites in other modules, named in `via`", async (t) => {
  const dir = project({
    "src/store.ts": `import fs from "node:fs";\nexport function saveJson(p: string, v: unknown) {\n  fs.writeFileSync(p, JSON.stringify(v));\n}\n`,
    "src/app.ts": `import { saveJson } from "./store.js";\nsaveJson("alerts.json", []);\nsaveJson("fired.json", {});\n`,
    "src/boot.ts": `import fs from "node:fs";\ntry { JSON.parse(fs.readFileSync("fired.json", "utf8")); } catch { console.log("fresh start"); }\n`,
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await audit({ cwd: dir });
  const writes = r.findings.filter((f) => f.rule === "direct-state-write");
  assert.deepEqual(writes.map((f) => `${f.file}:${f.line}`), ["src/app.ts:2", "src/app.ts:3"]);
  assert.ok(writes.every((f) => f.via === "saveJson (src/store.ts:3)"));
  const fired = writes[1]!;
  assert.deepEqual(fired.readers, ["src/boot.ts:2"]);
  assert.match(fired.consequence!, /silently carries on with empty state/);
  const reset = r.findings.find((f) => f.rule === "silent-state-reset" && f.file === "src/boot.ts");
  assert.match(reset?.consequence ?? "", /starts from empty state/);
});

test("audit(): readers through helpers are linked to the writer of the same path expression", async (t) => {
  const dir = project({
    "src/queue.ts": `import fs from "node:fs";\nexport function loadQueue(file: string) {\n  return JSON.parse(fs.readFileSync(file, "utf8"));\n}\nexport function saveQueue(file: string, q: unknown) {\n  fs.writeFileSync(file, JSON.stringify(q));\n}\n`,
    "src/main.ts": `import { loadQueue, saveQueue } from "./queue.js";\nexport class App {\n  constructor(private files: { queue: string }) {}\n  start() { return loadQueue(this.files.queue); }\n  stop(q: unknown) { saveQueue(this.files.queue, q); }\n}\n`,
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await audit({ cwd: dir });
  const [w] = r.findings;
  assert.equal(r.findings.length, 1);
  assert.equal(`${w!.file}:${w!.line}`, "src/main.ts:5");
  assert.deepEqual(w!.readers, ["src/queue.ts:3"]);
  assert.match(w!.consequence!, /throws a parse error/);
});

test("audit(): a path constant imported by writer and reader modules links them", async (t) => {
  const dir = project({
    "src/paths.ts": `export const STATE_FILE = process.env.STATE_FILE ?? "data";\n`,
    "src/writer.ts": `import fs from "node:fs";\nimport { STATE_FILE } from "./paths.js";\nexport function save(s: object) { fs.writeFileSync(STATE_FILE, JSON.stringify(s)); }\n`,
    "src/reader.ts": `import fs from "node:fs";\nimport { STATE_FILE } from "./paths.js";\nexport function load() {\n  return JSON.parse(fs.readFileSync(STATE_FILE, "utf8"));\n}\n`,
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await audit({ cwd: dir });
  const [w] = r.findings;
  assert.equal(r.findings.length, 1);
  assert.match(w!.message, /`STATE_FILE`/);
  assert.deepEqual(w!.readers, ["src/reader.ts:4"]);
  assert.match(w!.consequence!, /src\/reader\.ts:4 throws a parse error/);
});

test("audit(): many files go through the worker pool with the same results as in-process", async (t) => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 60; i++) files[`src/m${i}.js`] = i % 3 === 0 ? `const fs = require("fs");\nfs.writeFileSync("s${i}.json", JSON.stringify({ i: ${i} }));\n` : `module.exports = ${i};\n`;
  const dir = project(files);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pooled = await audit({ cwd: dir, workers: 2 });
  const single = await audit({ cwd: dir, workers: 1 });
  assert.equal(pooled.findings.length, 20);
  assert.deepEqual(pooled, single);
});

test("audit(): --ignore globs and suppressions are honoured", async (t) => {
  const dir = project({
    "src/a.ts": `import fs from "node:fs";\nfs.writeFileSync("a.json", JSON.stringify(1)); // crashsafe-ignore direct-state-write: test data\n`,
    "legacy/b.ts": `import fs from "node:fs";\nfs.writeFileSync("b.json", JSON.stringify(1));\n`,
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await audit({ cwd: dir, ignore: ["legacy/**"] });
  assert.deepEqual(r.findings, []);
  assert.equal(r.summary.files, 1);
});

test("audit(): setup context is judged inside the project, not by where the project lives", async (t) => {
  const parent = mkdtempSync(join(tmpdir(), "audit-root-"));
  t.after(() => rmSync(parent, { recursive: true, force: true }));
  const write = `import fs from "node:fs";\nfs.writeFileSync("s.json", JSON.stringify({}));\n`;
  mkdirSync(join(parent, "tests", "app", "src"), { recursive: true });
  mkdirSync(join(parent, "tests", "app", "scripts"), { recursive: true });
  writeFileSync(join(parent, "tests", "app", "package.json"), "{}\n");
  writeFileSync(join(parent, "tests", "app", "src", "a.mjs"), write);
  writeFileSync(join(parent, "tests", "app", "scripts", "b.mjs"), write);
  const r = await audit({ cwd: parent, paths: ["tests/app"] });
  assert.deepEqual(r.findings.map((f) => `${f.file} ${f.rule}`), ["tests/app/scripts/b.mjs setup-write", "tests/app/src/a.mjs direct-state-write"]);
});

test("audit(): a missing path rejects with ENOENT and the path", async () => {
  await assert.rejects(audit({ cwd: tmpdir(), paths: ["definitely-not-here-4711"] }), (e: NodeJS.ErrnoException) => e.code === "ENOENT" && String(e.path).includes("definitely-not-here-4711"));
});
