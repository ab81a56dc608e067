export * from "./types.js";
export { analyzeProgram, analyzeModule } from "./js/analyze.js";
export type { ProgramFinding, TextEdit, AnalyzeOptions, JsFinding, ModuleAnalysis } from "./js/analyze.js";
export { selectFiles, SOURCE_EXTENSIONS, type SelectFilesOptions } from "./files.js";
export { analyzePythonFiles, PY_ATOMIC_WRITE, type PythonSource } from "./python/index.js";
export * from "./report/index.js";
export { audit, type AuditOptions, type AuditResult } from "./audit.js";
export { StaleFileError, type FileFix } from "./fix/apply.js";
