import type { Micro, Model } from "./micro-ops.js";

/**
 * Direct dependencies of every micro-op under `model` (indices of earlier micro-ops). A crash state
 * keeps a micro-op only if it keeps all of these; markers are kept exactly when their dependencies are.
 */
export function dependencies(micros: readonly Micro[], model: Model): number[][] {
  if (model === "process-crash") return micros.map((_, i) => (i === 0 ? [] : [i - 1]));
  return model === "pessimistic" ? pessimistic(micros) : ext4Ordered(micros, model === "ext4-ordered");
}

/** R1-R3: markers order what comes after them; fsync(f) waits for f's data, fsync(dir) for its entries. */
function pessimistic(micros: readonly Micro[]): number[][] {
  let barrier = -1;
  return micros.map((m, i) => {
    const deps = barrier >= 0 ? [barrier] : [];
    if (m.kind === "sync") {
      micros.forEach((e, j) => {
        if (j >= i) return;
        if ((e.kind === "data" || e.kind === "size") && e.ino === m.ino) deps.push(j);
        if (e.kind === "entry" && e.dirs.includes(m.ino)) deps.push(j);
      });
    }
    if (m.kind === "sync" || m.kind === "ack") barrier = i;
    return deps;
  });
}

/**
 * E1: metadata in program order (one journal); E2: appended blocks persist as a prefix, never as
 * garbage, and after the truncate that preceded them; E3: a rename over an existing file waits for
 * the source's data (auto_da_alloc); E4: fsync commits the whole journal plus the file's data.
 */
function ext4Ordered(micros: readonly Micro[], autoDaAlloc: boolean): number[][] {
  let barrier = -1;
  let lastMeta = -1;
  const lastGrow = new Map<number, number>();
  const lastTrunc = new Map<number, number>();
  return micros.map((m, i) => {
    const deps = barrier >= 0 ? [barrier] : [];
    if (m.kind === "entry" || (m.kind === "size" && m.explicit)) {
      if (lastMeta >= 0) deps.push(lastMeta);
      lastMeta = i;
      if (m.kind === "size") lastTrunc.set(m.ino, i);
      if (autoDaAlloc && m.kind === "entry" && m.replaces && m.moved !== undefined) {
        micros.forEach((e, j) => j < i && e.kind === "data" && e.ino === m.moved && deps.push(j));
      }
    } else if (m.kind === "data") {
      const trunc = lastTrunc.get(m.ino);
      if (trunc !== undefined) deps.push(trunc);
      const prev = lastGrow.get(m.ino);
      if (m.grows && prev !== undefined) deps.push(prev);
      if (m.grows) lastGrow.set(m.ino, i);
    } else if (m.kind === "sync") {
      if (lastMeta >= 0) deps.push(lastMeta);
      micros.forEach((e, j) => j < i && e.kind === "data" && e.ino === m.ino && deps.push(j));
    }
    if (m.kind === "sync" || m.kind === "ack") barrier = i;
    return deps;
  });
}
