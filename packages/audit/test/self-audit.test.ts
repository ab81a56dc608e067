// We hold our own code to the rule we sell: every source directory of this repository (except the
// demo service, which is unsafe on purpose) audits with no error and no warning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { audit } from "../src/index.js";

const repo = fileURLToPath(new URL("../../../../", import.meta.url));
const sources = ["packages/crashsafe/src", "packages/audit/src", "packages/cli/src", "packages/eslint-plugin/src", "bench/src"];

test("crashsafe's own sources have no unsafe state write or silent reset", async () => {
  const report = await audit({ paths: sources, cwd: repo });
  const serious = report.findings.filter((f) => f.severity !== "note");
  assert.deepEqual(serious.map((f) => `${f.file}:${f.line} ${f.rule}`), []);
  assert.ok(report.summary.files > 50, `only ${report.summary.files} files audited`);
});
