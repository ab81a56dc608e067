import type { FindingKind } from "../types.js";

/** Where each rule's page lives: docs/rules/<id>.md in the repository. */
export const RULE_DOCS_BASE = "https://github.com/crashsafe/crashsafe/blob/main/docs/rules/";

/** URL of a rule's documentation page (SARIF helpUri, ESLint meta.docs.url, HTML links). */
export function ruleDocsUrl(rule: FindingKind): string {
  return `${RULE_DOCS_BASE}${rule}.md`;
}
