/**
 * What `crashsafe audit --fix` leaves to a human: the auditor rewrites direct writes by itself, but
 * a silent-reset reader and a hand-rolled temp+rename need a decision (what should a corrupt file
 * do? which durability?). These are the two edits a reviewer makes following the auditor's
 * suggestion; the demo applies one only while its finding is still reported.
 */
import type { RuleId } from "@crashsafe/audit";

export interface ManualFix {
  /** Module, relative to the copy's src/. */
  file: string;
  rules: RuleId[];
  /** What the reviewer decided, in one line. */
  why: string;
  find: string;
  replace: string;
  /** Import line added at the top of the module. */
  importLine: string;
}

export const MANUAL_FIXES: ManualFix[] = [
  {
    file: "alerts.ts",
    rules: ["silent-state-reset"],
    why: "a missing file means nothing fired yet; a corrupt one must stop the service, not erase the history (readJsonSync throws CorruptFileError)",
    find: [
      "  try {",
      "    return JSON.parse(fs.readFileSync(file, \"utf8\")) as FiredAlerts;",
      "  } catch {",
      "    return {}; // first start: nothing fired yet",
      "  }",
    ].join("\n"),
    replace: "  return readJsonSync<FiredAlerts>(file, { default: () => ({}) }); // first start: nothing fired yet",
    importLine: 'import { readJsonSync } from "crashsafe";',
  },
  {
    file: "tracker.ts",
    rules: ["non-durable-replace", "shared-temp-name"],
    why: "the story's temp+rename survives kill -9 but not a power cut: use the durable replace (unique temp, fsync, rename, directory fsync)",
    find: [
      "  const tmp = `${file}.tmp`;",
      "  fs.writeFileSync(tmp, JSON.stringify(data, null, 2));",
      "  fs.renameSync(tmp, file);",
    ].join("\n"),
    replace: "  writeFileAtomicSync(file, JSON.stringify(data, null, 2));",
    importLine: 'import { writeFileAtomicSync } from "crashsafe";',
  },
];

/** Applies `fix` to `source`; undefined when the code it expects is not there (already fixed). */
export function applyManualFix(source: string, fix: ManualFix): string | undefined {
  if (!source.includes(fix.find)) return undefined;
  return `${fix.importLine}\n${source.replace(fix.find, fix.replace)}`;
}
