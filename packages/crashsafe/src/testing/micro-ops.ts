import type { Image } from "./image.js";
import { applyOp, type Ino, type Op } from "./ops.js";

/**
 * Persistence models of `simulateCrashes` (see crash-consistency.md §4). `"ext4-noauto_da_alloc"`
 * is ext4-ordered mounted with `noauto_da_alloc`: a rename over a file no longer waits for its data.
 */
export type Model = "process-crash" | "ext4-ordered" | "ext4-noauto_da_alloc" | "pessimistic";
/** The three models every write path should pass (what `--model all` runs). */
export const MODELS: readonly Model[] = ["process-crash", "ext4-ordered", "pessimistic"];
/** Every model name `simulateCrashes` accepts. */
export const ALL_MODELS: readonly Model[] = [...MODELS, "ext4-noauto_da_alloc"];

/** Block size used to split data into independently persisted pieces. */
export const BLOCK = 4096;
/** Fill byte of a size extension whose data never reached the disk under the pessimistic model. */
export const GARBAGE = 0x7e;

/**
 * One unit that a crash either kept or lost. `op` is the index of the recorded op it came from.
 * `entry`: an atomic directory-entry change; `size`: set the size (a grown range reads as `fill`);
 * `data`: bytes of one block; `sync`/`ack`: markers, kept exactly when their dependencies are;
 * `whole`: the complete op (process-crash).
 */
export type Micro =
  | { kind: "entry"; op: number; dirs: Ino[]; moved?: Ino; replaces: boolean }
  | { kind: "size"; op: number; ino: Ino; size: number; fill: number; explicit: boolean }
  | { kind: "data"; op: number; ino: Ino; off: number; data: Uint8Array; extend: boolean; grows: boolean; partial?: boolean }
  | { kind: "sync"; op: number; ino: Ino }
  | { kind: "ack"; op: number; label: string }
  | { kind: "whole"; op: number };

export function isMarker(m: Micro): boolean {
  return m.kind === "sync" || m.kind === "ack";
}

/** Splits `[off, off+len)` at multiples of `block`. */
export function blocks(off: number, data: Uint8Array, block = BLOCK): { off: number; data: Uint8Array }[] {
  const out: { off: number; data: Uint8Array }[] = [];
  let at = 0;
  while (at < data.length) {
    const end = Math.min(data.length, Math.floor((off + at) / block) * block + block - off);
    out.push({ off: off + at, data: data.subarray(at, end) });
    at = end;
  }
  return out;
}

/** Expands recorded ops into micro-ops for `model`, tracking file sizes on a scratch copy of `initial`. */
export function expand(ops: readonly Op[], initial: Image, model: Model): Micro[] {
  const image = initial.clone();
  const out: Micro[] = [];
  ops.forEach((op, index) => {
    if (model === "process-crash") {
      if (op.op !== "close") out.push({ kind: "whole", op: index });
    }
    else out.push(...expandOne(op, index, image, model));
    applyOp(image, op);
  });
  return out;
}

function sizeOf(image: Image, ino: Ino): number {
  const node = image.nodes.get(ino);
  return node?.kind === "file" ? node.bytes.length : 0;
}

function expandOne(op: Op, index: number, image: Image, model: Model): Micro[] {
  switch (op.op) {
    case "creat":
    case "mkdir":
    case "unlink":
    case "rmdir":
    case "link":
      return [{ kind: "entry", op: index, dirs: [op.dir], replaces: false }];
    case "rename":
      return [{ kind: "entry", op: index, dirs: [...new Set([op.src[0], op.dst[0]])], moved: op.ino, replaces: op.victim !== undefined }];
    case "trunc":
      return [{ kind: "size", op: index, ino: op.ino, size: op.size, fill: 0, explicit: true }];
    case "fsync":
    case "fdatasync":
      return [{ kind: "sync", op: index, ino: op.ino }];
    case "ack":
      return [{ kind: "ack", op: index, label: op.label }];
    case "close":
      return []; // persists nothing by itself (ext4's replace-via-truncate heuristic is not modelled)
    case "write":
      return expandWrite(op, index, sizeOf(image, op.ino), model);
  }
}

function expandWrite(op: Extract<Op, { op: "write" }>, index: number, oldSize: number, model: Model): Micro[] {
  const end = op.off + op.data.length;
  const out: Micro[] = [];
  // Pessimistic: the size may persist without the data (garbage) and the data without the size (invisible).
  if (model === "pessimistic" && end > oldSize) out.push({ kind: "size", op: index, ino: op.ino, size: end, fill: GARBAGE, explicit: false });
  for (const b of blocks(op.off, op.data)) {
    const grows = b.off + b.data.length > oldSize;
    out.push({ kind: "data", op: index, ino: op.ino, off: b.off, data: b.data, extend: model !== "pessimistic", grows });
  }
  return out;
}

/** Replays the kept micro-ops (in program order) onto an image. */
export function applyMicro(image: Image, m: Micro, ops: readonly Op[]): void {
  switch (m.kind) {
    case "whole":
    case "entry":
      applyOp(image, ops[m.op]!);
      break;
    case "size":
      image.setSize(m.ino, m.size, m.fill);
      break;
    case "data":
      image.writeAt(m.ino, m.off, m.data, m.extend);
      break;
    default:
      break;
  }
}
