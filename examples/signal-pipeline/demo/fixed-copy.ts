/**
 * Step 4: copy the example into a temp directory, let the auditor fix it, finish what the auditor
 * leaves to a human, audit again and compile the copy with the repository's TypeScript. The copy
 * gets a `node_modules` symlink to the repository's, so its new `crashsafe` import resolves to
 * this repository's library, and a `.gitignore` so the audit looks at the sources only.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { AuditReport, Finding } from "@crashsafe/audit";
import { auditFix, auditJson } from "./audit-step.js";
import { applyManualFix, MANUAL_FIXES, type ManualFix } from "./manual-fixes.js";

export interface FixedCopy {
  /** The copy's root (inside the demo's temp directory). */
  root: string;
  /** Its compiled modules: main.js, index.js… */
  dist: string;
  before: AuditReport;
  afterAutoFix: AuditReport;
  /** Edits made by hand for what the auditor does not rewrite itself. */
  manual: { fix: ManualFix; findings: Finding[] }[];
  after: AuditReport;
  /** Files `--fix` changed, and what it said about it. */
  autoFixedFiles: string[];
  fixSays: string;
  compileErrors: string;
}

function tsc(): string {
  return fileURLToPath(import.meta.resolve("typescript/bin/tsc"));
}

function writeProject(root: string, repoRoot: string): void {
  fs.writeFileSync(path.join(root, "package.json"), `${JSON.stringify({ name: "signal-pipeline-fixed", private: true, type: "module" }, null, 2)}\n`);
  fs.writeFileSync(path.join(root, ".gitignore"), "node_modules/\ndist/\n");
  const tsconfig = {
    extends: path.join(repoRoot, "tsconfig.base.json"),
    compilerOptions: { rootDir: "src", outDir: "dist", composite: false, declaration: false, declarationMap: false, incremental: false, sourceMap: false },
    include: ["src"],
  };
  fs.writeFileSync(path.join(root, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
  fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(root, "node_modules"), "dir");
}

function changedFiles(src: string, original: Map<string, string>): string[] {
  return [...original].filter(([name, text]) => fs.readFileSync(path.join(src, name), "utf8") !== text).map(([name]) => name);
}

function applyManualFixes(src: string, report: AuditReport): FixedCopy["manual"] {
  const applied: FixedCopy["manual"] = [];
  for (const fix of MANUAL_FIXES) {
    const findings = report.findings.filter((f) => f.file.endsWith(`/${fix.file}`) && (fix.rules as string[]).includes(f.rule));
    if (findings.length === 0) continue;
    const file = path.join(src, fix.file);
    const fixed = applyManualFix(fs.readFileSync(file, "utf8"), fix);
    if (fixed === undefined) continue;
    fs.writeFileSync(file, fixed);
    applied.push({ fix, findings });
  }
  return applied;
}

/** Builds the fixed copy of the example under `root` (which must not exist yet). */
export function makeFixedCopy(exampleDir: string, repoRoot: string, root: string): FixedCopy {
  const src = path.join(root, "src");
  fs.mkdirSync(root, { recursive: true });
  fs.cpSync(path.join(exampleDir, "src"), src, { recursive: true });
  writeProject(root, repoRoot);
  const original = new Map(fs.readdirSync(src).map((name) => [name, fs.readFileSync(path.join(src, name), "utf8")] as const));
  const before = auditJson(["src"], root);
  const fixSays = auditFix(["src"], root).stderr.trim().split("\n").pop() ?? "";
  const autoFixedFiles = changedFiles(src, original);
  const afterAutoFix = auditJson(["src"], root);
  const manual = applyManualFixes(src, afterAutoFix);
  const after = auditJson(["src"], root);
  const build = spawnSync(process.execPath, [tsc(), "-p", root], { encoding: "utf8", timeout: 120_000 });
  const compileErrors = build.status === 0 ? "" : `${build.stdout}${build.stderr}`.trim() || `tsc exit code ${build.status}`;
  return { root, dist: path.join(root, "dist"), before, afterAutoFix, manual, after, autoFixedFiles, fixSays, compileErrors };
}
