export { main, helpText, type Command } from "./main.js";
export { ExitCode, UsageError } from "./usage-error.js";
