import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { analyzePythonFiles } from "../src/python/index.js";
import type { AuditReport, Finding } from "../src/types.js";

export const STORY = fileURLToPath(new URL("../../test/fixtures/py/story/pipeline.py", import.meta.url));

/** A report as audit() builds it: real Python findings plus a JS finding full of characters to escape. */
export async function sampleReport(): Promise<AuditReport> {
  const findings: Finding[] = await analyzePythonFiles([{ file: STORY, source: readFileSync(STORY, "utf8") }]);
  findings.push({
    rule: "direct-state-write", severity: "error", file: "src/<weird> & \"dir\"/state's.js", line: 3, column: 1,
    message: "JSON state written with fs.writeFileSync </pre><script>alert(1)</script>", fixable: true,
    suggestion: "await writeJson(path, state) // <b>not bold</b>",
  });
  const summary = { files: 2, error: 0, warning: 0, note: 0 };
  for (const f of findings) if (f.rule !== "parse-error") summary[f.severity]++;
  return { version: 1, findings, summary };
}
