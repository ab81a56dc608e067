import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { applyFixes, diagnose, type Entry } from "../src/commands/doctor.js";

const bin = fileURLToPath(new URL("../../bin/crashsafe.js", import.meta.url));
const GOOD = JSON.stringify({ $crashsafe: { version: 2 }, value: { fired: ["a"] } });

function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString());
}

function lockFile(pid: number): string {
  const now = Date.now();
  return JSON.stringify({ pid, host: hostname(), boot: "", token: `t${pid}`, acquiredAt: new Date(now).toISOString(), leaseUntil: new Date(now + 60_000).toISOString() });
}

/** A state directory with one of everything doctor knows. */
function messyDir(): { dir: string; deadTemp: string; liveTemp: string } {
  const dir = fs.mkdtempSync(join(tmpdir(), "crashsafe-doctor-"));
  const dead = deadPid();
  const deadTemp = `.tracker.json.${dead}.0123456789ab.tmp`;
  const liveTemp = `.tracker.json.${process.pid}.ba9876543210.tmp`;
  fs.writeFileSync(join(dir, "tracker.json"), GOOD);
  fs.writeFileSync(join(dir, "tracker.json.bak"), GOOD);
  fs.writeFileSync(join(dir, "alerts.json"), '{"sent": [');
  fs.writeFileSync(join(dir, "alerts.json.bak"), JSON.stringify({ sent: ["x"] }));
  fs.writeFileSync(join(dir, "queue.json"), "");
  fs.writeFileSync(join(dir, deadTemp), "partial");
  fs.writeFileSync(join(dir, liveTemp), "partial");
  fs.writeFileSync(join(dir, "alerts.json.lock"), lockFile(dead));
  fs.writeFileSync(join(dir, "tracker.json.lock"), lockFile(process.pid));
  fs.writeFileSync(join(dir, "tracker.json.corrupt-2026-11-25T20-00-00-000Z"), "{");
  fs.writeFileSync(join(dir, "trades.log.corrupt-3-4096"), "\0\0garbage");
  fs.writeFileSync(join(dir, "notes.txt"), "not ours");
  return { dir, deadTemp, liveTemp };
}

function doctor(...args: string[]) {
  return spawnSync(process.execPath, [bin, "doctor", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function byFile(entries: Entry[]): Record<string, string> {
  return Object.fromEntries(entries.map((e) => [e.file, `${e.kind} ${e.status}`]));
}

test("doctor --json lists every kind of file with its status and exits 1 while problems remain", () => {
  const { dir, deadTemp, liveTemp } = messyDir();
  const r = doctor(dir, "--json");
  assert.equal(r.status, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { entries: Entry[]; fixed: unknown[] };
  assert.deepEqual(byFile(report.entries), {
    [deadTemp]: "temp stale",
    [liveTemp]: "temp in-progress",
    "alerts.json": "state corrupt",
    "alerts.json.bak": "backup ok",
    "alerts.json.lock": "lock stale",
    "queue.json": "state corrupt",
    "tracker.json": "state ok",
    "tracker.json.bak": "backup ok",
    "tracker.json.corrupt-2026-11-25T20-00-00-000Z": "corrupt-copy kept",
    "tracker.json.lock": "lock held",
    "trades.log.corrupt-3-4096": "corrupt-copy kept",
  });
  assert.match(report.entries.find((e) => e.file === "trades.log.corrupt-3-4096")!.meaning, /journal trades\.log \(generation 3, offset 4096\)/);
  const alerts = report.entries.find((e) => e.file === "alerts.json")!;
  assert.equal(alerts.fix, "restore-backup");
  assert.match(alerts.meaning, /line 1, column 11/);
  const queue = report.entries.find((e) => e.file === "queue.json")!;
  assert.equal(queue.fix, undefined);
  assert.match(queue.meaning, /empty file.*no usable backup/);
  assert.match(report.entries.find((e) => e.file === "tracker.json")!.meaning, /version 2/);
  assert.deepEqual(report.fixed, []);
  assert.ok(fs.existsSync(join(dir, deadTemp)), "without --fix nothing changes");
});

test("doctor --fix without --yes off a terminal cleans temps and stale locks but restores nothing", () => {
  const { dir, deadTemp, liveTemp } = messyDir();
  const r = doctor(dir, "--fix");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not restored: alerts\.json .*--yes/);
  assert.equal(fs.existsSync(join(dir, deadTemp)), false);
  assert.equal(fs.existsSync(join(dir, liveTemp)), true, "a live writer's temp is kept");
  assert.equal(fs.existsSync(join(dir, "alerts.json.lock")), false);
  assert.equal(fs.existsSync(join(dir, "tracker.json.lock")), true, "a live holder's lock is kept");
  assert.equal(fs.readFileSync(join(dir, "alerts.json"), "utf8"), '{"sent": [');
});

test("doctor --fix --yes restores from the backup and keeps the corrupt file aside", () => {
  const { dir } = messyDir();
  fs.rmSync(join(dir, "queue.json"));
  const r = doctor(dir, "--fix", "--yes");
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /fixed: alerts\.json: restore-backup/);
  assert.deepEqual(JSON.parse(fs.readFileSync(join(dir, "alerts.json"), "utf8")), { sent: ["x"] });
  const kept = fs.readdirSync(dir).filter((n) => n.startsWith("alerts.json.corrupt-"));
  assert.equal(kept.length, 1);
  assert.equal(fs.readFileSync(join(dir, kept[0]!), "utf8"), '{"sent": [');
  assert.match(r.stdout, /no problems/);
});

test("applyFixes asks before each restore and respects a no", async () => {
  const { dir } = messyDir();
  const asked: string[] = [];
  const { fixed, declined } = await applyFixes(dir, await diagnose(dir), async (q) => (asked.push(q), false));
  assert.equal(asked.length, 1);
  assert.match(asked[0]!, /Restore alerts\.json from alerts\.json\.bak\?/);
  assert.deepEqual(declined, ["alerts.json"]);
  assert.ok(fixed.every((f) => f.action !== "restore-backup"));
  assert.equal(fs.readFileSync(join(dir, "alerts.json"), "utf8"), '{"sent": [');
});

test("a clean directory exits 0; usage errors exit 2", () => {
  const dir = fs.mkdtempSync(join(tmpdir(), "crashsafe-doctor-"));
  fs.writeFileSync(join(dir, "ok.json"), "{}");
  const r = doctor(dir);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /state ok +ok\.json/);
  assert.equal(doctor(dir, "--bogus").status, 2);
  assert.equal(doctor(dir, dir).status, 2);
  assert.equal(doctor(join(dir, "missing")).status, 2);
  assert.equal(doctor("--help").status, 0);
});

test("a locked non-JSON file (a journal) is not mistaken for a corrupt state file", async () => {
  const dir = fs.mkdtempSync(join(tmpdir(), "crashsafe-doctor-"));
  fs.writeFileSync(join(dir, "events.log"), Buffer.from([0xc5, 0x00, 0x01, 0xff]));
  fs.writeFileSync(join(dir, "events.log.lock"), lockFile(process.pid));
  assert.deepEqual(byFile(await diagnose(dir)), { "events.log.lock": "lock held" });
});

test("on a terminal, doctor --fix asks before restoring and does what the answer says", () => {
  // util-linux `script` gives the command a real pseudo-terminal, so stdin.isTTY is true there.
  for (const [answer, restored] of [["n", false], ["y", true]] as const) {
    const { dir } = messyDir();
    const r = spawnSync("script", ["-qec", `"${process.execPath}" "${bin}" doctor "${dir}" --fix`, "/dev/null"], { input: `${answer}\n`, encoding: "utf8" });
    assert.match(r.stdout, /Restore alerts\.json from alerts\.json\.bak\? .*\[y\/N\]/);
    assert.equal(fs.readFileSync(join(dir, "alerts.json"), "utf8") !== '{"sent": [', restored, `answer ${answer}`);
  }
});
