/** The plugin as users run it: the real ESLint class, flat config, the recommended config alone. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { relative } from "node:path";
import { ESLint } from "eslint";
import { ESLint as ESLint9 } from "eslint9";
import plugin from "../src/index.js";

const project = fileURLToPath(new URL("../../test/fixtures/project", import.meta.url));
const configFileProject = fileURLToPath(new URL("../../test/fixtures/config-file", import.meta.url));

function eslint(fix = false): ESLint {
  return new ESLint({ cwd: project, overrideConfigFile: true, overrideConfig: [plugin.configs.recommended], fix });
}

/** ESLint 9 and 10 take the same options; the plugin's types follow ESLint 10's. */
const majors: Array<[string, () => Pick<ESLint, "lintFiles">]> = [
  [`ESLint ${ESLint.version}`, () => eslint()],
  [`ESLint ${ESLint9.version}`, () => new ESLint9({ cwd: project, overrideConfigFile: true, overrideConfig: [plugin.configs.recommended as never] }) as never],
];

for (const [name, make] of majors) {
  test(`${name} lints every JS and TS extension of the fixture project with the exact findings`, async () => {
    const results = await make().lintFiles(["."]);
    const files = results.map((r) => relative(project, r.filePath)).sort();
    assert.deepEqual(files, ["Settings.jsx", "disabled.js", "legacy.cjs", "load-state.ts", "replace.mjs", "safe.ts", "save-state.js", "store.tsx"]);
    const found = results
      .flatMap((r) => r.messages.map((m) => `${relative(project, r.filePath)}:${m.line}:${m.column} ${m.severity === 2 ? "error" : "warn"} ${m.ruleId}`))
      .sort();
    assert.deepEqual(found, [
      "Settings.jsx:4:22 error crashsafe/direct-state-write",
      "load-state.ts:10:5 error crashsafe/silent-state-reset",
      "replace.mjs:6:9 warn crashsafe/non-durable-replace",
      "replace.mjs:6:9 warn crashsafe/shared-temp-name",
      "save-state.js:4:3 error crashsafe/direct-state-write",
      "store.tsx:6:9 error crashsafe/direct-state-write",
    ]);
    const counts = results.reduce((n, r) => ({ e: n.e + r.errorCount, w: n.w + r.warningCount, f: n.f + r.fixableErrorCount }), { e: 0, w: 0, f: 0 });
    assert.deepEqual(counts, { e: 4, w: 2, f: 3 });
    assert.ok(results.every((r) => r.suppressedMessages.length === (r.filePath.endsWith("disabled.js") ? 1 : 0)), "eslint-disable suppresses natively");
  });
}

test("--fix rewrites direct writes to crashsafe calls and leaves the rest for a human", async () => {
  const results = await eslint(true).lintFiles(["save-state.js", "store.tsx", "load-state.ts"]);
  const output = Object.fromEntries(results.map((r) => [relative(project, r.filePath), r.output]));
  assert.equal(
    output["save-state.js"],
    'import fs from "node:fs";\nimport { writeFileAtomicSync } from "crashsafe";\n\nexport function saveState(state) {\n  writeFileAtomicSync("state.json", JSON.stringify(state));\n}\n',
  );
  assert.match(output["store.tsx"] ?? "", /^import \{ writeJson \} from "crashsafe";\n/m);
  assert.match(output["store.tsx"] ?? "", /\n {2}await writeJson\("items\.json", props\.items\);\n/);
  assert.equal(output["load-state.ts"], undefined, "a silent reset is never autofixed");
  assert.deepEqual(results.map((r) => r.messages.length), [0, 0, 1]);
});

test("the README's eslint.config.js line, `export default [crashsafe.configs.recommended]`, loads and lints", async () => {
  const results = await new ESLint({ cwd: configFileProject }).lintFiles(["."]);
  const found = results.flatMap((r) => r.messages.map((m) => `${relative(configFileProject, r.filePath)}:${m.line}:${m.column} ${m.ruleId}`));
  assert.deepEqual(found, ["tracker.mts:4:9 crashsafe/direct-state-write"]);
  assert.deepEqual(results.map((r) => relative(configFileProject, r.filePath)).sort(), ["eslint.config.js", "tracker.mts"]);
});
