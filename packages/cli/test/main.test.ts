import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../bin/crashsafe.js", import.meta.url));

test("--help lists every command and exits 0", () => {
  const r = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
  assert.equal(r.status, 0);
  for (const name of ["audit", "torture", "simulate", "doctor"]) assert.match(r.stdout, new RegExp(`\\b${name}\\b`));
});

test("an unknown command is a one-line usage error with exit code 2", () => {
  const r = spawnSync(process.execPath, [bin, "frobnicate"], { encoding: "utf8" });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.match(r.stderr, /unknown command "frobnicate"/);
});
