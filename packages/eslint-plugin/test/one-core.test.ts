/**
 * "One detection core": the plugin over ESLint's AST (espree / typescript-eslint) and
 * `analyzeProgram` over the auditor's oxc-parser AST report the same findings, at the same
 * places, with the same fixes, on the audit's JS fixture corpus and on this package's fixtures
 * (and both refuse a file that does not parse).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Linter } from "eslint";
import { parseSync } from "oxc-parser";
import { analyzeProgram, type TextEdit } from "@crashsafe/audit";
import plugin, { RULE_IDS } from "../src/index.js";

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const AUDIT_CORPUS = here("../../../audit/test/fixtures/js");
const OWN_CORPUS = here("../../test/fixtures/project");
const JS_FILE = /\.(?:[cm]?[jt]sx?)$/;

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && JS_FILE.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

interface Seen {
  at: string;
  message: string;
  fixed?: string;
}

function applyEdits(text: string, edits: TextEdit[]): string {
  return [...edits].sort((a, b) => b.start - a.start).reduce((t, e) => t.slice(0, e.start) + e.text + t.slice(e.end), text);
}

function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split(/\r\n|[\r\n\u2028\u2029]/);
  return `${before.length}:${before.at(-1)!.length + 1}`;
}

/** The core over oxc-parser's AST, as the auditor runs it. */
function viaCore(rel: string, text: string): Seen[] {
  const parsed = parseSync(rel, text, /\.[cm]?jsx?$/.test(rel) ? { lang: "jsx" } : {});
  const error = parsed.errors.find((e) => e.severity === "Error");
  if (error) return [{ at: `parse error on line ${position(text, error.labels[0]?.start ?? 0).split(":")[0]}`, message: "" }];
  return analyzeProgram(parsed.program, text, { filename: rel, comments: parsed.comments })
    .filter((f) => (RULE_IDS as readonly string[]).includes(f.rule))
    .map((f) => ({
      at: `${f.rule} ${position(text, f.start)}-${position(text, f.end)}`,
      message: f.message,
      ...(f.fix ? { fixed: applyEdits(text, f.fix) } : {}),
    }));
}

/**
 * The plugin inside ESLint, with the recommended config as users have it. Findings hidden by an
 * `eslint-disable` comment count too: that comment is ESLint's business, the detection is the core's.
 */
function viaEslint(root: string, file: string, text: string): Seen[] {
  // getSuppressedMessages is public API (ESLint >= 8.8) but missing from ESLint's own typings.
  const linter = new Linter({ cwd: root }) as Linter & { getSuppressedMessages(): Linter.LintMessage[] };
  const reported = linter.verify(text, [plugin.configs.recommended], file);
  const fatal = reported.find((m) => m.fatal);
  if (fatal) return [{ at: `parse error on line ${fatal.line}`, message: "" }];
  const messages = [...reported, ...linter.getSuppressedMessages()].sort((a, b) => a.line - b.line || a.column - b.column);
  return messages.map((m) => ({
    at: `${m.ruleId!.replace("crashsafe/", "")} ${m.line}:${m.column}-${m.endLine}:${m.endColumn}`,
    message: m.message,
    ...(m.fix ? { fixed: text.slice(0, m.fix.range[0]) + m.fix.text + text.slice(m.fix.range[1]) } : {}),
  }));
}

for (const [name, root] of [["the audit's JS fixture corpus", AUDIT_CORPUS], ["the plugin's fixture project", OWN_CORPUS]] as const) {
  test(`plugin and analyzeProgram agree on ${name}`, (t) => {
    const files = filesUnder(root);
    assert.ok(files.length > 0, `${root} holds JS/TS files`);
    let findings = 0;
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      const core = viaCore(relative(root, file).split("\\").join("/"), text);
      assert.deepEqual(viaEslint(root, file, text), core, relative(root, file));
      findings += core.length;
    }
    assert.ok(findings > 0, "the corpus has findings to compare");
    t.diagnostic(`${files.length} files, ${findings} findings compared`);
  });
}
