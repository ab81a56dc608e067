/**
 * No README block is left to rot: every fenced block of README.md is a sample that runs (see
 * readme.test.ts), a file or expected output of one, or one of the blocks that cannot run as shown
 * and are checked here instead: the CI workflow (its `npx crashsafe` steps run in temp projects), the
 * repository layout (every path exists), the `<!-- not run -->` npm commands (they need the registry
 * or take minutes: the packages and scripts they name are checked) and the "Testing" section (run by
 * packages/crashsafe/test/testing-readme.test.ts).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { fencedBlocks, runSample, type Block, type Sample } from "./readme-samples.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
const NODE_MODULES = path.join(REPO, "node_modules");
const README = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
const BLOCKS = fencedBlocks(README);
/** The README section whose blocks a bespoke test extracts and runs. */
const TESTING = { heading: "## Testing: prove your own save function", test: "packages/crashsafe/test/testing-readme.test.ts" };

/** The `## ` heading a README line belongs to. */
function headingOf(line: number): string {
  const above = README.split("\n").slice(0, line).reverse();
  return above.find((l) => l.startsWith("## ")) ?? "";
}

function theBlock(what: string, found: Block[]): Block {
  assert.equal(found.length, 1, `README.md should have exactly one ${what} block`);
  return found[0] as Block;
}

const workflow = (): Block => theBlock("CI workflow", BLOCKS.filter((b) => b.info[0] === "yaml" && b.code.startsWith("# .github/workflows/")));
const layout = (): Block => theBlock("repository layout", BLOCKS.filter((b) => headingOf(b.line) === "## Repository" && b.info.length === 0));
const notRun = (): Block[] => BLOCKS.filter((b) => b.marker?.startsWith("<!-- not run") === true);

function workspacePackages(): Map<string, { dir: string; json: Record<string, unknown> }> {
  const out = new Map<string, { dir: string; json: Record<string, unknown> }>();
  for (const top of ["packages", "examples"]) {
    for (const name of fs.readdirSync(path.join(REPO, top))) {
      const file = path.join(REPO, top, name, "package.json");
      if (!fs.existsSync(file)) continue;
      const json = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
      out.set(json["name"] as string, { dir: path.join(top, name), json });
    }
  }
  return out;
}

describe("README.md blocks", () => {
  it("are all run or checked: samples, their files and output, or a block checked below", () => {
    const checked = new Set([workflow(), layout(), ...notRun()]);
    const runs = (b: Block): boolean => /^<!--\s*(test|output|file:)/.test(b.marker ?? "") || b.info.includes("test");
    const testing = (b: Block): boolean => headingOf(b.line) === TESTING.heading;
    const left = BLOCKS.filter((b) => !runs(b) && !checked.has(b) && !testing(b));
    assert.deepEqual(left.map((b) => `README.md:${b.line} ${b.code.split("\n")[0]}`), [], "blocks no test runs or checks");
    assert.ok(BLOCKS.some(testing), `no blocks under ${TESTING.heading}`);
    assert.ok(fs.readFileSync(path.join(REPO, TESTING.test), "utf8").includes(TESTING.heading), `${TESTING.test} no longer runs that section`);
  });

  it("not run: the npm commands install our packages (and their peers) and run scripts that exist", () => {
    const packages = workspacePackages();
    const scripts = (JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const commands = notRun().flatMap((b) => b.code.split("\n")).flatMap((l) => l.split(" && ")).map((c) => c.trim());
    assert.ok(commands.length >= 4, `not-run blocks: ${commands.join("; ")}`);
    for (const command of commands) {
      const script = /^npm (?:run (\S+)|(test))$/.exec(command);
      const added = /^npm install --save-dev ((?:\S+ ?)+)$/.exec(command)?.[1]?.split(" ");
      if (script) {
        const body = scripts[(script[1] ?? script[2]) as string];
        assert.ok(body, `${command}: no such script in package.json`);
        for (const [, file] of body.matchAll(/\bnode (\S+)/g)) assert.ok(fs.existsSync(path.join(REPO, file as string)), `${command} runs ${file}, which does not exist`);
      } else if (added) {
        const peers = new Set(added.flatMap((n) => Object.keys((packages.get(n)?.json["peerDependencies"] ?? {}) as object)));
        assert.ok(added.some((n) => packages.has(n)), `${command}: installs none of this repository's packages`);
        for (const n of added) assert.ok(packages.has(n) || peers.has(n), `${command}: ${n} is neither our package nor a peer of one`);
      } else {
        assert.equal(command, "npm install", `a not-run command no test checks: ${command}`);
      }
    }
  });

  it("the repository layout names paths that exist, and packages by their names", () => {
    const packages = workspacePackages();
    let parent = "";
    let count = 0;
    for (const line of layout().code.split("\n")) {
      const m = /^( *)(\S+)\s*(.*)$/.exec(line);
      if (!m) continue;
      const entry = m[1] ? path.posix.join(parent, m[2] as string) : (m[2] as string);
      if (!m[1]) parent = entry;
      assert.ok(fs.existsSync(path.join(REPO, entry)), `${entry} does not exist`);
      count++;
      let dir = entry;
      for (const [token] of (m[3] ?? "").matchAll(/(?<![\w@/.-])(?:(?:src|bench|docs)\/[\w./-]*\w|[\w-]+\.(?:ts|md))\b/g)) {
        const found = [path.join(entry, token), token, path.join(dir, token)].find((p) => fs.existsSync(path.join(REPO, p)));
        assert.ok(found, `${token} (listed under ${entry}) does not exist`);
        dir = path.dirname(found);
        count++;
      }
      const named = /^(@crashsafe\/[\w-]+|eslint-plugin-crashsafe)\b/.exec(m[3] ?? "")?.[1];
      if (named) assert.equal(packages.get(named)?.dir, entry.replace(/\/$/, ""), `${named} is not the package in ${entry}`);
    }
    assert.ok(count >= 15, `only ${count} paths found: did the layout block's format change?`);
  });
});

it("the audit samples show what a pipe gets: plain text even when the environment does not ask for it", () => {
  const env = { ...process.env };
  delete env["NO_COLOR"];
  delete env["FORCE_COLOR"];
  const cli = path.join(REPO, "packages", "cli", "bin", "crashsafe.js");
  const run = spawnSync(process.execPath, [cli, "audit", "src", "--format", "pretty"], { cwd: path.join(REPO, "examples", "signal-pipeline"), env, encoding: "utf8" });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stdout, /silent-state-reset/);
  assert.doesNotMatch(run.stdout, /\x1b\[/, "colour codes on a pipe");
});

describe("README.md CI workflow", () => {
  const lines = workflow().code.split("\n");
  const runs = lines.map((l) => /^\s*- run: (.*)$/.exec(l)?.[1]).filter((r): r is string => r !== undefined);
  const audits = runs.filter((r) => r.startsWith("npx crashsafe "));
  const unsafe = { name: "src/save.js", content: 'import fs from "node:fs";\nexport const save = (s) => fs.writeFileSync("state.json", JSON.stringify(s));\n' };
  const safe = { name: "src/save.js", content: 'import { writeJsonSync } from "crashsafe";\nexport const save = (s) => writeJsonSync("state.json", s);\n' };
  const run = (code: string, files: Sample["files"]) => runSample({ line: 0, language: "sh", code, exit: 0, files }, NODE_MODULES);

  it("installs the package that provides `crashsafe`, then runs only crashsafe audits", () => {
    const install = /^npm install --no-save (\S+)$/.exec(runs[0] ?? "")?.[1];
    const pkg = install === undefined ? undefined : workspacePackages().get(install);
    assert.ok(pkg, `the first step installs ${install}, not a package of this repository`);
    assert.ok(fs.existsSync(path.join(REPO, pkg.dir, (pkg.json["bin"] as Record<string, string>)["crashsafe"] ?? "")), `${install} has no crashsafe bin`);
    assert.deepEqual(runs.slice(1), audits);
    assert.equal(audits.length, 2);
  });

  it("writes the SARIF file that the upload step uploads, and that step does not fail the build", () => {
    const [report] = audits;
    assert.ok(report);
    const output = /--output (\S+)/.exec(report)?.[1];
    const uploaded = lines.map((l) => /^\s*sarif_file: (\S+)$/.exec(l)?.[1]).find(Boolean);
    assert.equal(uploaded, output);
    const result = run(`${report}\ncat ${output}`, [unsafe]);
    assert.equal(result.status, 0, result.stderr);
    const log = JSON.parse(result.stdout) as { version: string; runs: { results: { ruleId: string }[] }[] };
    assert.equal(log.version, "2.1.0");
    assert.deepEqual(log.runs[0]?.results.map((r) => r.ruleId), ["direct-state-write"]);
  });

  it("fails the build on an unsafe write, and only then", () => {
    const gate = audits[1];
    assert.ok(gate);
    const failing = run(gate, [unsafe]);
    assert.equal(failing.status, 1, failing.stderr);
    assert.match(failing.stdout, /src\/save\.js\n.*direct-state-write/);
    const passing = run(gate, [safe]);
    assert.equal(passing.status, 0, passing.stdout + passing.stderr);
  });
});
