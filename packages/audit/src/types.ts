/** Rule ids, used everywhere: CLI, JSON, SARIF, ESLint, suppression comments. */
export type RuleId =
  | "direct-state-write"
  | "silent-state-reset"
  | "non-durable-replace"
  | "shared-temp-name"
  | "setup-write";

/** `parse-error` is not a rule: it marks a file that could not be analysed. */
export type FindingKind = RuleId | "parse-error";

export type Severity = "error" | "warning" | "note";

export type Language = "javascript" | "typescript" | "python";

/** One finding, as the JSON report shows it (plus optional detail for pretty/SARIF/HTML). */
export interface Finding {
  rule: FindingKind;
  severity: Severity;
  /** Path relative to the current directory, `/`-separated. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  endLine?: number;
  endColumn?: number;
  message: string;
  /** `--fix` can rewrite it (JS/TS direct writes whose rewrite keeps behaviour). */
  fixable: boolean;
  /** The background's drill, answered where it can be: what breaks on the next start if this file is corrupt. */
  consequence?: string;
  /** The fix, in one line (or the exact replacement for Python). */
  suggestion?: string;
  /** Readers of the same path found elsewhere in the project ("file:line"). */
  readers?: string[];
  /** When reached through a project helper, e.g. `save_json (utils.py:12)`. */
  via?: string;
}

export interface AuditSummary {
  files: number;
  error: number;
  warning: number;
  note: number;
}

/** The JSON report, `--format json`: DESIGN.md's shape, version 1. */
export interface AuditReport {
  version: 1;
  findings: Finding[];
  summary: AuditSummary;
}

export const RULES: Record<RuleId, { severity: Severity; description: string }> = {
  "direct-state-write": {
    severity: "error",
    description: "Serialized state written by truncating the target in place: a crash mid-write leaves it empty or torn.",
  },
  "silent-state-reset": {
    severity: "error",
    description: "A reader carries on with empty/default state when parsing fails: a corrupt file silently erases history.",
  },
  "non-durable-replace": {
    severity: "warning",
    description: "Temp-then-rename without fsync, or with the temp outside the target's directory: a power cut can leave an empty file or undo the rename.",
  },
  "shared-temp-name": {
    severity: "warning",
    description: "A fixed temp name (path + \".tmp\") that concurrent writers share: they rename each other's half-written files.",
  },
  "setup-write": {
    severity: "note",
    description: "A one-time write (setup, export, build script): allowed, listed.",
  },
};
