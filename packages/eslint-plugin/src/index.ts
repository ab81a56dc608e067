/**
 * eslint-plugin-crashsafe: the JS/TS rules of @crashsafe/audit as ESLint rules, for ESLint 9
 * and 10 flat config.
 *
 * ```js
 * // eslint.config.js
 * import crashsafe from "eslint-plugin-crashsafe";
 * export default [crashsafe.configs.recommended];
 * ```
 */
import type { ESLint, Linter, Rule } from "eslint";
import { PLUGIN_META } from "./meta.js";
import { parser } from "./parser.js";
import { RULE_IDS, rules, type PluginRuleId } from "./rules.js";
import { RULES } from "@crashsafe/audit";

export { RULE_IDS, createRule, reportDescriptor, rules, type FindingReport, type PluginRuleId } from "./rules.js";
export { parser } from "./parser.js";

/** Every JS and TS file extension the recommended config lints. */
export const FILES = ["**/*.{js,mjs,cjs,jsx,ts,tsx,mts,cts}"];

/** The plugin object as ESLint sees it, with its config typed as a single flat config object. */
export interface CrashsafePlugin extends ESLint.Plugin {
  meta: { name: string; version: string };
  rules: Record<PluginRuleId, Rule.RuleModule>;
  configs: { recommended: Linter.Config };
}

const plugin: CrashsafePlugin = {
  meta: { ...PLUGIN_META },
  rules,
  configs: { recommended: {} },
};

/**
 * `configs.recommended`: one flat config object (so `[crashsafe.configs.recommended]` works
 * without `defineConfig`), covering .js/.mjs/.cjs/.jsx and .ts/.tsx/.mts/.cts; errors for
 * `direct-state-write` and `silent-state-reset`, warnings for the other two (the auditor's
 * severities). TypeScript files are parsed by @typescript-eslint/parser, the rest by espree.
 */
plugin.configs.recommended = {
  name: "crashsafe/recommended",
  files: FILES,
  plugins: { crashsafe: plugin },
  languageOptions: { parser },
  rules: Object.fromEntries(RULE_IDS.map((id) => [`crashsafe/${id}`, RULES[id].severity === "error" ? "error" : "warn"])),
};

export default plugin;
