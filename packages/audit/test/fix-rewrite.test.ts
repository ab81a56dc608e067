import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseSync } from "oxc-parser";
import { analyzeProgram, audit } from "../src/index.js";
import { applyEdits, fixFile } from "../src/fix/apply.js";
import { hashText } from "../src/js/file.js";

const crashsafeDir = fileURLToPath(new URL("../../../crashsafe", import.meta.url));

/** Applies the fix of every finding in one file, as --fix does (one merged import). */
async function fixed(name: string, source: string): Promise<{ after: string; fixable: boolean[] }> {
  const dir = mkdtempSync(join(tmpdir(), "audit-fix-"));
  try {
    writeFileSync(join(dir, name), source);
    const r = await audit({ cwd: dir, fix: true });
    return { after: readFileSync(join(dir, name), "utf8"), fixable: r.findings.map((f) => f.fixable) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("sync stays sync, promise stays promise, one merged import, formatting kept", async () => {
  const src = `import fs from "node:fs";\nimport * as fsp from "node:fs/promises";\n\nexport function a(s: object) {\n  fs.writeFileSync( "a.json",  JSON.stringify(s) ); // keep me\n}\nexport async function b(s: object) {\n  await fsp.writeFile("b.json", JSON.stringify(s), "utf8");\n}\n`;
  const { after } = await fixed("x.ts", src);
  assert.equal(after, `import fs from "node:fs";\nimport * as fsp from "node:fs/promises";\nimport { writeFileAtomic, writeFileAtomicSync } from "crashsafe";\n\nexport function a(s: object) {\n  writeFileAtomicSync( "a.json",  JSON.stringify(s) ); // keep me\n}\nexport async function b(s: object) {\n  await writeFileAtomic("b.json", JSON.stringify(s), { encoding: "utf8" });\n}\n`);
});

test("CommonJS gets a require, fs-extra writeJson becomes crashsafe writeJson with space", async () => {
  const src = `const fse = require("fs-extra");\n\nasync function save(s) {\n  await fse.writeJson("s.json", s, { spaces: 2 });\n  fse.writeJsonSync("t.json", s);\n}\nmodule.exports = { save };\n`;
  const { after } = await fixed("x.cjs", src);
  assert.equal(after, `const fse = require("fs-extra");\nconst { writeJson, writeJsonSync } = require("crashsafe");\n\nasync function save(s) {\n  await writeJson("s.json", s, { space: 2 });\n  writeJsonSync("t.json", s);\n}\nmodule.exports = { save };\n`);
});

test("JSON.stringify(v, null, n) + newline becomes crashsafe writeJson (same bytes); other options keep writeFileAtomic", async () => {
  const src = `import fs from "node:fs";\nexport function a(s) {\n  fs.writeFileSync("a.json", JSON.stringify(s, null, 2) + "\\n");\n  fs.writeFileSync("b.json", JSON.stringify(s, null, 2) + "\\n", { mode: 0o600 });\n}\n`;
  const { after } = await fixed("x.mjs", src);
  assert.equal(after, `import fs from "node:fs";\nimport { writeFileAtomicSync, writeJsonSync } from "crashsafe";\nexport function a(s) {\n  writeJsonSync("a.json", s, { space: 2 });\n  writeFileAtomicSync("b.json", JSON.stringify(s, null, 2) + "\\n", { mode: 0o600 });\n}\n`);
});

test("callback forms, directory-creating writes and unknown options are not rewritten (fixable: false)", async () => {
  const src = `import fs from "fs";\nimport fse from "fs-extra";\nexport function f(s) {\n  fs.writeFile("a.json", JSON.stringify(s), () => {});\n  fse.outputJsonSync("b.json", s);\n  fs.writeFileSync("c.json", JSON.stringify(s), { flag: "w", signal: undefined });\n}\n`;
  const { after, fixable } = await fixed("x.mjs", src);
  assert.equal(after, src);
  assert.deepEqual(fixable, [false, false, false]);
});

test("an existing crashsafe import is extended, not duplicated", () => {
  const src = `import { readJson } from "crashsafe";\nimport fs from "fs";\nexport function f(s: object) { fs.writeFileSync("a.json", JSON.stringify(s)); }\n`;
  const r = parseSync("x.ts", src);
  const [f] = analyzeProgram(r.program, src, { filename: "x.ts" });
  assert.equal(applyEdits(src, f!.fix!), `import { readJson, writeFileAtomicSync } from "crashsafe";\nimport fs from "fs";\nexport function f(s: object) { writeFileAtomicSync("a.json", JSON.stringify(s)); }\n`);
});

test("--dry-run returns the unified diff and leaves the file alone", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "audit-fix-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = `import fs from "node:fs";\nfs.writeFileSync("s.json", JSON.stringify({ a: 1 }));\n`;
  writeFileSync(join(dir, "a.mjs"), src);
  const r = await audit({ cwd: dir, fix: true, dryRun: true });
  assert.equal(readFileSync(join(dir, "a.mjs"), "utf8"), src);
  assert.equal(r.fixes?.length, 1);
  assert.equal(r.fixes![0]!.written, false);
  assert.match(r.fixes![0]!.diff, /^-fs\.writeFileSync\("s\.json"/m);
  assert.match(r.fixes![0]!.diff, /^\+writeFileAtomicSync\("s\.json"/m);
});

test("the fixed program behaves the same: identical file contents, and the audit is then clean", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "audit-fix-run-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(crashsafeDir, join(dir, "node_modules", "crashsafe"), "dir");
  const src = `import fs from "node:fs";\nimport { writeFile } from "node:fs/promises";\nconst state = { fired: ["a", "b"], n: 3 };\nfs.writeFileSync("one.json", JSON.stringify(state, null, 2));\nawait writeFile("two.json", JSON.stringify(state, null, "\\t") + "\\n", "utf8");\n`;
  writeFileSync(join(dir, "app.mjs"), src);
  const run = (): string[] => {
    const p = spawnSync(process.execPath, ["app.mjs"], { cwd: dir, encoding: "utf8" });
    assert.equal(p.status, 0, p.stderr);
    return ["one.json", "two.json"].map((f) => readFileSync(join(dir, f), "utf8"));
  };
  const before = run();
  const r = await audit({ cwd: dir, fix: true, paths: ["app.mjs"] });
  assert.equal(r.fixes?.[0]?.calls, 2);
  assert.match(readFileSync(join(dir, "app.mjs"), "utf8"), /writeFileAtomicSync\("one\.json"/);
  assert.deepEqual(run(), before);
  const again = await audit({ cwd: dir, paths: ["app.mjs"] });
  assert.deepEqual(again.findings, []);
});

test("a file changed after it was analysed is not rewritten: ESTALE with the path", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "audit-fix-stale-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "a.mjs");
  const analysed = `import fs from "node:fs";\nfs.writeFileSync("s.json", JSON.stringify({}));\n`;
  const edited = `// edited meanwhile\n${analysed}`;
  writeFileSync(file, edited);
  const edits = [{ start: 26, end: 42, text: "writeFileAtomicSync" }];
  await assert.rejects(fixFile(file, "a.mjs", edits, 1, false, hashText(analysed)), (e: NodeJS.ErrnoException) => e.code === "ESTALE" && e.path === file);
  assert.equal(readFileSync(file, "utf8"), edited);
});
