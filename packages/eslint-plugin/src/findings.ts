/**
 * The bridge to the one detection core: `analyzeProgram` from @crashsafe/audit runs once per
 * linted file (whichever of the four rules asks first) and every rule picks out its own findings.
 */
import type { SourceCode } from "eslint";
import { analyzeProgram, type ProgramFinding } from "@crashsafe/audit";

const cache = new WeakMap<SourceCode, ProgramFinding[]>();

type AnalyzedProgram = Parameters<typeof analyzeProgram>[0];

/** ESLint's Program carries every token and comment; the analyzer walks nodes only. */
function programWithoutTokens(sourceCode: SourceCode): AnalyzedProgram {
  const { tokens: _tokens, comments: _comments, ...program } = sourceCode.ast;
  return program as unknown as AnalyzedProgram;
}

/** The comments in the shape the analyzer reads `crashsafe-ignore` from. */
function commentsOf(sourceCode: SourceCode): Array<{ type: string; value: string; start: number; end: number }> {
  return sourceCode.getAllComments().map((c) => ({
    type: c.type,
    value: c.value,
    start: c.range![0],
    end: c.range![1],
  }));
}

/** Every finding of the detection core for this file, computed once per SourceCode. */
export function findingsFor(sourceCode: SourceCode, filename: string): ProgramFinding[] {
  let findings = cache.get(sourceCode);
  if (!findings) {
    findings = analyzeProgram(programWithoutTokens(sourceCode), sourceCode.text, {
      filename,
      comments: commentsOf(sourceCode),
    });
    cache.set(sourceCode, findings);
  }
  return findings;
}
