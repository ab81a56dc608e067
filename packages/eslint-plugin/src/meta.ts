import { createRequire } from "node:module";

const pkg = createRequire(import.meta.url)("../../package.json") as { name: string; version: string };

/** The plugin's npm name and version, as ESLint's config inspector and cache keys want them. */
export const PLUGIN_META = { name: pkg.name, version: pkg.version } as const;

/** Rule documentation lives in the repository, one page per rule id: `docs/rules/<id>.md`. */
export const DOCS_BASE = "https://github.com/crashsafe/crashsafe/blob/main/docs/rules/";

/** The docs page of a rule. */
export function docsUrl(ruleId: string): string {
  return `${DOCS_BASE}${ruleId}.md`;
}
