import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../bin/crashsafe.js", import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, "simulate", ...args], { encoding: "utf8" });

test("an un-fsynced temp+rename fails the pessimistic model: exit 1 and a trace naming the scenario's lines", () => {
  const r = cli(fixture("scenario-unsafe.mjs"));
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^pessimistic: \d+ crash states .*: \d+ failures?/m);
  assert.match(r.stdout, /rename "state\.json\.tmp" -> "state\.json" at scenario-unsafe\.mjs:12 persisted before (all of )?the data written to "state\.json\.tmp" at scenario-unsafe\.mjs:11/);
});

test("--model process-crash passes the same scenario (exit 0)", () => {
  const r = cli(fixture("scenario-unsafe.mjs"), "--model", "process-crash");
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /process-crash: \d+ crash states .*no failures/);
});

test("crashsafe's writeJson passes --model all; --json reports every model", () => {
  const r = cli(fixture("scenario-safe.mjs"), "--model", "all", "--json");
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout) as { version: number; results: { model: string; states: number; failures: unknown[] }[] };
  assert.equal(report.version, 1);
  assert.deepEqual(report.results.map((x) => x.model), ["process-crash", "ext4-ordered", "pessimistic"]);
  for (const x of report.results) {
    assert.deepEqual(x.failures, []);
    assert.ok(x.states > 1);
  }
});

test("usage errors are one line with exit code 2", () => {
  for (const args of [[], ["missing-scenario.mjs"], [fixture("scenario-safe.mjs"), "--model", "ext3"], [fixture("check.mjs")]]) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stdout}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
  assert.match(cli(fixture("scenario-safe.mjs"), "--model", "ext3").stderr, /unknown --model "ext3": use process-crash, ext4-ordered, pessimistic, ext4-noauto_da_alloc or all/);
});

test("--help describes the scenario module and exits 0", () => {
  const r = cli("--help");
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^Usage: crashsafe simulate <scenario\.js>/);
  assert.match(r.stdout, /check\(dir, acked\)/);
});
