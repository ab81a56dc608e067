/**
 * README samples cannot rot: every marked code block of the README files in READMES runs here
 * (the repository's README.md and this example's).
 *
 * Marker convention (HTML comments are invisible on GitHub):
 *
 *   <!-- test -->                 the next fenced block runs; also: a fence tagged ```ts test
 *   ```ts                         languages: ts/typescript/mts (transpiled with TypeScript),
 *   import { writeJson } from "crashsafe";     js/javascript/mjs (run as ESM), sh/bash/shell (bash -e)
 *   ```
 *   <!-- output -->               optional: the next fenced block is the exact expected stdout
 *   ```text                       (trailing spaces, leading/trailing blank lines ignored; the temp dir
 *   …                             reads as <tmp>; a line `...` matches any number of lines)
 *   ```
 *
 *   <!-- test exit=1 -->          the sample must exit with that code (default 0)
 *   <!-- file: src/save.js -->    the next fenced block is written to that path in the directory of
 *                                 the next sample that runs (for `crashsafe audit` samples)
 *   <!-- test cwd=examples/x -->  the sample runs in a copy of that repository directory (without
 *                                 its node_modules and dist) instead of an empty one; combines with exit=N
 *
 * Each sample runs in a fresh temp dir with `node_modules` linked to the repository's (so
 * `crashsafe`, `crashsafe/testing`, `@crashsafe/audit` resolve to the built workspace packages)
 * and `node_modules/.bin` on PATH (so `crashsafe …` is the CLI). Build first (`npm test` does).
 * Blocks that cannot run are checked another way: readme-blocks.test.ts makes sure none is left out.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { findSamples, normalizeOutput, outputMatches, runSample, type Sample } from "./readme-samples.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
const NODE_MODULES = path.join(REPO, "node_modules");
/** The Markdown files whose marked samples must run. */
const READMES = ["README.md", "examples/signal-pipeline/README.md"];

function assertSample(sample: Sample): void {
  const run = runSample(sample, NODE_MODULES);
  assert.equal(run.status, sample.exit, `exit code ${run.status}, expected ${sample.exit}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
  if (sample.output !== undefined) {
    assert.ok(outputMatches(run.stdout, sample.output.replace(/\n+$/, "")), `output differs\n--- expected\n${sample.output}\n--- actual\n${run.stdout}`);
  }
}

for (const readme of READMES) {
  describe(`${readme} samples`, () => {
    const samples = findSamples(fs.readFileSync(path.join(REPO, readme), "utf8"));
    for (const sample of samples) {
      it(`${readme}:${sample.line} (${sample.language}${sample.output !== undefined ? ", output checked" : ""})`, () => assertSample(sample));
    }
  });
}

describe("the sample runner", () => {
  const md = [
    "# Title",
    "```ts",
    "console.log('not marked: never runs'); process.exit(3);",
    "```",
    "<!-- test -->",
    "",
    "```ts",
    "const n: number = 6 * 7;",
    "console.log(`answer ${n}`);",
    "console.log(process.cwd());",
    "```",
    "<!-- output -->",
    "```text",
    "answer 42",
    "<tmp>",
    "```",
    "```js test",
    "import { writeJsonSync, readJsonSync } from \"crashsafe\";",
    "writeJsonSync(\"s.json\", { a: 1 });",
    "console.log(JSON.stringify(readJsonSync(\"s.json\")));",
    "```",
    "<!-- output -->",
    "```",
    "{\"a\":1}",
    "```",
    "<!-- file: data/in.txt -->",
    "```",
    "hello",
    "```",
    "<!-- test exit=4 -->",
    "```sh",
    "cat data/in.txt; exit 4",
    "```",
    "<!-- output -->",
    "```",
    "...",
    "hello",
    "```",
  ].join("\n");

  it("finds marked blocks only, with their output, files and exit code", () => {
    const samples = findSamples(md);
    assert.deepEqual(samples.map((s) => [s.line, s.language, s.exit, s.output !== undefined]), [[7, "ts", 0, true], [17, "js", 0, true], [31, "sh", 4, true]]);
    assert.deepEqual(samples[2]?.files, [{ name: "data/in.txt", content: "hello\n" }]);
  });

  it("runs TypeScript, JavaScript and shell samples with crashsafe resolvable, and checks their output", () => {
    for (const sample of findSamples(md)) assertSample(sample);
  });

  it("catches a sample whose output drifted or that fails", () => {
    const [ts] = findSamples(md);
    assert.ok(ts);
    assert.throws(() => assertSample({ ...ts, output: "answer 43\n<tmp>" }), /output differs/);
    assert.throws(() => assertSample({ ...ts, code: "throw new Error('boom');" }), /exit code 1/);
  });

  it("runs a cwd= sample in a copy of that repository directory, without its builds", () => {
    const copy = [
      "<!-- test exit=3 cwd=examples/signal-pipeline -->",
      "```sh",
      "test -f src/pipeline.ts && test ! -e dist && test -L node_modules && touch src/added-by-sample.ts",
      "pwd; exit 3",
      "```",
      "<!-- output -->",
      "```",
      "<tmp>",
      "```",
    ].join("\n");
    const [sample] = findSamples(copy);
    assert.ok(sample);
    assert.deepEqual([sample.cwd, sample.exit], ["examples/signal-pipeline", 3]);
    assertSample(sample);
    assert.ok(!fs.existsSync(path.join(REPO, "examples/signal-pipeline/src/added-by-sample.ts")), "the sample wrote into the repository");
  });

  it("refuses a cwd= outside the repository or that is not a directory", () => {
    const [ts] = findSamples(md);
    assert.ok(ts);
    assert.throws(() => runSample({ ...ts, cwd: "../.." }, NODE_MODULES), /outside the repository/);
    assert.throws(() => runSample({ ...ts, cwd: "README.md" }, NODE_MODULES), /not a directory/);
  });

  it("ignores trailing spaces and blank lines around the output, not inside it", () => {
    assert.equal(normalizeOutput("\n\n<file>  \n\n  4:3  error\n\n\n"), "<file>\n\n  4:3  error");
  });

  it("matches `...` against any number of lines, and nothing else loosely", () => {
    assert.ok(outputMatches("a\nb\nc", "a\n...\nc"));
    assert.ok(outputMatches("a\nc", "a\n...\nc"));
    assert.ok(!outputMatches("a\nb\nc", "a\nc"));
    assert.ok(!outputMatches("a\nb", "a\nb\nc"));
  });
});
