// Runs every compiled test file of every workspace with node's test runner.
// Node 20 has no glob support in `node --test`, so the files are listed here.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";

const roots = ["packages", "examples"].flatMap((top) =>
  existsSync(top) ? readdirSync(top).map((name) => join(top, name, "dist", "test")) : [],
);

function collect(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return name === "fixtures" ? [] : collect(full);
    return name.endsWith(".test.js") ? [full] : [];
  });
}

const filter = process.argv.slice(2);
const files = roots.flatMap(collect).filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error("no test files found: run `npm run build` first");
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=2", ...files], { stdio: "inherit" });
process.exit(result.status ?? 1);
