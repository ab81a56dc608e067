import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import AjvDraft04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import type * as Sarif from "sarif";
import { formatJson, formatPretty, formatSarif } from "../src/report/index.js";
import type { AuditReport } from "../src/types.js";
import { sampleReport } from "./report-sample.js";

const require = createRequire(import.meta.url);
// CommonJS module: under NodeNext its class is the `default` property.
const Ajv = AjvDraft04.default;
const SCHEMA = join(dirname(require.resolve("@microsoft/jest-sarif/package.json")), "lib/schemas/sarif-2.1.0-rtm.5.json");

describe("reporters", () => {
  let report: AuditReport;
  before(async () => {
    report = await sampleReport();
  });

  it("json: exactly DESIGN.md's shape", () => {
    const parsed = JSON.parse(formatJson(report)) as Record<string, unknown> & { findings: Array<Record<string, unknown>> };
    assert.deepEqual(Object.keys(parsed), ["version", "findings", "summary"]);
    assert.equal(parsed.version, 1);
    assert.deepEqual(parsed.summary, report.summary);
    assert.equal(parsed.findings.length, report.findings.length);
    for (const f of parsed.findings) {
      assert.deepEqual(Object.keys(f), ["rule", "severity", "file", "line", "column", "message", "fixable"]);
    }
    assert.equal(parsed.findings[0]!.file, report.findings[0]!.file);
  });

  it("sarif: valid against the official SARIF 2.1.0 schema, with what GitHub code scanning needs", () => {
    const text = formatSarif(report, { toolVersion: "0.1.0" });
    const log = JSON.parse(text) as Sarif.Log;
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats.default(ajv); // uri, date-time…: GitHub rejects a log whose helpUri is not a URI
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, "utf8")) as object);
    assert.equal(validate({ version: "2.1.0", runs: [{ results: [] }] }), false, "the schema rejects a run without a tool");
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    const run = log.runs[0]!;
    const ruleIds = run.tool.driver.rules!.map((r) => r.id);
    for (const rule of ["direct-state-write", "silent-state-reset", "non-durable-replace", "shared-temp-name", "setup-write"]) {
      assert.ok(ruleIds.includes(rule), rule);
    }
    for (const r of run.tool.driver.rules!) {
      assert.ok(r.shortDescription?.text);
      assert.match(r.helpUri!, new RegExp(`docs/rules/${r.id}\\.md$`));
    }
    assert.equal(run.results!.length, report.findings.length);
    for (const [i, res] of run.results!.entries()) {
      const loc = res.locations![0]!.physicalLocation!;
      assert.equal(res.ruleId, report.findings[i]!.rule);
      assert.equal(run.tool.driver.rules![res.ruleIndex!]!.id, res.ruleId);
      assert.equal(res.level, report.findings[i]!.severity);
      assert.equal(loc.artifactLocation!.uriBaseId, "%SRCROOT%");
      assert.ok(!loc.artifactLocation!.uri!.startsWith("/") && !/^[a-z]+:/i.test(loc.artifactLocation!.uri!));
      assert.equal(decodeURIComponent(loc.artifactLocation!.uri!), report.findings[i]!.file);
      assert.equal(loc.region!.startLine, report.findings[i]!.line);
      assert.ok(Object.values(res.partialFingerprints!)[0]);
    }
    const prints = run.results!.map((r) => Object.values(r.partialFingerprints!)[0]);
    assert.equal(new Set(prints).size, prints.length, "fingerprints are unique");
  });

  it("pretty: grouped by file, code frame, why and fix; colour only when asked", () => {
    const plain = formatPretty(report, { color: false, cwd: process.cwd() });
    assert.ok(!plain.includes("\u001b["));
    const first = report.findings[0]!;
    assert.ok(plain.startsWith(`${first.file}\n`));
    assert.match(plain, /> 13 \|\s+POSITIONS\.write_text\(json\.dumps\(state\)\)/);
    assert.match(plain, /why: A crash or power cut mid-write leaves positions\.json/);
    assert.match(plain, /fix: Replace the write with:\n\s+atomic_write\(POSITIONS, json\.dumps\(state\)\)/);
    assert.equal(plain.split("def atomic_write(").length, 2, "the helper is printed once");
    assert.match(plain, /✖ 6 findings \(4 errors, 2 warnings, 0 notes\) in 2 files audited/);
    assert.ok(formatPretty(report, { color: true, cwd: process.cwd() }).includes("\u001b[31merror\u001b[0m"));
  });

  it("pretty: a clean report says so", () => {
    const clean = formatPretty({ version: 1, findings: [], summary: { files: 3, error: 0, warning: 0, note: 0 } }, { color: false, cwd: "." });
    assert.equal(clean, "✔ no unsafe state writes found in 3 files\n");
  });
});
