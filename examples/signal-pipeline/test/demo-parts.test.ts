import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { corruptFilesIn, repeatedIds } from "../demo/consequences.js";
import { drillFor, stateFilesOf } from "../demo/drill.js";
import { applyManualFix, MANUAL_FIXES } from "../demo/manual-fixes.js";
import { printer } from "../demo/present.js";

const SRC = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..", "src");

describe("consequences", () => {
  it("counts an alert or position announced again after the restart, not one announced once", () => {
    const before = "ready\nalert a\nopen p1 BTC long\nalert b\n";
    const after = "ready\nalert b\nalert c\nopen p1 BTC long\nopen p2 ETH short\n";
    assert.deepEqual(repeatedIds(before, after, "alert"), ["b"]);
    assert.deepEqual(repeatedIds(before, after, "open"), ["p1"]);
    assert.deepEqual(repeatedIds("", "alert x\nalert x\n", "alert"), ["x"]);
  });

  it("finds state files that do not parse, ignoring missing ones", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "signal-pipeline-parts-"));
    try {
      fs.writeFileSync(path.join(dir, "positions.json"), ""); // crashsafe-ignore direct-state-write: an emptied file on purpose
      fs.writeFileSync(path.join(dir, "fired_alerts.json"), '{"a":'); // crashsafe-ignore direct-state-write: a torn file on purpose
      fs.writeFileSync(path.join(dir, "retry_queue.json"), "{}"); // crashsafe-ignore direct-state-write: a valid file
      assert.deepEqual(corruptFilesIn(dir), ["fired_alerts.json", "positions.json"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("drill", () => {
  it("maps a finding to its state file by the helper it names, else by its module", () => {
    const at = (file: string, message: string) => ({ file, message });
    assert.equal(drillFor(at("src/pipeline.ts", "saveRetryQueue() writes `files.retry` with fs.writeFileSync"))?.stateFile, "retry_queue.json");
    assert.equal(drillFor(at("src/alerts.ts", "A parse failure of this state file is swallowed"))?.stateFile, "fired_alerts.json");
    assert.equal(drillFor(at("src/feed.ts", "something else")), undefined);
    const findings = ["saveFiredAlerts()", "saveFiredAlerts()", "savePositions()"].map((m) => ({ ...at("src/pipeline.ts", m), rule: "direct-state-write" }));
    assert.deepEqual(stateFilesOf(findings as never, "direct-state-write"), ["fired_alerts.json", "positions.json"]);
  });
});

describe("manual fixes", () => {
  it("apply to the shipped sources once, and not again", () => {
    for (const fix of MANUAL_FIXES) {
      const source = fs.readFileSync(path.join(SRC, fix.file), "utf8");
      const fixed = applyManualFix(source, fix);
      assert.ok(fixed, `${fix.file}: the code the fix expects is there`);
      assert.ok(fixed.startsWith(fix.importLine));
      assert.equal(applyManualFix(fixed, fix), undefined);
    }
  });
});

describe("printer", () => {
  it("colours only when asked and aligns the table", () => {
    const plain: string[] = [];
    printer((l) => plain.push(l), false).verdict(true, "fine");
    assert.deepEqual(plain, ["   ✓ fine"]);
    const coloured: string[] = [];
    const p = printer((l) => coloured.push(l), true);
    p.verdict(false, "broken");
    assert.match(coloured[0] ?? "", /\x1b\[31m✗\x1b\[0m/);
    const rows: string[] = [];
    printer((l) => rows.push(l), false).table([["", "before", "after"], ["alerts fired again", "146", "0"]]);
    assert.deepEqual(rows, [`   ${" ".repeat(18)}   before   after`, "   alerts fired again      146       0"]);
  });
});
