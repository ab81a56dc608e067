export * from "./types.js";
export { analyzeProgram, analyzeModule } from "./js/analyze.js";
export type { ProgramFinding, TextEdit, AnalyzeOptions, JsFinding, ModuleAnalysis } from "./js/analyze.js";
