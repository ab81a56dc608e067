// The README's "Testing" example runs exactly as shown: its files are extracted from README.md and executed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const cliBin = join(root, "packages", "cli", "bin", "crashsafe.js");

function section(): string {
  const readme = fs.readFileSync(join(root, "README.md"), "utf8");
  const start = readme.indexOf("## Testing: prove your own save function");
  assert.ok(start >= 0, "README has no Testing section");
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

function blocks(text: string): { lang: string; body: string }[] {
  return [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, body: m[2]! }));
}

test("the README Testing example catches the bug, passes once fixed, and its torture command runs", { timeout: 60_000 }, () => {
  const all = blocks(section());
  const files = new Map<string, string>();
  for (const b of all.filter((x) => x.lang === "js")) {
    const name = /^\/\/ (\S+\.m?js)(, fixed)?\n/.exec(b.body);
    assert.ok(name, `a js block without a "// file.js" first line: ${b.body.slice(0, 40)}`);
    files.set(name[1]! + (name[2] ?? ""), b.body);
  }
  fs.mkdirSync(join(root, ".crashsafe-tmp"), { recursive: true });
  const dir = fs.mkdtempSync(join(root, ".crashsafe-tmp", "readme-"));
  try {
    for (const name of ["save.js", "crash-test.mjs", "writer.mjs", "check.mjs"]) fs.writeFileSync(join(dir, name), files.get(name)!);
    const run = (args: string[]) => spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8" });

    const buggy = run(["crash-test.mjs"]);
    assert.equal(buggy.status, 1, buggy.stderr);
    const shown = all.find((b) => b.lang === "text")!.body.split("\n").filter((l) => l.trim() !== "" && l.trim() !== "...");
    for (const line of shown) assert.ok(buggy.stdout.includes(line), `README output line not printed: ${line}\n${buggy.stdout}`);

    const command = all.find((b) => b.lang === "sh")!.body.trim();
    assert.match(command, /^npx crashsafe torture /);
    const torture = run([cliBin, ...command.replace(/^npx crashsafe /, "").split(/\s+/)]);
    assert.equal(torture.status, 0, torture.stdout + torture.stderr);
    assert.match(torture.stdout, /^torture: 18 trials \(seed \d+\), 0 failures$/m);

    fs.writeFileSync(join(dir, "save.js"), files.get("save.js, fixed")!);
    const fixed = run(["crash-test.mjs"]);
    assert.equal(fixed.status, 0, fixed.stdout + fixed.stderr);
    assert.match(fixed.stdout, /^\d+ crash states, 0 failures$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
