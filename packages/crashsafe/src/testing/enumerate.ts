import type { Image } from "./image.js";
import { applyMicro, blocks, isMarker, type Micro, type Model } from "./micro-ops.js";
import type { Op } from "./ops.js";
import { rng } from "./rng.js";

/** How crash states are enumerated. */
export interface EnumerateOptions {
  /** Exhaustive search up to this many non-marker micro-ops; ALICE's polynomial set above. Default 16. */
  exhaustiveLimit?: number;
  /** An exhaustive search that passes this many crash states stops and adds ALICE's set instead. Default 4096. */
  maxExhaustiveStates?: number;
  /** Seeded random crash states added to ALICE's set. Default 200. */
  randomStates?: number;
  /** Seed of the random states. Default 1. */
  seed?: number;
}

/** Called once per crash state with the kept micro-ops in program order and the replayed image. */
export type Visit = (kept: readonly Micro[], image: Image) => void;

interface Space {
  ops: readonly Op[];
  micros: readonly Micro[];
  deps: readonly number[][];
  initial: Image;
  model: Model;
}

/** Enumerates crash states; returns whether the search was exhaustive. */
export function enumerate(space: Space, visit: Visit, options: EnumerateOptions = {}): boolean {
  const free = space.micros.filter((m) => !isMarker(m)).length;
  // A total order (process-crash): the down-sets are exactly the prefixes.
  const chain = space.deps.every((d, i) => (i === 0 ? d.length === 0 : d.length === 1 && d[0] === i - 1));
  if (chain || free <= (options.exhaustiveLimit ?? 16)) {
    const cap = chain ? Infinity : (options.maxExhaustiveStates ?? 4096);
    if (exhaustive(space, visit, cap)) return true;
  }
  alice(space, visit, options);
  return false;
}

/** DFS over down-sets: include a micro-op only when its dependencies are included. False when stopped at `cap`. */
function exhaustive(space: Space, visit: Visit, cap: number): boolean {
  const { micros, deps, ops } = space;
  const kept = new Array<boolean>(micros.length).fill(false);
  const list: Micro[] = [];
  let count = 0;
  const dfs = (i: number, image: Image): void => {
    if (count > cap) return;
    if (i === micros.length) {
      if (++count <= cap) visit(list, image);
      return;
    }
    const m = micros[i]!;
    const ok = deps[i]!.every((d) => kept[d]);
    if (isMarker(m)) {
      kept[i] = ok;
      if (ok) list.push(m);
      dfs(i + 1, image);
      if (ok) list.pop();
      kept[i] = false;
      return;
    }
    dfs(i + 1, image);
    if (!ok) return;
    kept[i] = true;
    list.push(m);
    const next = image.clone();
    applyMicro(next, m, ops);
    dfs(i + 1, next);
    list.pop();
    kept[i] = false;
  };
  dfs(0, space.initial);
  return count <= cap;
}

/** Keeps the wanted micro-ops whose dependencies are kept (markers: exactly then), and replays them. */
function close(space: Space, wanted: (i: number) => boolean, extra: readonly Micro[] = []): [Micro[], Image] {
  const kept = new Array<boolean>(space.micros.length).fill(false);
  const list: Micro[] = [];
  space.micros.forEach((m, i) => {
    if ((isMarker(m) || wanted(i)) && space.deps[i]!.every((d) => kept[d])) {
      kept[i] = true;
      list.push(m);
    }
  });
  list.push(...extra);
  const image = space.initial.clone();
  for (const m of list) applyMicro(image, m, space.ops);
  return [list, image];
}

/** ALICE's explorer: prefixes, omit one op while persisting through a later one, partial ops, random. */
function alice(space: Space, visit: Visit, options: EnumerateOptions): void {
  const { micros, ops } = space;
  const emit = (wanted: (i: number) => boolean, extra?: readonly Micro[]): void => visit(...close(space, wanted, extra));
  for (let k = 0; k <= micros.length; k++) emit((i) => i < k);
  for (let omit = 0; omit < ops.length; omit++) {
    for (let through = omit + 1; through < ops.length; through++) {
      emit((i) => micros[i]!.op <= through && micros[i]!.op !== omit);
    }
  }
  ops.forEach((op, index) => {
    if (op.op === "write") partials(space, index, op, emit);
  });
  const random = rng(options.seed ?? 1);
  for (let n = 0; n < (options.randomStates ?? 200); n++) {
    const through = Math.floor(random() * micros.length);
    const coin = micros.map(() => random() < 0.5);
    emit((i) => i <= through && coin[i]!);
  }
}

/** Partial persistence of one write: its data split in 1, 3 or 4096-byte-aligned pieces; prefixes, and (pessimistic) all but one. */
function partials(space: Space, index: number, op: Extract<Op, { op: "write" }>, emit: (w: (i: number) => boolean, extra?: readonly Micro[]) => void): void {
  const own = space.micros.filter((m) => m.op === index);
  const template = own.find((m) => m.kind === "data");
  if (template === undefined || template.kind !== "data") return;
  const third = Math.max(1, Math.ceil(op.data.length / 3));
  for (const size of [op.data.length, third, 4096]) {
    const pieces: Micro[] = blocks(op.off, op.data, size).map((b) => ({
      ...template, off: b.off, data: b.data, grows: true, partial: true,
    }));
    const before = (i: number): boolean => space.micros[i]!.op < index || (space.micros[i]!.op === index && space.micros[i]!.kind === "size");
    for (let k = 0; k < pieces.length; k++) emit(before, pieces.slice(0, k));
    if (space.model === "pessimistic") pieces.forEach((_, drop) => emit(before, pieces.filter((__, j) => j !== drop)));
  }
}
