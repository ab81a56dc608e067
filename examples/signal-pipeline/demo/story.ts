/**
 * The whole demo as one function: the background story re-enacted on the example service, then
 * ended with crashsafe. `demo.ts` prints it; the end-to-end test runs it with fewer trials.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { AuditReport } from "@crashsafe/audit";
import { auditHtml, auditJson } from "./audit-step.js";
import { STATE_FILES, totalCorruptFiles, type Consequences } from "./consequences.js";
import { drillFor, stateFilesOf } from "./drill.js";
import { makeFixedCopy, type FixedCopy } from "./fixed-copy.js";
import { printer, seconds, type Printer } from "./present.js";
import { simulateService, type SimulateStepResult } from "./simulate-step.js";
import { tortureService, type TortureStepOptions, type TortureStepResult } from "./torture-step.js";

export interface StoryOptions extends TortureStepOptions {
  /** Where the lines go (default: stdout). */
  write?: (line: string) => void;
  colour?: boolean;
  /** Write the HTML audit report into the temp directory and keep it (default true). */
  htmlReport?: boolean;
}

export interface Side {
  audit: AuditReport;
  torture: TortureStepResult;
  simulate: SimulateStepResult;
}

export interface StoryResult {
  /** True when the story holds: damage before the fix, none after. */
  holds: boolean;
  /** Why it does not hold (empty when it does). */
  reasons: string[];
  before: Side;
  after: Side;
  fixed: Omit<FixedCopy, "root" | "dist">;
  /** The HTML report (kept in its temp directory), or why there is none. */
  report: { path?: string; error?: string };
  ms: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** examples/signal-pipeline (this file runs from dist/demo/). */
export const EXAMPLE_DIR = path.resolve(here, "..", "..");
export const REPO_ROOT = path.resolve(EXAMPLE_DIR, "..", "..");

function count(report: AuditReport, rule: string): number {
  return report.findings.filter((f) => f.rule === rule).length;
}

function stepAudit(p: Printer): AuditReport {
  p.heading(1, "Audit the example as shipped: crashsafe audit examples/signal-pipeline/src");
  const report = auditJson(["src"], EXAMPLE_DIR);
  for (const f of report.findings) {
    const colour = f.severity === "error" ? "red" : f.severity === "warning" ? "yellow" : "dim";
    p.line(`${p.paint(colour, f.severity.padEnd(7))} ${f.rule.padEnd(19)} src/${f.file.split("src/").pop()}:${f.line}  ${f.message}`);
    const drill = drillFor(f);
    if (drill) p.line(p.paint("dim", `        drill, if ${drill.stateFile} is corrupt at the next start: ${f.consequence ?? drill.ifCorrupt}`));
  }
  const direct = stateFilesOf(report.findings, "direct-state-write").length;
  const resets = count(report, "silent-state-reset");
  p.verdict(false, `${direct} of ${STATE_FILES.length} state files written in place and ${resets} reader that silently resets: the story's audit, found by a parser`);
  return report;
}

function printTorture(p: Printer, r: TortureStepResult): void {
  const c = r.consequences;
  const files = STATE_FILES.filter((name) => c.corruptFiles[name]).map((name) => `${name} ×${c.corruptFiles[name]}`).join(", ") || "none";
  p.line(`trials with damage      ${c.badTrials}/${r.harness.trials}`);
  p.line(`corrupt files           ${totalCorruptFiles(c)} (${files})`);
  p.line(`restarts that failed    ${c.failedRestarts}`);
  p.line(`alerts fired again      ${c.refiredAlerts}`);
  p.line(`positions re-opened     ${c.reopenedPositions}`);
  const temps = r.harness.leftoverTemps.length;
  if (temps > 0) p.line(p.paint("dim", `temp files left by a killed write: ${temps} trials (never read as state; cleanupTemps() or \`crashsafe doctor --fix\` removes them)`));
  const other = harnessErrors(r);
  if (other.length > 0) p.line(p.paint("yellow", `harness errors: ${other.slice(0, 3).join(" | ")}`));
}

/** Torture failures that are not damage found by the check (e.g. a run that ended before its kill). */
function harnessErrors(r: TortureStepResult): string[] {
  if (r.consequences.trials === r.harness.trials) return [];
  return r.harness.failures.map((f) => f.error).filter((e) => !/^(corrupt|restart failed|\d+ alerts|\d+ positions)/.test(e));
}

function damage(c: Consequences): number {
  return c.badTrials;
}

function printSimulation(p: Printer, r: SimulateStepResult): void {
  for (const s of r.paths) {
    const mark = s.failures.length === 0 ? p.paint("green", "ok") : p.paint("red", `${s.failures.length} ways to break`);
    p.line(`${s.file.padEnd(22)} ${String(s.states).padStart(4)} crash states  ${mark}`);
    if (s.failures[0]) p.line(p.paint("dim", `    e.g. ${s.failures[0]}`));
    if (s.trace[0]) p.line(p.paint("dim", `    because: ${s.trace[0]}`));
  }
}

function failingPaths(r: SimulateStepResult): number {
  return r.paths.filter((s) => s.failures.length > 0).length;
}

function printFix(p: Printer, fixed: FixedCopy): void {
  p.line(`copy:                 ${fixed.root} (removed at the end)`);
  p.line(`auto-fixed by --fix:  ${fixed.autoFixedFiles.join(", ") || "nothing"}${fixed.fixSays ? p.paint("dim", ` (${fixed.fixSays})`) : ""}`);
  for (const { fix, findings } of fixed.manual) {
    p.line(`fixed by hand:        ${fix.file} (${[...new Set(findings.map((f) => f.rule))].join(", ")}): ${fix.why}`);
  }
  p.line(`audit again:          ${fixed.after.findings.length} findings`);
  for (const f of fixed.after.findings) p.line(p.paint("red", `  ${f.rule} ${f.file}:${f.line} ${f.message}`));
  p.line(`compiled the copy:    ${fixed.compileErrors ? p.paint("red", fixed.compileErrors.split("\n")[0] ?? "") : "ok"}`);
}

function summaryRows(before: Side, after: Side): string[][] {
  const sev = (r: AuditReport): string => `${r.summary.error} err / ${r.summary.warning} warn`;
  const row = (label: string, f: (s: Side) => string | number): string[] => [label, String(f(before)), String(f(after))];
  return [
    ["", "as shipped", "after crashsafe"],
    row("audit findings", (s) => sev(s.audit)),
    row("SIGKILL trials with damage", (s) => `${damage(s.torture.consequences)}/${s.torture.harness.trials}`),
    row("corrupt state files", (s) => totalCorruptFiles(s.torture.consequences)),
    row("restarts that failed", (s) => s.torture.consequences.failedRestarts),
    row("alerts fired again", (s) => s.torture.consequences.refiredAlerts),
    row("positions re-opened", (s) => s.torture.consequences.reopenedPositions),
    row(`power-loss states (${before.simulate.model})`, (s) => s.simulate.states),
    row("save paths that can break", (s) => `${failingPaths(s.simulate)}/${s.simulate.paths.length}`),
  ];
}

/** What must be true for the story to hold; each broken expectation is a reason. */
function judge(before: Side, after: Side, fixed: FixedCopy): string[] {
  const reasons: string[] = [];
  const direct = stateFilesOf(before.audit.findings, "direct-state-write");
  if (direct.length !== 4) reasons.push(`the audit found direct writes of ${direct.length} state files (${direct.join(", ")}), expected 4`);
  if (count(before.audit, "silent-state-reset") < 1) reasons.push("the audit did not find the silent-reset reader");
  if (damage(before.torture.consequences) === 0) reasons.push("no SIGKILL trial damaged the shipped example (raise --trials)");
  if (failingPaths(before.simulate) < 4) reasons.push(`only ${failingPaths(before.simulate)} save paths of the shipped example break under power loss, expected at least 4`);
  if (fixed.after.findings.length > 0) reasons.push(`the fixed copy still has ${fixed.after.findings.length} audit findings`);
  if (fixed.compileErrors) reasons.push(`the fixed copy does not compile: ${fixed.compileErrors.split("\n")[0]}`);
  const c = after.torture.consequences;
  if (damage(c) > 0) reasons.push(`the fixed copy was damaged in ${damage(c)} SIGKILL trials`);
  if (c.trials !== after.torture.harness.trials) reasons.push(`only ${c.trials} of ${after.torture.harness.trials} SIGKILL trials of the fixed copy were checked: ${harnessErrors(after.torture)[0] ?? ""}`);
  if (failingPaths(after.simulate) > 0) reasons.push(`${failingPaths(after.simulate)} save paths of the fixed copy still break under power loss`);
  return reasons;
}

/** Runs the six steps; the temp directory is removed except for the HTML report. */
export async function runStory(options: StoryOptions = {}): Promise<StoryResult> {
  const started = Date.now();
  const p = printer(options.write ?? ((line) => console.log(line)), options.colour ?? false);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "crashsafe-demo-"));
  const reportPath = path.join(work, "report.html");
  let keepReport = false;
  try {
    const audit = stepAudit(p);

    p.heading(2, `Kill it: ${options.trials ?? 40} × SIGKILL at a random moment, then restart it`);
    const torture = await tortureService(path.join(EXAMPLE_DIR, "dist", "src", "main.js"), options);
    printTorture(p, torture);
    const hurt = damage(torture.consequences);
    p.verdict(hurt === 0, `${hurt} of ${torture.harness.trials} crashes did damage (${seconds(torture.ms)})`);

    p.heading(3, 'Pull the plug: power-loss simulation of the five save paths (crashsafe/testing, "pessimistic")');
    const simulate = await simulateService(path.join(EXAMPLE_DIR, "dist", "src"));
    printSimulation(p, simulate);
    p.verdict(failingPaths(simulate) === 0, `${failingPaths(simulate)} of ${simulate.paths.length} save paths can leave a broken file, the story's temp+rename included (${simulate.states} states, ${seconds(simulate.ms)})`);
    const before: Side = { audit, torture, simulate };

    p.heading(4, "Fix it: crashsafe audit --fix on a copy, then audit again");
    // crashsafe-ignore direct-state-write: writes a throwaway project (package.json, tsconfig) into the demo's temp dir
    const fixStarted = Date.now();
    const fixed = makeFixedCopy(EXAMPLE_DIR, REPO_ROOT, path.join(work, "signal-pipeline"));
    printFix(p, fixed);
    const clean = fixed.after.findings.length === 0;
    p.verdict(clean && !fixed.compileErrors, `${clean ? "clean: every state file is now written with crashsafe" : "not clean"} (fixed, audited and compiled in ${seconds(Date.now() - fixStarted)}: the drill's "prevent")`);

    p.heading(5, "Prove it: the same SIGKILL trials and power-loss simulation on the fixed copy");
    const afterTorture = await tortureService(path.join(fixed.dist, "main.js"), options);
    printTorture(p, afterTorture);
    const afterSimulate = await simulateService(fixed.dist);
    printSimulation(p, afterSimulate);
    const afterHurt = damage(afterTorture.consequences) + failingPaths(afterSimulate);
    p.verdict(afterHurt === 0, `${damage(afterTorture.consequences)} damaged trials, ${failingPaths(afterSimulate)} breakable save paths (${seconds(afterTorture.ms + afterSimulate.ms)})`);
    const after: Side = { audit: fixed.after, torture: afterTorture, simulate: afterSimulate };

    p.heading(6, "Before and after");
    p.table(summaryRows(before, after));
    const report: StoryResult["report"] = {};
    if (options.htmlReport ?? true) {
      const error = auditHtml(["src"], EXAMPLE_DIR, reportPath);
      if (error === undefined && fs.existsSync(reportPath)) {
        keepReport = true;
        report.path = reportPath;
        p.line(`HTML report of the shipped example: ${reportPath}`);
      } else report.error = error ?? "no report written";
    }
    const reasons = judge(before, after, fixed);
    const { root: _root, dist: _dist, ...fixedSummary } = fixed;
    const result: StoryResult = { holds: reasons.length === 0, reasons, before, after, fixed: fixedSummary, report, ms: Date.now() - started };
    p.verdict(result.holds, result.holds ? `The story holds: damage before, none after (${seconds(result.ms)})` : `The story does not hold: ${reasons.join("; ")}`);
    return result;
  } finally {
    cleanUp(work, keepReport ? reportPath : undefined);
  }
}

/** Removes the demo's temp directory, all but `keep`. */
function cleanUp(work: string, keep: string | undefined): void {
  if (keep === undefined) {
    fs.rmSync(work, { recursive: true, force: true });
    return;
  }
  for (const name of fs.readdirSync(work)) {
    const full = path.join(work, name);
    if (full !== keep) fs.rmSync(full, { recursive: true, force: true });
  }
}
