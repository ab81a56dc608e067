import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { it } from "node:test";
import { totalCorruptFiles } from "../demo/consequences.js";
import { EXAMPLE_DIR, REPO_ROOT, runStory } from "../demo/story.js";

function gitStatus(): string {
  return spawnSync("git", ["status", "--porcelain", "--untracked-files=all", "--", EXAMPLE_DIR], { cwd: REPO_ROOT, encoding: "utf8" }).stdout;
}

/** Every file under `dir`, relative to it. */
function tree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => !e.isDirectory()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

it("the story holds with fewer trials: damage as shipped, none after the fix, nothing left outside a temp dir", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "signal-pipeline-story-"));
  const previous = process.env["TMPDIR"];
  const statusBefore = gitStatus();
  const lines: string[] = [];
  process.env["TMPDIR"] = tmp; // every temp dir of the demo, its harnesses and its children goes here
  try {
    const result = await runStory({ trials: 12, write: (line) => lines.push(line), colour: false });
    assert.deepEqual(result.reasons, [], lines.join("\n"));
    assert.equal(result.holds, true);

    const before = result.before.torture.consequences;
    assert.equal(before.trials, 12, "every trial reached the check");
    assert.ok(before.badTrials > 0 && totalCorruptFiles(before) + before.refiredAlerts > 0, "the shipped example is damaged by SIGKILL");
    assert.ok(result.before.simulate.paths.filter((p) => p.failures.length > 0).length >= 4);

    const after = result.after.torture.consequences;
    assert.equal(after.trials, 12, "every trial of the fixed copy reached the check");
    assert.deepEqual([after.badTrials, totalCorruptFiles(after), after.failedRestarts, after.refiredAlerts, after.reopenedPositions], [0, 0, 0, 0, 0]);
    assert.deepEqual(result.after.simulate.paths.map((p) => p.failures), [[], [], [], [], []]);
    assert.equal(result.fixed.after.findings.length, 0);
    assert.deepEqual(result.fixed.autoFixedFiles.sort(), ["alerts.ts", "config.ts", "positions.ts", "retry-queue.ts"]);

    for (const step of [1, 2, 3, 4, 5, 6]) assert.ok(lines.some((l) => l.startsWith(`\n${step}. `)), `heading of step ${step}`);
    assert.ok(!lines.some((l) => l.includes("\x1b[")), "no colour codes when colour is off");
    const report = result.report.path ?? "";
    assert.ok(report.startsWith(tmp), result.report.error);
    assert.match(fs.readFileSync(report, "utf8"), /<html/i);
    assert.deepEqual(tree(tmp), [path.relative(tmp, report)], "only the HTML report is left, inside the temp dir");
    assert.equal(gitStatus(), statusBefore, "the demo changed nothing in the repository");
  } finally {
    if (previous === undefined) delete process.env["TMPDIR"];
    else process.env["TMPDIR"] = previous;
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
