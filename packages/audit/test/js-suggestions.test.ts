/**
 * Editor suggestions of the JS/TS core: a reviewed rewrite of direct writes that have no autofix,
 * and the rethrow-all-but-ENOENT rewrite of silent resets. Each suggestion is applied to the source
 * and the result compared, and the result is analysed again: the finding must be gone.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parseSync } from "oxc-parser";
import ts from "typescript";
import { analyzeProgram, type ProgramFinding } from "../src/index.js";
import { applyEdits } from "../src/fix/apply.js";

function analyze(source: string, filename: string): ProgramFinding[] {
  const r = parseSync(filename, source);
  assert.deepEqual(r.errors, [], "snippet must parse");
  return analyzeProgram(r.program, source, { filename, comments: r.comments });
}

/** The one finding of `rule` in `source`, its single suggestion applied; the rewrite no longer has that finding. */
function suggested(source: string, rule: string, filename = "src/app.js"): { desc: string; output: string } {
  const found = analyze(source, filename).filter((f) => f.rule === rule);
  assert.equal(found.length, 1, `one ${rule} finding`);
  const [f] = found;
  assert.equal(f!.fix, undefined, "a suggestion, not an autofix");
  assert.equal(f!.suggestions?.length, 1, "one suggestion");
  const [s] = f!.suggestions!;
  const output = applyEdits(source, s!.edits);
  assert.deepEqual(analyze(output, filename).filter((x) => x.rule === rule), [], "the suggestion resolves the finding");
  return { desc: s!.desc, output };
}

function noSuggestion(source: string, rule: string, filename = "src/app.js"): void {
  const found = analyze(source, filename).filter((f) => f.rule === rule);
  assert.equal(found.length, 1, `one ${rule} finding`);
  assert.equal(found[0]!.suggestions, undefined);
}

/** Type errors of `code` as a strict TypeScript module of this package (so that @types/node resolves). */
function typeErrors(code: string): string[] {
  const file = fileURLToPath(new URL("../../test/suggested.ts", import.meta.url));
  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, lib: ["lib.es2022.d.ts"], types: ["node"] };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile } = host;
  host.fileExists = (f) => f === file || fileExists(f);
  host.readFile = (f) => (f === file ? code : readFile(f));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

const RETHROW = (e: string): string => `if (!(${e} instanceof Error && "code" in ${e} && ${e}.code === "ENOENT")) throw ${e};`;

test("direct-state-write: callback fs.writeFile → writeFileAtomic(…).then(() => cb(null), cb), options carried over", () => {
  const s = suggested('import fs from "fs";\nexport function save(state, cb) {\n  fs.writeFile("state.json", JSON.stringify(state), "utf8", cb);\n}\n', "direct-state-write");
  assert.match(s.desc, /^Replace with crashsafe's writeFileAtomic \(review: the callback now runs from a promise/);
  assert.equal(s.output, 'import fs from "fs";\nimport { writeFileAtomic } from "crashsafe";\nexport function save(state, cb) {\n  writeFileAtomic("state.json", JSON.stringify(state), { encoding: "utf8" }).then(() => cb(null), cb);\n}\n');
});

test("direct-state-write: an inline callback gets null or the error, from the promise", () => {
  const s = suggested('const fs = require("fs");\nfs.writeFile("state.json", JSON.stringify(state), (err) => {\n  if (err) console.error(err);\n});\n', "direct-state-write", "src/app.cjs");
  assert.equal(s.output, 'const fs = require("fs");\nconst { writeFileAtomic } = require("crashsafe");\nwriteFileAtomic("state.json", JSON.stringify(state)).then(() => null, (err) => err).then((err) => {\n  if (err) console.error(err);\n});\n');
});

test("direct-state-write: fs-extra outputJson/outputFile → writeJson/writeFileAtomic, noting that the directory must exist", () => {
  const json = suggested('import fse from "fs-extra";\nexport async function f(s) { await fse.outputJson("snap/latest.json", s, { spaces: 2 }); }\n', "direct-state-write");
  assert.match(json.desc, /writeJson \(review: the parent directory is no longer created, it must exist\)/);
  assert.equal(json.output, 'import fse from "fs-extra";\nimport { writeJson } from "crashsafe";\nexport async function f(s) { await writeJson("snap/latest.json", s, { space: 2 }); }\n');
  const sync = suggested('const fse = require("fs-extra");\nfse.outputJsonSync("state.json", state);\n', "direct-state-write", "src/a.cjs");
  assert.equal(sync.output, 'const fse = require("fs-extra");\nconst { writeJsonSync } = require("crashsafe");\nwriteJsonSync("state.json", state);\n');
  const file = suggested('import { outputFileSync } from "fs-extra";\noutputFileSync("state.json", JSON.stringify(state));\n', "direct-state-write");
  assert.equal(file.output, 'import { outputFileSync } from "fs-extra";\nimport { writeFileAtomicSync } from "crashsafe";\nwriteFileAtomicSync("state.json", JSON.stringify(state));\n');
});

test("direct-state-write: fs-extra writeJson with a callback keeps its options and moves the callback", () => {
  const s = suggested('import fse from "fs-extra";\nfse.writeJson("state.json", state, { spaces: 2 }, done);\n', "direct-state-write");
  assert.equal(s.output, 'import fse from "fs-extra";\nimport { writeJson } from "crashsafe";\nwriteJson("state.json", state, { space: 2 }).then(() => done(null), done);\n');
});

test("direct-state-write: Bun.write of serialized text and jsonfile → crashsafe, with what to review", () => {
  const bun = suggested('export async function f(cursor: unknown) {\n  await Bun.write("cursor.json", JSON.stringify(cursor));\n}\n', "direct-state-write", "src/bun.ts");
  assert.match(bun.desc, /byte count/);
  assert.equal(bun.output, 'import { writeFileAtomic } from "crashsafe";\nexport async function f(cursor: unknown) {\n  await writeFileAtomic("cursor.json", JSON.stringify(cursor));\n}\n');
  const jf = suggested('const jsonfile = require("jsonfile");\njsonfile.writeFileSync("sessions.json", sessions, { spaces: 2 });\n', "direct-state-write", "src/a.cjs");
  assert.equal(jf.output, 'const jsonfile = require("jsonfile");\nconst { writeJsonSync } = require("crashsafe");\nwriteJsonSync("sessions.json", sessions, { space: 2 });\n');
});

test("direct-state-write: no suggestion where the rewrite would be wrong", () => {
  // An option crashsafe does not take, a method callback (its `this`), Blob data, a name taken by something else.
  noSuggestion('import fs from "fs";\nfs.writeFile("state.json", JSON.stringify(s), { signal }, cb);\n', "direct-state-write");
  noSuggestion('import fs from "fs";\nfs.writeFile("state.json", JSON.stringify(s), this.done);\n', "direct-state-write");
  noSuggestion('await Bun.write("state.json", new Blob([JSON.stringify(s)]));\n', "direct-state-write", "src/bun.ts");
  noSuggestion('import fse from "fs-extra";\nconst writeJsonSync = 1;\nfse.outputJsonSync("state.json", s);\n', "direct-state-write");
});

test("direct-state-write: an autofixable write offers its autofix as the suggestion, nothing else", () => {
  const [f] = analyze('import fs from "fs";\nfs.writeFileSync("state.json", JSON.stringify(s));\n', "src/app.js");
  assert.ok(f?.fix);
  assert.deepEqual(f.suggestions, [{ desc: "Replace with crashsafe's writeFileAtomicSync", edits: f.fix }]);
});

test("silent-state-reset: a catch with a parameter rethrows it first, on its own line", () => {
  const s = suggested('import fs from "fs";\nexport function load() {\n  try {\n    return JSON.parse(fs.readFileSync("state.json", "utf8"));\n  } catch (e) {\n    console.warn(e);\n    return {};\n  }\n}\n', "silent-state-reset");
  assert.equal(s.desc, "Rethrow errors other than ENOENT (a missing file keeps the default)");
  assert.equal(s.output, `import fs from "fs";\nexport function load() {\n  try {\n    return JSON.parse(fs.readFileSync("state.json", "utf8"));\n  } catch (e) {\n    ${RETHROW("e")}\n    console.warn(e);\n    return {};\n  }\n}\n`);
});

test("silent-state-reset: a catch without a parameter gets one whose name is free", () => {
  const bare = suggested('import fs from "fs";\nlet state;\ntry { state = JSON.parse(fs.readFileSync("s.json", "utf8")); } catch { state = {}; }\n', "silent-state-reset");
  assert.equal(bare.output, `import fs from "fs";\nlet state;\ntry { state = JSON.parse(fs.readFileSync("s.json", "utf8")); } catch (err) { ${RETHROW("err")} state = {}; }\n`);
  // `err` is in scope and `error` is used inside the handler: neither may be taken.
  const taken = suggested('import fs from "fs";\nconst err = 1;\nexport function load(p) {\n  try { return JSON.parse(fs.readFileSync(p, "utf8")); } catch { console.log(error); return {}; }\n}\n', "silent-state-reset");
  assert.match(taken.output, /catch \(cause\) \{ if \(!\(cause instanceof Error/);
  const empty = suggested('import fs from "fs";\nlet state = {};\ntry { state = JSON.parse(fs.readFileSync("s.json", "utf8")); } catch {}\n', "silent-state-reset");
  assert.match(empty.output, /catch \(err\) \{ if .* throw err; \}\n$/);
});

test("silent-state-reset: typed TypeScript catch keeps its annotation", () => {
  const s = suggested('import { readFileSync } from "node:fs";\nexport function load(): string[] {\n  try {\n    return JSON.parse(readFileSync("alerts.json", "utf8")) as string[];\n  } catch (error: unknown) {\n    return [];\n  }\n}\n', "silent-state-reset", "src/a.ts");
  assert.match(s.output, new RegExp(`catch \\(error: unknown\\) \\{\\n    ${RETHROW("error").replace(/[()."!&]/g, "\\$&")}\\n    return \\[\\];`));
});

test("silent-state-reset: .catch(() => value) and .catch(function () {…}) take the error and rethrow it", () => {
  const arrow = suggested('import { readFile } from "node:fs/promises";\nconst state = await readFile("state.json", "utf8").then(JSON.parse).catch(() => ({}));\n', "silent-state-reset");
  assert.equal(arrow.output, `import { readFile } from "node:fs/promises";\nconst state = await readFile("state.json", "utf8").then(JSON.parse).catch((err) => { ${RETHROW("err")} return {}; });\n`);
  const named = suggested('import fse from "fs-extra";\nconst state = await fse.readJson("state.json").catch((_e) => []);\n', "silent-state-reset");
  assert.match(named.output, /\.catch\(\(_e\) => \{ if .* throw _e; return \[\]; \}\);\n$/);
  const fn = suggested('import fse from "fs-extra";\nconst state = await fse.readJson("state.json").catch(async function () { return []; });\n', "silent-state-reset");
  assert.match(fn.output, /\.catch\(async function \(err\) \{ if .* throw err; return \[\]; \}\);\n$/);
});

test("silent-state-reset: the rewritten handlers type-check in strict TypeScript (unknown and any errors)", () => {
  const source = 'import { readFileSync } from "node:fs";\nimport { readFile } from "node:fs/promises";\nexport function load(): object {\n  try {\n    return JSON.parse(readFileSync("a.json", "utf8")) as object;\n  } catch {\n    return {};\n  }\n}\nexport const later = readFile("b.json", "utf8").then(JSON.parse).catch(() => ({}));\n';
  const found = analyze(source, "src/a.ts").filter((f) => f.rule === "silent-state-reset");
  assert.equal(found.length, 2);
  const output = applyEdits(source, found.flatMap((f) => f.suggestions![0]!.edits));
  assert.equal((output.match(/throw err;/g) ?? []).length, 2);
  assert.deepEqual(typeErrors(output), []);
  assert.notDeepEqual(typeErrors(output.replace('"code" in err && ', "")), [], "the check is the one strict mode needs");
});

test("silent-state-reset: no suggestion where rethrowing has no sensible place", () => {
  noSuggestion('const fse = require("fs-extra");\nconst s = fse.readJsonSync("state.json", { throws: false });\n', "silent-state-reset", "src/a.cjs");
  noSuggestion('import fs from "fs";\nexport function load(p) {\n  const raw = fs.readFileSync(p, "utf8");\n  if (!raw) return {};\n  return JSON.parse(raw);\n}\n', "silent-state-reset");
  noSuggestion('import fs from "fs";\nexport function load(p) {\n  try { return JSON.parse(fs.readFileSync(p, "utf8")); } catch ({ message }) { console.log(message); return {}; }\n}\n', "silent-state-reset");
  // Already singles out the parse error: the branch must go, a judgment call.
  noSuggestion('import fs from "fs";\nexport function load(p) {\n  try { return JSON.parse(fs.readFileSync(p, "utf8")); } catch (e) { if (e instanceof SyntaxError) return {}; throw e; }\n}\n', "silent-state-reset");
});
