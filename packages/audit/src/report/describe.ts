import { RULES, type FindingKind } from "../types.js";

/** A rule's one-line description; `parse-error` is not a rule but is reported like one. */
export function describeRule(rule: FindingKind): string {
  return rule === "parse-error" ? "The file could not be parsed, so it was not analysed: fix the syntax or exclude it." : RULES[rule].description;
}

/** What to do about a finding of this rule when the finding brings no suggestion of its own. */
export function defaultFix(rule: FindingKind): string {
  switch (rule) {
    case "direct-state-write": return "Write to a unique temp file in the same directory, fsync it, then rename it over the target (crashsafe writeJson / Python atomic_write).";
    case "silent-state-reset": return "Default only when the file is missing (ENOENT / FileNotFoundError); let a parse error stop the program or restore a backup.";
    case "non-durable-replace": return "fsync the temp before the rename, keep it in the target's directory, fsync the directory after.";
    case "shared-temp-name": return "Give each writer a unique temp name (pid + random, or tempfile.mkstemp(dir=…)).";
    case "setup-write": return "Nothing to do if it really runs once; use an atomic write if it runs at runtime.";
    case "parse-error": return "Fix the syntax error, or exclude the file with --ignore.";
  }
}
