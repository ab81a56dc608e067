/**
 * The on-disk format of a journal and the recovery scan that reads it back.
 *
 * File header (16 bytes): `"CSJRNL\0\x01"`, generation (u32 LE), CRC-32C of the first 12 bytes.
 * The generation grows by one at every compaction; the snapshot names the generation it covers.
 *
 * Frame (16-byte header + payload), all integers u32 LE:
 *   magic `FF 43 53 4A` | crc | length | back | payload (UTF-8 JSON, `length` bytes)
 * `crc` is the CRC-32C of `length`, `back` and the payload. `back` is the frame's distance from the
 * start of its commit group (the bytes written by one write + fdatasync). It is what tells a torn
 * tail from a damaged middle: after a crash only the last group can be partly on disk, so a valid
 * frame whose group starts *after* a bad frame proves the bad frame was already durable.
 */
import type { FileHandle } from "node:fs/promises";
import { crc32c } from "./crc32c.js";

export const HEADER_SIZE = 16;
export const FRAME_HEADER_SIZE = 16;
/** Largest payload a frame may carry; larger lengths in a frame header mark it as damaged. */
export const MAX_PAYLOAD = 64 * 1024 * 1024;

const FILE_MAGIC = Buffer.from("CSJRNL\0\x01", "latin1");
const FRAME_MAGIC = Buffer.from([0xff, 0x43, 0x53, 0x4a]);
const FRAME_MAGIC_U32 = FRAME_MAGIC.readUInt32LE(0);
const CHUNK = 1024 * 1024;

export function encodeHeader(generation: number): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  FILE_MAGIC.copy(b, 0);
  b.writeUInt32LE(generation, 8);
  b.writeUInt32LE(crc32c(b, 0, 12), 12);
  return b;
}

/** The generation recorded in a file header, or `undefined` if `b` is not a journal header. */
export function decodeHeader(b: Buffer): number | undefined {
  if (b.length < HEADER_SIZE || !b.subarray(0, 8).equals(FILE_MAGIC)) return undefined;
  if (b.readUInt32LE(12) !== crc32c(b, 0, 12)) return undefined;
  return b.readUInt32LE(8);
}

/** Frames one commit group: each payload gets its header, `back` being its offset in the group. */
export function encodeGroup(payloads: readonly Buffer[]): Buffer {
  let size = 0;
  for (const p of payloads) size += FRAME_HEADER_SIZE + p.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of payloads) {
    out.writeUInt32LE(FRAME_MAGIC_U32, at);
    out.writeUInt32LE(p.length, at + 8);
    out.writeUInt32LE(at, at + 12);
    p.copy(out, at + FRAME_HEADER_SIZE);
    out.writeUInt32LE(crc32c(out, at + 8, at + FRAME_HEADER_SIZE + p.length), at + 4);
    at += FRAME_HEADER_SIZE + p.length;
  }
  return out;
}

/** A sliding read window over `[0, size)` of a file, for sequential frame access. */
export class FileWindow {
  buf: Buffer = Buffer.alloc(0);
  base = 0;

  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  /** Loads `[pos, pos + n)`; false when that range passes the end of the file. */
  async ensure(pos: number, n: number): Promise<boolean> {
    if (pos + n > this.size) return false;
    if (pos >= this.base && pos + n <= this.base + this.buf.length) return true;
    const len = Math.min(Math.max(CHUNK, n), this.size - pos);
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await this.fh.read(buf, got, len - got, pos + got);
      if (bytesRead === 0) throw new Error(`unexpected end of file at ${pos + got} (file shrank while read)`);
      got += bytesRead;
    }
    this.buf = buf;
    this.base = pos;
    return true;
  }
}

/** A complete, checksummed frame at `offset`. */
export interface Frame {
  offset: number;
  length: number;
  back: number;
}

export const frameEnd = (f: Frame): number => f.offset + FRAME_HEADER_SIZE + f.length;

/** The frame at `pos` if it is whole and its checksum matches, else `undefined`. */
export async function frameAt(w: FileWindow, pos: number): Promise<Frame | undefined> {
  if (!(await w.ensure(pos, FRAME_HEADER_SIZE))) return undefined;
  let at = pos - w.base;
  if (w.buf.readUInt32LE(at) !== FRAME_MAGIC_U32) return undefined;
  const length = w.buf.readUInt32LE(at + 8);
  const back = w.buf.readUInt32LE(at + 12);
  if (length === 0 || length > MAX_PAYLOAD || back > pos - HEADER_SIZE) return undefined;
  if (!(await w.ensure(pos, FRAME_HEADER_SIZE + length))) return undefined;
  at = pos - w.base;
  if (w.buf.readUInt32LE(at + 4) !== crc32c(w.buf, at + 8, at + FRAME_HEADER_SIZE + length)) return undefined;
  return { offset: pos, length, back };
}

/** The first valid frame at or after `from`, found by searching for the frame magic. */
async function nextValidFrame(w: FileWindow, from: number): Promise<Frame | undefined> {
  let pos = from;
  while (pos + FRAME_HEADER_SIZE <= w.size) {
    await w.ensure(pos, Math.min(CHUNK, w.size - pos));
    const hit = w.buf.indexOf(FRAME_MAGIC, pos - w.base);
    if (hit < 0) {
      pos = w.base + w.buf.length - (FRAME_MAGIC.length - 1);
      continue;
    }
    const at = w.base + hit;
    const frame = await frameAt(w, at);
    if (frame) return frame;
    pos = at + 1;
  }
  return undefined;
}

/** A damaged region that is followed by durable frames: it cannot be a torn tail. */
export interface DamagedRegion {
  offset: number;
  length: number;
}

export interface ScanResult {
  /** End of the valid prefix (= the file size when there is no torn tail). */
  end: number;
  /** Number of valid frames kept. */
  count: number;
  /** Valid frame ranges `[from, to)` in order: one range unless regions were damaged. */
  segments: Array<[number, number]>;
  /** Damaged regions found (only when the caller asked to continue past them). */
  damaged: DamagedRegion[];
}

/**
 * Validates every frame in `[start, size)`. A bad frame starts either a torn tail (no later frame
 * belongs to a later commit group: the crash hit the last group) or a damaged region (a later
 * group exists, so this one had been fsynced). Torn tails end the scan; a damaged region calls
 * `onDamage`, which throws or returns to let the scan continue after it.
 */
export async function scanFrames(w: FileWindow, start: number, onDamage: (region: DamagedRegion) => void): Promise<ScanResult> {
  const result: ScanResult = { end: start, count: 0, segments: [], damaged: [] };
  let pos = start;
  let segmentStart = start;
  while (pos < w.size) {
    const frame = await frameAt(w, pos);
    if (frame) {
      pos = frameEnd(frame);
      result.count++;
      continue;
    }
    const resume = await nextValidFrame(w, pos + 1);
    if (!resume || !(await provesDurable(w, resume, pos))) break;
    const region = { offset: pos, length: resume.offset - pos };
    onDamage(region);
    result.damaged.push(region);
    if (pos > segmentStart) result.segments.push([segmentStart, pos]);
    pos = segmentStart = resume.offset;
  }
  if (pos > segmentStart) result.segments.push([segmentStart, pos]);
  result.end = pos;
  return result;
}

/** True if `first` or a valid frame after it belongs to a commit group that starts after `bad`. */
async function provesDurable(w: FileWindow, first: Frame, bad: number): Promise<boolean> {
  for (let f: Frame | undefined = first; f; ) {
    if (f.offset - f.back > bad) return true;
    const next = frameEnd(f);
    f = (await frameAt(w, next)) ?? (await nextValidFrame(w, next + 1));
  }
  return false;
}

/**
 * Reads the payloads of the frames in `[from, to)` (already validated by {@link scanFrames}) as
 * raw bytes with their offsets, a window (about 1 MiB) at a time.
 */
export async function* readPayloads(fh: FileHandle, from: number, to: number): AsyncGenerator<Array<{ offset: number; bytes: Buffer }>> {
  const w = new FileWindow(fh, to);
  let pos = from;
  while (pos < to) {
    const batch: Array<{ offset: number; bytes: Buffer }> = [];
    for (let first = true; pos < to; first = false) {
      if (!(first ? await w.ensure(pos, FRAME_HEADER_SIZE) : inWindow(w, pos, FRAME_HEADER_SIZE))) break;
      const length = w.buf.readUInt32LE(pos - w.base + 8);
      if (!(first ? await w.ensure(pos, FRAME_HEADER_SIZE + length) : inWindow(w, pos, FRAME_HEADER_SIZE + length))) break;
      const at = pos - w.base + FRAME_HEADER_SIZE;
      batch.push({ offset: pos, bytes: w.buf.subarray(at, at + length) });
      pos += FRAME_HEADER_SIZE + length;
    }
    if (batch.length === 0) throw new Error(`frame at ${pos} runs past ${to}`);
    yield batch;
  }
}

function inWindow(w: FileWindow, pos: number, n: number): boolean {
  return pos >= w.base && pos + n <= w.base + w.buf.length;
}
