import {
  copyOperands, fixedTempName, isFsync, pathKey, replaceOperands, tempPlacement, truncatingOpen, type TempPlacement,
} from "./facts.js";
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
  const issues: ReplaceIssue[] = [];
  const seenTemp = new Set<PyNode>();
  for (const call of scope.calls) {
    const copy = copyOperands(model, call);
    const ops = replaceOperands(model, call) ?? copy;
    if (!ops) continue;
    const placement = tempPlacement(model, scope, ops.src);
    const isTemp = placement !== undefined || writtenOnlyBefore(model, scope, call, pathKey(model, ops.src)) || /te?mp/i.test(text(model, ops.src));
    if (!isTemp) continue;
    const base = { replace: call, tempText: text(model, ops.src), targetText: text(model, ops.dst) };
    // A copy (and a move from another directory) rewrites the target: the direct-write rule reports it.
    const copies = copy !== undefined && (copy.how !== "shutil.move" || placement === "other-dir");
    const durability = copies ? undefined : durabilityProblem(model, scope, call, placement, helpers);
    if (durability) issues.push({ rule: "non-durable-replace", node: call, ...base, reason: durability });
    const fixed = fixedTempName(model, scope, ops.src);
    if (fixed && !seenTemp.has(fixed)) {
      seenTemp.add(fixed);
      issues.push({ rule: "shared-temp-name", node: fixed, ...base, reason: `fixed temp name ${text(model, fixed)}` });
    }
  }
  return issues;
}

/** Why a rename of a temp is not durable: temp in another directory, or no fsync before it. */
function durabilityProblem(model: FileModel, scope: Scope, call: PyNode, placement: TempPlacement, helpers: HelperIndex): string | undefined {
  if (placement === "other-dir") return "the temp file is created outside the target's directory (tempfile without dir=)";
  const fsynced = scope.calls.some((c) => c.start < call.start && (isFsync(calleeName(model, c) ?? "") || helpers.fsyncs(model, c)));
  return fsynced ? undefined : "the temp file is renamed without os.fsync() first";
}

/**
 * A temp is written, then renamed. A path also written after the rename is a rotated log
 * (`os.rename(log, log + "~")`, then a fresh `log`), whatever branch wrote it first.
 */
function writtenOnlyBefore(model: FileModel, scope: Scope, rename: PyNode, key: string): boolean {
  return writtenKeys(model, scope, 0, rename.start).has(key) && !writtenKeys(model, scope, rename.end).has(key);
}

/** Keys of paths written in this scope (temp candidates), by calls within offsets [from, to) when given. */
export function writtenKeys(model: FileModel, scope: Scope, from = 0, to = Infinity): Set<string> {
  const keys = new Set<string>();
  for (const call of scope.calls) {
    if (call.start < from || call.start >= to) continue;
    const attr = calleeAttr(model, call);
    const recv = receiver(call);
    if ((attr === "write_text" || attr === "write_bytes") && recv) keys.add(pathKey(model, recv));
    const opened = truncatingOpen(model, call);
    if (opened) keys.add(pathKey(model, opened));
  }
  return keys;
}
