import { isAbsolute, relative, sep } from "node:path";
import type { Rule, SourceCode } from "eslint";
import { RULES, ruleDocsUrl, type ProgramFinding, type RuleId, type TextEdit } from "@crashsafe/audit";
import { findingsFor } from "./findings.js";

/** The rule ids the plugin exposes: the JS/TS rules of the auditor except the `setup-write` note. */
export const RULE_IDS = ["direct-state-write", "silent-state-reset", "non-durable-replace", "shared-temp-name"] as const satisfies readonly RuleId[];

export type PluginRuleId = (typeof RULE_IDS)[number];

function applyEdits(edits: TextEdit[]): Rule.ReportFixer {
  return (fixer) => edits.map((e) => fixer.replaceTextRange([e.start, e.end], e.text));
}

/**
 * The file as the auditor names it: relative to the directory ESLint runs in, `/`-separated, so
 * that a file counts as a script or test (`setup-write`, not reported here) for where it sits in
 * the project, not for where the project sits on disk.
 */
function projectPath(context: Rule.RuleContext): string {
  const rel = relative(context.cwd, context.filename);
  return (rel && !isAbsolute(rel) ? rel : context.filename).split(sep).join("/");
}

function sameEdits(a: TextEdit[], b: TextEdit[] | undefined): boolean {
  return !!b && a.length === b.length && a.every((e, i) => e.start === b[i]!.start && e.end === b[i]!.end && e.text === b[i]!.text);
}

/** Suggestions other than the autofix itself: ESLint already offers the fix, once is enough. */
function extraSuggestions(finding: ProgramFinding): NonNullable<ProgramFinding["suggestions"]> {
  return (finding.suggestions ?? []).filter((s) => !sameEdits(s.edits, finding.fix));
}

/** What the rules pass to `context.report` for one finding. */
export interface FindingReport {
  /** 1-based lines, 0-based columns (ESLint's convention). */
  loc: { start: { line: number; column: number }; end: { line: number; column: number } };
  messageId: "finding";
  data: { message: string };
  fix?: Rule.ReportFixer;
  suggest?: Array<{ messageId: "suggestion"; data: { desc: string }; fix: Rule.ReportFixer }>;
}

/**
 * The ESLint report of one finding: offsets turned into locations, the finding's edits into an
 * autofix, and its other edit sets into suggestions.
 */
export function reportDescriptor(sourceCode: SourceCode, finding: ProgramFinding): FindingReport {
  const suggestions = extraSuggestions(finding);
  return {
    loc: { start: sourceCode.getLocFromIndex(finding.start), end: sourceCode.getLocFromIndex(finding.end) },
    messageId: "finding",
    data: { message: finding.message },
    ...(finding.fix?.length ? { fix: applyEdits(finding.fix) } : {}),
    ...(suggestions.length
      ? { suggest: suggestions.map((s) => ({ messageId: "suggestion" as const, data: { desc: s.desc }, fix: applyEdits(s.edits) })) }
      : {}),
  };
}

/** The ESLint rule `crashsafe/<id>`: reports the detection core's findings of that rule id. */
export function createRule(id: PluginRuleId): Rule.RuleModule {
  return {
    meta: {
      type: "problem",
      docs: { description: RULES[id].description, recommended: true, url: ruleDocsUrl(id) },
      fixable: "code",
      hasSuggestions: true,
      schema: [],
      messages: { finding: "{{ message }}", suggestion: "{{ desc }}" },
    },
    create(context) {
      return {
        Program() {
          for (const finding of findingsFor(context.sourceCode, projectPath(context))) {
            if (finding.rule === id) context.report(reportDescriptor(context.sourceCode, finding));
          }
        },
      };
    },
  };
}

/** All four rules, keyed by id (ESLint prefixes them with the plugin's namespace, `crashsafe/`). */
export const rules: Record<PluginRuleId, Rule.RuleModule> = Object.fromEntries(
  RULE_IDS.map((id) => [id, createRule(id)]),
) as Record<PluginRuleId, Rule.RuleModule>;
