export { analyzePythonFiles, type PythonOptions, type PythonSource } from "./analyze.js";
export { PY_ATOMIC_WRITE } from "./explain.js";
