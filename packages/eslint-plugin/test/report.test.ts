/** How a detection-core finding becomes an ESLint report (locations, autofix, suggestions). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SourceCode, type AST, type Rule } from "eslint";
import * as espree from "espree";
import type { ProgramFinding } from "@crashsafe/audit";
import { reportDescriptor } from "../src/index.js";
import { findingsFor } from "../src/findings.js";

const text = 'const note = "état";\nsave("a.json", data);\n';
const sourceCode = new SourceCode(text, espree.parse(text, { ecmaVersion: "latest", range: true, loc: true, tokens: true, comment: true }) as unknown as AST.Program);
const fixer = { replaceTextRange: (range: [number, number], t: string) => ({ range, text: t }) } as unknown as Rule.RuleFixer;
const call = text.indexOf("save(");

function run(fix: Rule.ReportFixer | null | undefined): string {
  const edits = [fix!(fixer)].flat() as Array<{ range: [number, number]; text: string }>;
  return [...edits].sort((a, b) => b.range[0] - a.range[0]).reduce((t, e) => t.slice(0, e.range[0]) + e.text + t.slice(e.range[1]), text);
}

test("offsets become 1-based lines and 0-based columns (UTF-16, as both parsers count)", () => {
  const d = reportDescriptor(sourceCode, { rule: "direct-state-write", start: call, end: call + 20, message: "m" });
  assert.deepEqual(d.loc, { start: { line: 2, column: 0 }, end: { line: 2, column: 20 } });
  assert.deepEqual([d.messageId, d.data], ["finding", { message: "m" }]);
  assert.equal(d.fix, undefined);
  assert.equal(d.suggest, undefined);
});

test("the fix's edits apply together; a suggestion equal to the fix is not offered twice; others are", () => {
  const fix = [{ start: call, end: call + 4, text: "writeFileAtomicSync" }, { start: 0, end: 0, text: 'import { writeFileAtomicSync } from "crashsafe";\n' }];
  const finding: ProgramFinding = {
    rule: "direct-state-write",
    start: call,
    end: call + 20,
    message: "m",
    fix,
    suggestions: [
      { desc: "same as the fix", edits: [...fix] },
      { desc: "rethrow", edits: [{ start: call, end: call, text: "// reviewed\n" }] },
    ],
  };
  const d = reportDescriptor(sourceCode, finding);
  assert.equal(run(d.fix), 'import { writeFileAtomicSync } from "crashsafe";\nconst note = "état";\nwriteFileAtomicSync("a.json", data);\n');
  assert.equal(d.suggest?.length, 1);
  const [s] = d.suggest!;
  assert.deepEqual([s!.messageId, s!.data], ["suggestion", { desc: "rethrow" }]);
  assert.equal(run(s!.fix), 'const note = "état";\n// reviewed\nsave("a.json", data);\n');
});

test("a finding with suggestions and no fix reports suggestions only", () => {
  const d = reportDescriptor(sourceCode, { rule: "silent-state-reset", start: 0, end: 5, message: "m", suggestions: [{ desc: "d", edits: [{ start: 0, end: 5, text: "let" }] }] });
  assert.equal(d.fix, undefined);
  assert.equal(run(d.suggest![0]!.fix), 'let note = "état";\nsave("a.json", data);\n');
});

test("the detection core runs once per file: every rule gets the same cached findings", () => {
  const code = 'import fs from "fs";\nfs.writeFileSync("state.json", JSON.stringify(s));\n';
  const sc = new SourceCode(code, espree.parse(code, { ecmaVersion: "latest", sourceType: "module", range: true, loc: true, tokens: true, comment: true }) as unknown as AST.Program);
  const first = findingsFor(sc, "app.js");
  assert.equal(first.length, 1);
  assert.equal(findingsFor(sc, "app.js"), first, "same array, not a second analysis");
  assert.equal(sc.ast.tokens.length > 0, true, "the SourceCode's own AST is left as it was");
});
