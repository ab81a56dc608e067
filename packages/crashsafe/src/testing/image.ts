import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import type { Ino } from "./ops.js";

/** A regular file's visible bytes (their length is the file size). */
export interface FileNode {
  kind: "file";
  bytes: Uint8Array;
}
/** A directory: name -> inode. */
export interface DirNode {
  kind: "dir";
  entries: Map<string, Ino>;
}
export type Node = FileNode | DirNode;

/** The root inode: the directory under test. */
export const ROOT: Ino = 0;

/** An in-memory directory tree of logical inodes, the thing crash states are replayed onto. */
export class Image {
  readonly nodes = new Map<Ino, Node>([[ROOT, { kind: "dir", entries: new Map() }]]);
  /** Files whose bytes this image owns and may change in place; clones share bytes copy-on-write. */
  private readonly owned = new Set<Ino>();

  clone(): Image {
    this.owned.clear(); // both now share the bytes: neither may change them in place
    const copy = new Image();
    for (const [ino, node] of this.nodes) {
      copy.nodes.set(ino, node.kind === "dir" ? { kind: "dir", entries: new Map(node.entries) } : { kind: "file", bytes: node.bytes });
    }
    return copy;
  }

  dir(ino: Ino): DirNode {
    let node = this.nodes.get(ino);
    if (node === undefined || node.kind !== "dir") {
      node = { kind: "dir", entries: new Map() };
      this.nodes.set(ino, node);
    }
    return node;
  }

  file(ino: Ino): FileNode {
    let node = this.nodes.get(ino);
    if (node === undefined || node.kind !== "file") {
      node = { kind: "file", bytes: new Uint8Array(0) };
      this.nodes.set(ino, node);
    }
    return node;
  }

  /** Resolves `parts` from the root; undefined when a component is missing. */
  lookup(parts: readonly string[]): Ino | undefined {
    let ino: Ino = ROOT;
    for (const part of parts) {
      const node = this.nodes.get(ino);
      if (node?.kind !== "dir") return undefined;
      const next = node.entries.get(part);
      if (next === undefined) return undefined;
      ino = next;
    }
    return ino;
  }

  setEntry(dir: Ino, name: string, ino: Ino, kind: Node["kind"]): void {
    if (!this.nodes.has(ino)) this.nodes.set(ino, kind === "dir" ? { kind: "dir", entries: new Map() } : { kind: "file", bytes: new Uint8Array(0) });
    this.dir(dir).entries.set(name, ino);
  }

  removeEntry(dir: Ino, name: string, ino: Ino): void {
    const entries = this.dir(dir).entries;
    if (entries.get(name) === ino) entries.delete(name);
  }

  /** Sets the size; a grown range is filled with `fill` (0 = zeros, other values model garbage). */
  setSize(ino: Ino, size: number, fill = 0): void {
    const node = this.file(ino);
    if (size <= node.bytes.length) {
      node.bytes = node.bytes.subarray(0, size);
      return;
    }
    const b = node.bytes;
    if (this.owned.has(ino) && b.byteOffset + size <= b.buffer.byteLength) {
      // Owned with spare capacity: grow in place (appending block by block stays linear).
      node.bytes = new Uint8Array(b.buffer, b.byteOffset, size).fill(fill, b.length);
      return;
    }
    const grown = new Uint8Array(new ArrayBuffer(Math.max(size, 2 * b.length)), 0, size);
    if (fill !== 0) grown.fill(fill, b.length);
    grown.set(b);
    node.bytes = grown;
    this.owned.add(ino);
  }

  /** Writes `data` at `off`; bytes past the current size are dropped unless `extend`. */
  writeAt(ino: Ino, off: number, data: Uint8Array, extend: boolean): void {
    const node = this.file(ino);
    if (extend && off + data.length > node.bytes.length) this.setSize(ino, off + data.length);
    const room = Math.max(0, Math.min(data.length, node.bytes.length - off));
    if (room === 0) return;
    if (!this.owned.has(ino)) {
      node.bytes = node.bytes.slice();
      this.owned.add(ino);
    }
    node.bytes.set(data.subarray(0, room), off);
  }

  /** Visible tree: relative path -> file bytes, or null for a directory. Unreachable inodes are left out. */
  tree(): Map<string, Uint8Array | null> {
    const out = new Map<string, Uint8Array | null>();
    const walk = (ino: Ino, prefix: string, seen: Set<Ino>): void => {
      const node = this.nodes.get(ino);
      if (node?.kind !== "dir" || seen.has(ino)) return;
      seen.add(ino);
      for (const name of [...node.entries.keys()].sort()) {
        const child = node.entries.get(name)!;
        const path = prefix === "" ? name : `${prefix}/${name}`;
        const c = this.nodes.get(child);
        if (c?.kind === "file") out.set(path, c.bytes);
        else {
          out.set(path, null);
          walk(child, path, seen);
        }
      }
    };
    walk(ROOT, "", new Set());
    return out;
  }

  /** Hash of the visible tree: identical images are checked once. */
  hash(): string {
    const h = createHash("sha1");
    for (const [path, bytes] of this.tree()) {
      h.update(path).update(bytes === null ? "\0d" : `\0f${bytes.length}\0`);
      if (bytes !== null) h.update(bytes);
    }
    return h.digest("hex");
  }
}

/** Reads `dir` into a fresh image. Symbolic links and special files are not modelled and are skipped. */
export function snapshot(dir: string): Image {
  const image = new Image();
  let next = 1;
  const walk = (path: string, ino: Ino): void => {
    for (const entry of fs.readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      const child = next++;
      if (entry.isDirectory()) {
        image.setEntry(ino, entry.name, child, "dir");
        walk(full, child);
      } else if (entry.isFile()) {
        image.setEntry(ino, entry.name, child, "file");
        image.file(child).bytes = new Uint8Array(fs.readFileSync(full));
      }
    }
  };
  walk(dir, ROOT);
  return image;
}

/** Writes the visible tree of `image` into the existing empty directory `dir`. */
export function materialize(image: Image, dir: string): void {
  for (const [path, bytes] of image.tree()) {
    const full = join(dir, ...path.split("/"));
    if (bytes === null) fs.mkdirSync(full);
    else fs.writeFileSync(full, bytes);
  }
}

/** The next free inode number of an image. */
export function nextIno(image: Image): Ino {
  return Math.max(...image.nodes.keys()) + 1;
}
