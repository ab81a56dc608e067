export { formatPretty, type PrettyOptions } from "./pretty.js";
export { formatJson } from "./json.js";
export { formatSarif, type SarifOptions } from "./sarif.js";
export { formatHtml, escapeHtml, type HtmlOptions } from "./html.js";
export { ruleDocsUrl, RULE_DOCS_BASE } from "./docs-url.js";
export { describeRule, defaultFix } from "./describe.js";
