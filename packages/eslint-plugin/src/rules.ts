import { isAbsolute, relative, sep } from "node:path";
import type { Rule } from "eslint";
import { RULES, ruleDocsUrl, type RuleId } from "@crashsafe/audit";
import type { ProgramFinding } from "@crashsafe/audit";
import { findingsFor } from "./findings.js";

/** The rule ids the plugin exposes: the JS/TS rules of the auditor except the `setup-write` note. */
export const RULE_IDS = ["direct-state-write", "silent-state-reset", "non-durable-replace", "shared-temp-name"] as const satisfies readonly RuleId[];

export type PluginRuleId = (typeof RULE_IDS)[number];

type TextEdit = NonNullable<ProgramFinding["fix"]>[number];

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

/** One report per finding, with offsets turned into ESLint locations. */
function report(context: Rule.RuleContext, finding: ProgramFinding): void {
  const { sourceCode } = context;
  const suggestions = extraSuggestions(finding);
  context.report({
    loc: { start: sourceCode.getLocFromIndex(finding.start), end: sourceCode.getLocFromIndex(finding.end) },
    messageId: "finding",
    data: { message: finding.message },
    ...(finding.fix?.length ? { fix: applyEdits(finding.fix) } : {}),
    ...(suggestions.length
      ? { suggest: suggestions.map((s) => ({ messageId: "suggestion", data: { desc: s.desc }, fix: applyEdits(s.edits) })) }
      : {}),
  });
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
            if (finding.rule === id) report(context, finding);
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
