import { createHash } from "node:crypto";
import type * as Sarif from "sarif";
import { RULES, type AuditReport, type Finding, type FindingKind } from "../types.js";
import { defaultFix, describeRule } from "./describe.js";
import { ruleDocsUrl } from "./docs-url.js";

/** Options of {@link formatSarif}. */
export interface SarifOptions {
  /** Version of the tool, shown in the SARIF driver. */
  toolVersion: string;
}

const RULE_IDS: FindingKind[] = [...(Object.keys(RULES) as FindingKind[]), "parse-error"];

function levelOf(rule: FindingKind): Sarif.ReportingConfiguration.level {
  return rule === "parse-error" ? "error" : RULES[rule].severity;
}

function ruleDescriptor(id: FindingKind): Sarif.ReportingDescriptor {
  return {
    id,
    name: id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase()),
    shortDescription: { text: describeRule(id) },
    fullDescription: { text: `${describeRule(id)} Fix: ${defaultFix(id)}` },
    helpUri: ruleDocsUrl(id),
    help: { text: `${defaultFix(id)} See ${ruleDocsUrl(id)}`, markdown: `${defaultFix(id)}\n\n[Rule documentation](${ruleDocsUrl(id)})` },
    defaultConfiguration: { level: levelOf(id) },
    properties: { tags: ["reliability", "crash-safety"], precision: "high", "problem.severity": id === "parse-error" ? "error" : RULES[id].severity === "note" ? "recommendation" : RULES[id].severity },
  };
}

/** A relative, `/`-separated path as a URI reference (segments percent-encoded). */
function toUri(file: string): string {
  return file.split("/").map(encodeURIComponent).join("/");
}

function message(f: Finding): string {
  const parts = [f.message];
  if (f.via) parts.push(`Via ${f.via}.`);
  if (f.consequence) parts.push(f.consequence);
  return parts.join(" ");
}

/**
 * `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it — every rule with its help URI,
 * results located relative to `%SRCROOT%`, and partial fingerprints so alerts survive line shifts.
 */
export function formatSarif(report: AuditReport, options: SarifOptions): string {
  const seen = new Map<string, number>();
  const results: Sarif.Result[] = report.findings.map((f) => {
    const base = `${f.rule}\0${f.file}\0${f.message}`;
    const occurrence = seen.get(base) ?? 0;
    seen.set(base, occurrence + 1);
    const region: Sarif.Region = { startLine: f.line, startColumn: f.column };
    if (f.endLine !== undefined) region.endLine = f.endLine;
    if (f.endColumn !== undefined) region.endColumn = f.endColumn;
    return {
      ruleId: f.rule,
      ruleIndex: RULE_IDS.indexOf(f.rule),
      level: f.severity,
      message: { text: message(f) },
      locations: [{ physicalLocation: { artifactLocation: { uri: toUri(f.file), uriBaseId: "%SRCROOT%" }, region } }],
      partialFingerprints: { "crashsafeFinding/v1": createHash("sha256").update(`${base}\0${occurrence}`).digest("hex").slice(0, 32) },
    };
  });
  const log: Sarif.Log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{
      tool: { driver: { name: "crashsafe", informationUri: "https://github.com/crashsafe/crashsafe", version: options.toolVersion, semanticVersion: options.toolVersion, rules: RULE_IDS.map(ruleDescriptor) } },
      columnKind: "utf16CodeUnits",
      results,
    }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
