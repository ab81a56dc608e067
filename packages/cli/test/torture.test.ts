import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../bin/crashsafe.js", import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, "torture", ...args], { encoding: "utf8" });

test("an in-place writer is caught at a kill point: exit 1, JSON names the kill point", () => {
  const r = cli("--trials", "0", "--kill-points", "1", "--check", fixture("check.mjs"), "--json", "--", process.execPath, fixture("writer.mjs"), "unsafe");
  assert.equal(r.status, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { trials: number; failures: { killPoint: string; error: string }[] };
  assert.equal(report.trials, 2);
  assert.deepEqual(report.failures.map((f) => f.killPoint), ["after:1"]);
});

test("crashsafe's writer survives random kills: exit 0, the rule-of-three bound and the seed are printed", () => {
  const r = cli("--trials", "4", "--seed", "5", "--kill-after", "5-50", "--check", fixture("check.mjs"), "--", process.execPath, fixture("writer.mjs"));
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^torture: 4 trials \(seed 5\), 0 failures$/m);
  assert.match(r.stdout, /95% upper bound on the failure rate: 75\.0%/);
  assert.equal(r.stderr, "", "no progress line when stderr is not a TTY");
});

test("a failure prints how to replay it", () => {
  const r = cli("--trials", "1", "--seed", "9", "--kill-after", "3000-3000", "--", process.execPath, "-e", "console.log('ready')");
  assert.equal(r.status, 1);
  assert.match(r.stdout, /FAIL trial 0 \(killed 3000 ms after its first output\): the command exited on its own/);
  assert.match(r.stdout, /replay: crashsafe torture --seed 9 --trials 1 --kill-after 3000-3000 -- /);
});

test("usage errors are one line with exit code 2", () => {
  for (const args of [[], ["--kill-after", "5-x", "--", "node"], ["--trials", "-3", "--", "node"], ["--check", "nope.mjs", "--", "node"]]) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stdout}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
  assert.match(cli().stderr, /missing the command to torture: put it after --/);
});

test("--help describes the options and exits 0", () => {
  const r = cli("--help");
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^Usage: crashsafe torture \[--trials N\]/);
  assert.match(r.stdout, /--kill-points K/);
});
