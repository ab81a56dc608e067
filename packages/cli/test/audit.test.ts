import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../bin/crashsafe.js", import.meta.url));

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "cli-audit-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function cli(dir: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [bin, "audit", ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
}

const UNSAFE = `import fs from "node:fs";\nexport function save(s: object) { fs.writeFileSync("state.json", JSON.stringify(s)); }\n`;
const WARN_ONLY = `import fs from "node:fs";\nexport function w(p: string, s: object) { const t = p + "." + process.pid; fs.writeFileSync(t, JSON.stringify(s)); fs.renameSync(t, p); }\n`;

test("audit: clean project exits 0; findings exit 1; JSON is the default when stdout is not a terminal", (t) => {
  const clean = project({ "a.ts": "export const a = 1;\n" });
  const dirty = project({ "a.ts": UNSAFE });
  t.after(() => [clean, dirty].forEach((d) => rmSync(d, { recursive: true, force: true })));
  const ok = cli(clean);
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual(JSON.parse(ok.stdout).summary, { files: 1, error: 0, warning: 0, note: 0 });
  const bad = cli(dirty);
  assert.equal(bad.status, 1);
  const report = JSON.parse(bad.stdout);
  assert.equal(report.findings[0].rule, "direct-state-write");
  assert.equal(report.findings[0].file, "a.ts");
});

test("audit: --fail-on decides the exit code", (t) => {
  const dir = project({ "w.ts": WARN_ONLY });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(cli(dir).status, 0);
  assert.equal(cli(dir, "--fail-on", "warning").status, 1);
  assert.equal(cli(dir, "--fail-on", "never", "--format", "pretty").status, 0);
});

test("audit: --format pretty groups by file with the rule, and --output writes a SARIF file", (t) => {
  const dir = project({ "src/a.ts": UNSAFE });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pretty = cli(dir, "--format", "pretty");
  assert.match(pretty.stdout, /src\/a\.ts/);
  assert.match(pretty.stdout, /direct-state-write/);
  const out = cli(dir, "--output", "report.sarif");
  assert.equal(out.status, 1);
  assert.equal(out.stdout, "");
  const sarif = JSON.parse(readFileSync(join(dir, "report.sarif"), "utf8"));
  assert.equal(sarif.version, "2.1.0");
  assert.equal(sarif.runs[0].results[0].ruleId, "direct-state-write");
});

test("audit: --dry-run prints a diff and changes nothing; --fix rewrites and reports what is left", (t) => {
  const dir = project({ "a.mjs": `import fs from "node:fs";\nfs.writeFileSync("s.json", JSON.stringify({}));\n` });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dry = cli(dir, "--dry-run");
  assert.match(dry.stdout, /^\+writeFileAtomicSync\("s\.json"/m);
  assert.match(dry.stderr, /would rewrite 1 call in 1 file/);
  assert.match(readFileSync(join(dir, "a.mjs"), "utf8"), /fs\.writeFileSync/);
  const fix = cli(dir, "--fix");
  assert.equal(fix.status, 0, fix.stdout);
  assert.match(fix.stderr, /rewrote 1 call in 1 file/);
  assert.deepEqual(JSON.parse(fix.stdout).findings, []);
  assert.match(readFileSync(join(dir, "a.mjs"), "utf8"), /import \{ writeFileAtomicSync \} from "crashsafe";/);
});

test("audit: usage and I/O errors exit 2 with one line", (t) => {
  const dir = project({ "a.ts": "export {};\n" });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const args of [["--format", "xml"], ["--fail-on", "sometimes"], ["--bogus"], ["no/such/dir"]]) {
    const r = cli(dir, ...args);
    assert.equal(r.status, 2, args.join(" "));
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^crashsafe audit: /);
  }
});
