/**
 * `crashsafe audit [paths…]`: find unsafe state writes and silent resets (see @crashsafe/audit).
 *
 * Format: `--format`, else inferred from `--output`'s extension (.json, .sarif, .html), else
 * `pretty` when stdout is a terminal and `json` when it is not (a pipe or a CI log collector
 * gets the machine-readable report).
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { audit, formatHtml, formatJson, formatPretty, formatSarif, type AuditReport, type AuditResult, type Severity } from "@crashsafe/audit";
import { writeFileAtomic } from "crashsafe";
import { ExitCode, UsageError } from "../usage-error.js";

const FORMATS = ["pretty", "json", "sarif", "html"] as const;
type Format = (typeof FORMATS)[number];
const FAIL_ON = ["error", "warning", "note", "never"] as const;
type FailOn = (typeof FAIL_ON)[number];

export const HELP = `Usage: crashsafe audit [paths…] [options]

Find state files written unsafely (direct writes, non-durable replaces, shared temp names) and
readers that silently reset state on a parse error, in JS/TS and Python sources.

Options:
  -f, --format <pretty|json|sarif|html>  report format (default: from --output's extension,
                                         else pretty on a terminal, json otherwise)
  -o, --output <file>                    write the report to a file instead of stdout
      --fail-on <error|warning|note|never>  exit 1 when a finding is at least this severe (default: error)
      --fix                              rewrite fixable JS/TS writes to crashsafe calls
      --dry-run                          with --fix: print the diff, change nothing (implies --fix)
      --ignore <glob>                    skip matching files (repeatable)
      --workers <n>                      worker threads for JS/TS (default: CPU count, at most 8)
  -h, --help                             show this help

Suppress one finding with a comment on its line or the line above:
  // crashsafe-ignore <rule-id>: <reason>      (# in Python)
Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or I/O error.`;

interface AuditArgs {
  paths: string[];
  format: Format;
  output: string | undefined;
  failOn: FailOn;
  fix: boolean;
  dryRun: boolean;
  ignore: string[];
  workers: number | undefined;
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(", ")} (got "${value}")`);
  return value as T;
}

function formatFromOutput(output: string | undefined): Format | undefined {
  const ext = output?.slice(output.lastIndexOf(".") + 1).toLowerCase();
  return ext === "json" ? "json" : ext === "sarif" ? "sarif" : ext === "html" || ext === "htm" ? "html" : undefined;
}

export function parseAuditArgs(args: string[], stdoutIsTty: boolean): AuditArgs | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: "string", short: "f" },
        output: { type: "string", short: "o" },
        "fail-on": { type: "string" },
        fix: { type: "boolean" },
        "dry-run": { type: "boolean" },
        ignore: { type: "string", multiple: true },
        workers: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split("\n")[0]}; run \`crashsafe audit --help\``);
  }
  const v = parsed.values;
  if (v.help) return undefined;
  const fallback: Format = formatFromOutput(v.output) ?? (stdoutIsTty ? "pretty" : "json");
  let workers: number | undefined;
  if (v.workers !== undefined) {
    workers = Number(v.workers);
    if (!Number.isInteger(workers) || workers < 0) throw new UsageError(`--workers must be a whole number (got "${v.workers}")`);
  }
  return {
    paths: parsed.positionals,
    format: oneOf("format", v.format, FORMATS, fallback),
    output: v.output,
    failOn: oneOf("fail-on", v["fail-on"], FAIL_ON, "error"),
    fix: Boolean(v.fix || v["dry-run"]),
    dryRun: Boolean(v["dry-run"]),
    ignore: v.ignore ?? [],
    workers,
  };
}

const RANK: Record<Severity, number> = { note: 0, warning: 1, error: 2 };

/** Exit code for a report under `--fail-on`. */
export function exitCodeFor(report: AuditReport, failOn: FailOn): number {
  if (failOn === "never") return ExitCode.ok;
  return report.findings.some((f) => RANK[f.severity] >= RANK[failOn]) ? ExitCode.findings : ExitCode.ok;
}

async function toolVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

async function render(report: AuditReport, format: Format, color: boolean, cwd: string): Promise<string> {
  switch (format) {
    case "pretty":
      return formatPretty(report, { color, cwd });
    case "json":
      return formatJson(report);
    case "sarif":
      return formatSarif(report, { toolVersion: await toolVersion() });
    case "html":
      return formatHtml(report, { cwd });
  }
}

function describeFixes(result: AuditResult, dryRun: boolean): string {
  const fixes = result.fixes ?? [];
  const calls = fixes.reduce((n, f) => n + f.calls, 0);
  const verb = dryRun ? "would rewrite" : "rewrote";
  return `crashsafe audit: ${verb} ${calls} call${calls === 1 ? "" : "s"} in ${fixes.length} file${fixes.length === 1 ? "" : "s"}`;
}

export async function run(args: string[]): Promise<number> {
  const opts = parseAuditArgs(args, process.stdout.isTTY === true);
  if (!opts) {
    console.log(HELP);
    return ExitCode.ok;
  }
  const cwd = process.cwd();
  const base = { paths: opts.paths, cwd, ignore: opts.ignore, workers: opts.workers };
  let report: AuditResult = await audit({ ...base, fix: opts.fix, dryRun: opts.dryRun });
  if (opts.fix) {
    if (opts.dryRun) for (const f of report.fixes ?? []) process.stdout.write(f.diff);
    console.error(describeFixes(report, opts.dryRun));
    // After a real fix, report what is left.
    if (!opts.dryRun && (report.fixes?.length ?? 0) > 0) report = await audit(base);
  }
  const color = opts.output === undefined && process.stdout.isTTY === true && !process.env.NO_COLOR;
  const text = await render({ version: report.version, findings: report.findings, summary: report.summary }, opts.format, color, cwd);
  if (opts.output !== undefined) await writeFileAtomic(opts.output, text.endsWith("\n") ? text : `${text}\n`);
  else if (!opts.dryRun) process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  return exitCodeFor(report, opts.failOn);
}
