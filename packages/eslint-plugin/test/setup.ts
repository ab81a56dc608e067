/** Shared test wiring: RuleTester driven by node:test, with the plugin's parsers. */
import { describe, it } from "node:test";
import { RuleTester } from "eslint";
import * as tsParser from "@typescript-eslint/parser";

RuleTester.describe = describe;
RuleTester.it = it;

/** A RuleTester for plain JS (ESLint's default parser, espree, ES modules). */
export const jsTester = new RuleTester({ languageOptions: { ecmaVersion: "latest", sourceType: "module" } });

/** A RuleTester for CommonJS scripts (`require`). */
export const cjsTester = new RuleTester({ languageOptions: { ecmaVersion: "latest", sourceType: "commonjs" } });

/** A RuleTester for TypeScript through @typescript-eslint/parser. */
export const tsTester = new RuleTester({ languageOptions: { parser: tsParser } });

/** An expected `crashsafe/*` report at a 1-based position (and, optionally, its end). */
export function at(line: number, column: number, endLine?: number, endColumn?: number): RuleTester.TestCaseError {
  return { messageId: "finding", line, column, ...(endLine ? { endLine } : {}), ...(endColumn ? { endColumn } : {}) };
}

/** The expected report `error`, offering exactly one suggestion: `desc`, turning the code into `output`. */
export function suggesting(error: RuleTester.TestCaseError, desc: string, output: string): RuleTester.TestCaseError {
  return { ...error, suggestions: [{ desc, output }] };
}
