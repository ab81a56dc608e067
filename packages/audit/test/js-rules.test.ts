import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSync } from "oxc-parser";
import { analyzeProgram, type ProgramFinding } from "../src/index.js";

function analyze(source: string, filename = "src/app.ts"): ProgramFinding[] {
  const r = parseSync(filename, source);
  assert.deepEqual(r.errors, [], "snippet must parse");
  return analyzeProgram(r.program, source, { filename, comments: r.comments });
}

const rules = (source: string, filename?: string): string[] => analyze(source, filename).map((f) => f.rule);

test("direct-state-write: fs.writeFileSync of JSON.stringify", () => {
  const src = `import fs from "node:fs";\nexport function save(s: object) { fs.writeFileSync("state.json", JSON.stringify(s)); }`;
  const [f] = analyze(src);
  assert.equal(f?.rule, "direct-state-write");
  assert.equal(src.slice(f!.start, f!.end), `fs.writeFileSync("state.json", JSON.stringify(s))`);
  assert.match(f!.message, /state\.json/);
});

test("direct-state-write: not reported for atomic libraries or non-state data", () => {
  assert.deepEqual(rules(`import { writeFileSync } from "atomically";\nwriteFileSync("s.json", JSON.stringify({}));`), []);
  assert.deepEqual(rules(`import { writeFile } from "crashsafe";\nawait writeFile("s.json", JSON.stringify({}));`), []);
  assert.deepEqual(rules(`import fs from "fs";\nfs.writeFileSync("page.html", "<p>hi</p>");`), []);
  assert.deepEqual(rules(`import fs from "fs";\nfs.writeFileSync("log.json", JSON.stringify({}), { flag: "a" });`), []);
});

test("direct-state-write: resolves require, namespace imports and fs-extra's writeJson", () => {
  assert.deepEqual(rules(`const { writeFile } = require("fs/promises");\nasync function f(p, s) { await writeFile(p, JSON.stringify(s)); }`, "src/a.js"), ["direct-state-write"]);
  assert.deepEqual(rules(`import * as fsp from "node:fs/promises";\nexport async function f(p: string, s: object) { await fsp.writeFile(p, JSON.stringify(s)); }`), ["direct-state-write"]);
  assert.deepEqual(rules(`import fs from "fs-extra";\nexport async function f(p: string, s: object) { await fs.writeJson(p, s); }`), ["direct-state-write"]);
});

test("direct-state-write: a local helper is reported at its call sites, named in the message", () => {
  const src = `import fs from "fs";\nfunction saveJson(p: string, d: unknown) { fs.writeFileSync(p, JSON.stringify(d)); }\nsaveJson("a.json", 1);\nsaveJson("b.json", 2);`;
  const found = analyze(src);
  assert.deepEqual(found.map((f) => src.slice(f.start, f.end)), [`saveJson("a.json", 1)`, `saveJson("b.json", 2)`]);
  assert.ok(found.every((f) => f.message.includes("saveJson()")));
});

test("silent-state-reset: catch that returns a default, even when it logs", () => {
  const src = `import fs from "fs";\nexport function load(p: string) {\n  try { return JSON.parse(fs.readFileSync(p, "utf8")); }\n  catch (e) { console.error(e); return {}; }\n}`;
  const [f] = analyze(src);
  assert.equal(f?.rule, "silent-state-reset");
  assert.equal(src.slice(f!.start, f!.end).trim(), "catch (e)");
});

test("silent-state-reset: re-throw, ENOENT-only default, exit and backup recovery are fine", () => {
  const wrap = (handler: string): string => `import fs from "fs";\nexport function load(p: string) {\n  try { return JSON.parse(fs.readFileSync(p, "utf8")); }\n  catch (e: any) { ${handler} }\n}`;
  assert.deepEqual(rules(wrap("throw e;")), []);
  assert.deepEqual(rules(wrap(`if (e.code === "ENOENT") return {}; throw e;`)), []);
  assert.deepEqual(rules(wrap(`if (e.code === "ENOENT") return {};`)), []);
  assert.deepEqual(rules(wrap(`process.exit(1);`)), []);
  assert.deepEqual(rules(wrap(`return JSON.parse(fs.readFileSync(p + ".bak", "utf8"));`)), []);
  assert.deepEqual(rules(wrap(`if (e.code !== "ENOENT") console.warn(e); return {};`)), ["silent-state-reset"]);
});

test("silent-state-reset: parsing something that was not read from a file is not a state reader", () => {
  assert.deepEqual(rules(`export function parse(body: string) { try { return JSON.parse(body); } catch { return {}; } }`), []);
});

test("non-durable-replace: temp + rename without fsync; temp in os.tmpdir()", () => {
  const noSync = `import fs from "fs";\nexport function w(p: string, s: object) { const t = p + "." + process.pid; fs.writeFileSync(t, JSON.stringify(s)); fs.renameSync(t, p); }`;
  assert.deepEqual(rules(noSync), ["non-durable-replace"]);
  const tmpdir = `import fs from "fs"; import os from "os"; import path from "path";\nexport function w(p: string, s: object) { const t = path.join(os.tmpdir(), "x-" + Date.now()); const fd = fs.openSync(t, "w"); fs.writeSync(fd, JSON.stringify(s)); fs.fsyncSync(fd); fs.renameSync(t, p); }`;
  assert.deepEqual(rules(tmpdir), ["non-durable-replace"]);
  const durable = `import fs from "fs";\nexport function w(p: string, s: object) { const t = p + "." + process.pid; const fd = fs.openSync(t, "wx"); fs.writeSync(fd, JSON.stringify(s)); fs.fsyncSync(fd); fs.closeSync(fd); fs.renameSync(t, p); }`;
  assert.deepEqual(rules(durable), []);
});

test("shared-temp-name: a fixed temp name; a per-writer name is fine", () => {
  const fixed = `import fs from "fs";\nexport function w(p: string, s: object) { const t = \`\${p}.tmp\`; const fd = fs.openSync(t, "w"); fs.writeSync(fd, JSON.stringify(s)); fs.fsyncSync(fd); fs.renameSync(t, p); }`;
  assert.deepEqual(rules(fixed), ["shared-temp-name"]);
  assert.deepEqual(rules(fixed.replace("${p}.tmp", "${p}.${process.pid}.${Math.random()}.tmp")), []);
});

test("setup-write: build scripts, first-run creation and exports are notes, not errors", () => {
  assert.deepEqual(rules(`import fs from "fs";\nfs.writeFileSync("out.json", JSON.stringify({}));`, "scripts/build.mjs"), ["setup-write"]);
  assert.deepEqual(rules(`import fs from "fs";\nconst C = "config.json";\nif (!fs.existsSync(C)) fs.writeFileSync(C, JSON.stringify({}));`), ["setup-write"]);
  assert.deepEqual(rules(`import fs from "fs";\nexport function exportReport(p: string, r: object) { fs.writeFileSync(p, JSON.stringify(r)); }`), ["setup-write"]);
  assert.deepEqual(rules(`import fs from "fs";\nfs.writeFileSync("out.json", JSON.stringify({}));`, "src/server.mjs"), ["direct-state-write"]);
});

test("crashsafe-ignore suppresses the named rule on its line and the next only", () => {
  const src = `import fs from "fs";\n// crashsafe-ignore direct-state-write: debug dump\nfs.writeFileSync("a.json", JSON.stringify(1));\nfs.writeFileSync("b.json", JSON.stringify(2));\nfs.writeFileSync("c.json", JSON.stringify(3)); // crashsafe-ignore silent-state-reset: wrong rule`;
  assert.deepEqual(analyze(src).map((f) => src.slice(f.start, f.end).slice(17, 25)), [`"b.json"`, `"c.json"`]);
});

/** typescript-eslint puts offsets in `range`, not `start`/`end`: convert an oxc tree to that shape. */
function toRangeTree(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toRangeTree);
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) if (k !== "start" && k !== "end") out[k] = toRangeTree(v);
  const n = node as { start?: number; end?: number; type?: string };
  if (typeof n.type === "string" && n.start !== undefined) out.range = [n.start, n.end];
  return out;
}

test("analyzeProgram accepts typescript-eslint style trees (range offsets) with the same results", () => {
  const src = `import fs from "node:fs";\n// crashsafe-ignore silent-state-reset: checked\nexport function save(s: object) { fs.writeFileSync("state.json", JSON.stringify(s)); }`;
  const r = parseSync("a.ts", src, { preserveParens: false });
  const comments = r.comments.map((c) => ({ type: c.type, value: c.value, range: [c.start, c.end] as [number, number] }));
  const viaRange = analyzeProgram(toRangeTree(r.program), src, { filename: "a.ts", comments: comments as never });
  const viaOxc = analyzeProgram(r.program, src, { filename: "a.ts", comments: r.comments });
  assert.equal(viaRange.length, 1);
  assert.deepEqual(viaRange, viaOxc);
});

test("fix edits rewrite the call and add the import", () => {
  const src = `import fs from "node:fs";\nexport function save(s: object) { fs.writeFileSync("state.json", JSON.stringify(s)); }`;
  const [f] = analyze(src);
  const edits = [...f!.fix!].sort((a, b) => b.start - a.start);
  let out = src;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  assert.equal(out, `import fs from "node:fs";\nimport { writeFileAtomicSync } from "crashsafe";\nexport function save(s: object) { writeFileAtomicSync("state.json", JSON.stringify(s)); }`);
});
