/**
 * Step 1 and 4: `crashsafe audit` on the example, `crashsafe audit --fix` on the copy. The demo
 * drives the command line a user would type, so it shows the auditor exactly as shipped.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { AuditReport } from "@crashsafe/audit";

/** The `crashsafe` command of this repository. */
export function crashsafeBin(): string {
  const pkg = fileURLToPath(import.meta.resolve("@crashsafe/cli/package.json"));
  return path.join(path.dirname(pkg), "bin", "crashsafe.js");
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `crashsafe <args>` in `cwd`. */
export function crashsafe(args: string[], cwd: string): CliRun {
  const run = spawnSync(process.execPath, [crashsafeBin(), ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { status: run.status, stdout: run.stdout ?? "", stderr: (run.stderr ?? "") + (run.error ? run.error.message : "") };
}

function failure(what: string, run: CliRun): Error {
  const why = run.stderr.trim().split("\n").slice(-2).join(" ") || `exit code ${run.status}`;
  return new Error(`${what} failed: ${why}`);
}

/** `crashsafe audit <paths> --format json --fail-on never` in `cwd`: the JSON report. */
export function auditJson(paths: string[], cwd: string): AuditReport {
  const run = crashsafe(["audit", ...paths, "--format", "json", "--fail-on", "never"], cwd);
  if (run.status !== 0) throw failure("crashsafe audit", run);
  return JSON.parse(run.stdout) as AuditReport;
}

/** `crashsafe audit <paths> --fix` in `cwd`: rewrites what the auditor can fix by itself. */
export function auditFix(paths: string[], cwd: string): CliRun {
  const run = crashsafe(["audit", ...paths, "--fix", "--fail-on", "never"], cwd);
  if (run.status !== 0) throw failure("crashsafe audit --fix", run);
  return run;
}

/** `crashsafe audit <paths> --format html --output <file>`: undefined when it worked, else why not. */
export function auditHtml(paths: string[], cwd: string, output: string): string | undefined {
  const run = crashsafe(["audit", ...paths, "--format", "html", "--output", output, "--fail-on", "never"], cwd);
  return run.status === 0 ? undefined : failure("crashsafe audit --format html", run).message;
}
