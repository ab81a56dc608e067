import { fixedTempName, isFsync, pathKey, replaceOperands, tempPlacement, truncatingOpen } from "./facts.js";
import type { HelperIndex } from "./helpers.js";
import { calleeAttr, calleeName, receiver, text, type FileModel, type Scope } from "./model.js";
import type { PyNode } from "./tree.js";

/** A finding of the replace rules, before it becomes a Finding. */
export interface ReplaceIssue {
  rule: "non-durable-replace" | "shared-temp-name";
  node: PyNode;
  /** The rename call. */
  replace: PyNode;
  tempText: string;
  targetText: string;
  reason: string;
}

/** Temp-then-rename patterns in `scope`: missing fsync, temp in another directory, fixed temp name. */
export function replaceIssues(model: FileModel, scope: Scope, helpers: HelperIndex): ReplaceIssue[] {
  const written = writtenKeys(model, scope);
  const issues: ReplaceIssue[] = [];
  const seenTemp = new Set<PyNode>();
  for (const call of scope.calls) {
    const ops = replaceOperands(model, call);
    if (!ops) continue;
    const placement = tempPlacement(model, scope, ops.src);
    const isTemp = placement !== undefined || written.has(pathKey(model, ops.src)) || /te?mp/i.test(text(model, ops.src));
    if (!isTemp) continue;
    const base = { replace: call, tempText: text(model, ops.src), targetText: text(model, ops.dst) };
    const fsynced = scope.calls.some((c) => c.start < call.start && (isFsync(calleeName(model, c) ?? "") || helpers.fsyncs(model, c)));
    // shutil.move from another directory is a copy onto the target: the direct-write rule reports it.
    if (placement === "other-dir" && ops.how !== "shutil.move") {
      issues.push({ rule: "non-durable-replace", node: call, ...base, reason: "the temp file is created outside the target's directory (tempfile without dir=)" });
    } else if (!fsynced && placement !== "other-dir") {
      issues.push({ rule: "non-durable-replace", node: call, ...base, reason: "the temp file is renamed without os.fsync() first" });
    }
    const fixed = fixedTempName(model, scope, ops.src);
    if (fixed && !seenTemp.has(fixed)) {
      seenTemp.add(fixed);
      issues.push({ rule: "shared-temp-name", node: fixed, ...base, reason: `fixed temp name ${text(model, fixed)}` });
    }
  }
  return issues;
}

/** Keys of paths written in this scope (temp candidates). */
function writtenKeys(model: FileModel, scope: Scope): Set<string> {
  const keys = new Set<string>();
  for (const call of scope.calls) {
    const attr = calleeAttr(model, call);
    const recv = receiver(call);
    if ((attr === "write_text" || attr === "write_bytes") && recv) keys.add(pathKey(model, recv));
    const opened = truncatingOpen(model, call);
    if (opened) keys.add(pathKey(model, opened));
  }
  return keys;
}
