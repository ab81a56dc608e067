/**
 * One parser object for every file the recommended config covers. ESLint's flat config rejects a
 * nested array in a plain `export default [crashsafe.configs.recommended]`, so the recommended
 * config must be one object, and one object has one `languageOptions.parser`: this one hands
 * TypeScript files to @typescript-eslint/parser and everything else to espree, ESLint's default.
 */
import type { Linter } from "eslint";
import * as espree from "espree";
import * as tsParser from "@typescript-eslint/parser";
import { PLUGIN_META } from "./meta.js";

const TS_FILE = /\.(?:ts|tsx|mts|cts)$/i;

interface ParserOptions {
  filePath?: string;
  ecmaFeatures?: Record<string, boolean | undefined>;
  [key: string]: unknown;
}

/**
 * Parses like ESLint would by default, except that TS files get a TS parser and JS files accept
 * JSX unless the user's parserOptions say otherwise (the auditor reads `.js` files the same way;
 * JSX cannot change how JS without it parses).
 */
function parseForESLint(code: string, options: ParserOptions = {}): Linter.ESLintParseResult {
  const filePath = options.filePath ?? "";
  if (TS_FILE.test(filePath)) return tsParser.parseForESLint(code, options) as unknown as Linter.ESLintParseResult;
  const ecmaFeatures = { ...options.ecmaFeatures, jsx: options.ecmaFeatures?.jsx ?? true };
  const ast = espree.parse(code, { ...options, ecmaFeatures } as espree.Options);
  return { ast: ast as unknown as Linter.ESLintParseResult["ast"], visitorKeys: espree.VisitorKeys as Linter.ESLintParseResult["visitorKeys"] };
}

/** The recommended config's parser: @typescript-eslint/parser for TS files, espree for JS files. */
export const parser = {
  meta: { name: `${PLUGIN_META.name}/parser`, version: PLUGIN_META.version },
  parseForESLint,
};
