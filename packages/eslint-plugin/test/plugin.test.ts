import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { RULES } from "@crashsafe/audit";
import * as tsParser from "@typescript-eslint/parser";
import { Linter } from "eslint";
import plugin, { FILES, RULE_IDS, parser } from "../src/index.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { name: string; version: string };

test("meta names the npm package and its version", () => {
  assert.deepEqual(plugin.meta, { name: "eslint-plugin-crashsafe", version: pkg.version });
});

test("one rule per JS/TS rule id of the auditor, with docs, fixes and suggestions declared", () => {
  assert.deepEqual(Object.keys(plugin.rules).sort(), [...RULE_IDS].sort());
  assert.deepEqual([...RULE_IDS].sort(), ["direct-state-write", "non-durable-replace", "shared-temp-name", "silent-state-reset"]);
  for (const id of RULE_IDS) {
    const meta = plugin.rules[id].meta!;
    assert.equal(meta.type, "problem");
    assert.equal(meta.docs?.description, RULES[id].description);
    assert.equal(meta.docs?.url, `https://github.com/crashsafe/crashsafe/blob/main/docs/rules/${id}.md`);
    assert.equal(meta.fixable, "code");
    assert.equal(meta.hasSuggestions, true);
    assert.deepEqual(meta.schema, []);
  }
});

test("recommended is one flat config object: the auditor's severities, every JS and TS extension", () => {
  const rec = plugin.configs.recommended;
  assert.ok(!Array.isArray(rec), "a nested array is rejected by `export default [crashsafe.configs.recommended]`");
  assert.deepEqual(rec.files, FILES);
  assert.equal(rec.plugins?.crashsafe, plugin);
  assert.deepEqual(rec.rules, {
    "crashsafe/direct-state-write": "error",
    "crashsafe/silent-state-reset": "error",
    "crashsafe/non-durable-replace": "warn",
    "crashsafe/shared-temp-name": "warn",
  });
  assert.equal(rec.languageOptions?.parser, parser);
});

test("the recommended parser hands TS files to @typescript-eslint/parser and JS files to espree", () => {
  const options = { ecmaVersion: 2022, sourceType: "module", range: true, loc: true, tokens: true, comment: true };
  const ts = parser.parseForESLint("let x: number = 1;", { ...options, filePath: "/p/a.mts" });
  const viaTs = tsParser.parseForESLint("let x: number = 1;", { ...options, filePath: "/p/a.mts" } as never);
  assert.deepEqual(Object.keys(ts).sort(), Object.keys(viaTs).sort());
  assert.ok(ts.scopeManager, "typescript-eslint supplies its scope manager");
  assert.throws(() => parser.parseForESLint("let x: number = 1;", { ...options, filePath: "/p/a.js" }), /Unexpected token/);
  const jsx = parser.parseForESLint("const el = <div />;", { ...options, filePath: "/p/a.jsx" });
  assert.equal(jsx.scopeManager, undefined, "espree: ESLint runs its own scope analysis");
  assert.ok(parser.parseForESLint("const el = <div />;", { ...options, filePath: "/p/a.js" }).ast, "JSX in .js, as the auditor reads it");
  const noJsx = { ...options, filePath: "/p/a.js", ecmaFeatures: { jsx: false } };
  assert.throws(() => parser.parseForESLint("const el = <div />;", noJsx), "the user's ecmaFeatures.jsx: false wins");
  assert.equal(parser.meta.name, "eslint-plugin-crashsafe/parser");
});

test("a parser the user's config sets after the recommended config wins (as the README says)", () => {
  const code = "const n: number = 1;\n";
  const theirs: Linter.Config = { files: ["**/*.js"], languageOptions: { parser: tsParser as Linter.Parser } };
  const linter = new Linter();
  assert.deepEqual(linter.verify(code, [plugin.configs.recommended, theirs], "a.js"), []);
  assert.equal(linter.verify(code, [theirs, plugin.configs.recommended], "a.js")[0]?.fatal, true, "espree, the recommended parser for .js, rejects TS syntax");
});
