import type { Micro } from "./micro-ops.js";
import { describeOp, type Op } from "./ops.js";

type Status = "persisted" | "lost" | "partly persisted";

/**
 * Readable account of one crash state: a headline naming the reordering that produced it
 * ("rename … at save.js:14 persisted before the data written at save.js:12"), then one line per op up
 * to the crash point.
 */
export function describeState(ops: readonly Op[], micros: readonly Micro[], kept: readonly Micro[]): string[] {
  const crash = Math.max(-1, ...kept.map((m) => m.op));
  const status = (i: number): Status => {
    const mine = kept.filter((m) => m.op === i);
    if (mine.some((m) => m.kind === "data" && m.partial === true)) return "partly persisted";
    const total = micros.filter((m) => m.op === i).length;
    if (mine.length === total) return "persisted";
    return mine.length === 0 ? "lost" : "partly persisted";
  };
  const lines: string[] = [];
  for (let i = 0; i <= crash; i++) {
    if (!micros.some((m) => m.op === i)) continue; // close: nothing of its own to keep or lose
    const st = status(i);
    lines.push(`${st}: ${describeOp(ops[i]!)}${st === "partly persisted" ? partDetail(micros, kept, i) : ""}`);
  }
  const rest = ops.length - crash - 1;
  lines.push(rest > 0 ? `crash (${rest} later op${rest === 1 ? "" : "s"} never reached the disk)` : "crash after the last op");
  return [headline(ops, crash, status), ...lines];
}

function headline(ops: readonly Op[], crash: number, status: (i: number) => Status): string {
  if (crash < 0) return "crash before anything reached the disk";
  for (let j = 0; j < crash; j++) {
    const sj = status(j);
    if (sj === "persisted" || ops[j]!.op === "ack") continue;
    const lost = `${describeOp(ops[j]!)}${sj === "lost" ? " was lost" : " only partly persisted"}`;
    const later = (wanted: (op: Op) => boolean): Op | undefined => {
      for (let k = crash; k > j; k--) if (wanted(ops[k]!) && status(k) === "persisted") return ops[k];
      return undefined;
    };
    const change = later((op) => op.op !== "ack" && op.op !== "fsync" && op.op !== "fdatasync");
    if (change !== undefined) return `${describeOp(change)} persisted before ${sj === "lost" ? "" : "all of "}${describeOp(ops[j]!)}`;
    const acked = later((op) => op.op === "ack");
    if (acked !== undefined) return `${describeOp(acked)} was reported done, yet ${lost}`;
  }
  return `crash after ${describeOp(ops[crash]!)}`;
}

/** Which parts of a partly persisted op reached the disk, or which did not. */
function partDetail(micros: readonly Micro[], kept: readonly Micro[], op: number): string {
  const mine = kept.filter((m) => m.op === op);
  const word = (m: Micro): string =>
    m.kind === "data" ? `bytes ${m.off}-${m.off + m.data.length - 1}` : m.kind === "size" ? "the size change" : m.kind;
  if (mine.some((m) => m.kind === "data" && m.partial === true)) return `; kept only ${mine.map(word).join(", ")}`;
  const lost = micros.filter((m) => m.op === op && !mine.includes(m));
  return `; lost ${lost.map(word).join(", ")}`;
}
