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

/**
 * Checks the frame at `pos` against the loaded window without any I/O (the hot path of a scan):
 * the frame, `"bad"`, or `"load"` when the window does not hold enough of it to decide.
 */
function frameInWindow(w: FileWindow, pos: number): Frame | "bad" | "load" {
  if (pos + FRAME_HEADER_SIZE > w.size) return "bad";
  const at = pos - w.base;
  const loaded = w.buf.length;
  if (at < 0 || at + FRAME_HEADER_SIZE > loaded) return "load";
  const buf = w.buf;
  if (buf.readUInt32LE(at) !== FRAME_MAGIC_U32) return "bad";
  const length = buf.readUInt32LE(at + 8);
  const back = buf.readUInt32LE(at + 12);
  if (length === 0 || length > MAX_PAYLOAD || back > pos - HEADER_SIZE || pos + FRAME_HEADER_SIZE + length > w.size) return "bad";
  if (at + FRAME_HEADER_SIZE + length > loaded) return "load";
  if (buf.readUInt32LE(at + 4) !== crc32c(buf, at + 8, at + FRAME_HEADER_SIZE + length)) return "bad";
  return { offset: pos, length, back };
}

/** The frame at `pos` if it is whole and its checksum matches, else `undefined`. */
export async function frameAt(w: FileWindow, pos: number): Promise<Frame | undefined> {
  let r = frameInWindow(w, pos);
  for (let need = FRAME_HEADER_SIZE; r === "load"; r = frameInWindow(w, pos)) {
    await w.ensure(pos, need);
    need = FRAME_HEADER_SIZE + w.buf.readUInt32LE(pos - w.base + 8);
  }
  return r === "bad" ? undefined : r;
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
    const quick = frameInWindow(w, pos);
    const frame = quick === "load" ? await frameAt(w, pos) : quick === "bad" ? undefined : quick;
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

/** Whole frames read from the log: `bytes` starts at file offset `offset`; `frames` are frame starts in `bytes`. */
export interface FrameChunk {
  offset: number;
  bytes: Buffer;
  frames: number[];
}

export const payloadOf = (chunk: FrameChunk, frame: number): Buffer =>
  chunk.bytes.subarray(frame + FRAME_HEADER_SIZE, frame + FRAME_HEADER_SIZE + chunk.bytes.readUInt32LE(frame + 8));

/**
 * Reads the frames in `[from, to)` (already validated by {@link scanFrames}) in chunks of about
 * 1 MiB of whole frames, without copying or checksumming each record again.
 */
export async function* readFrames(fh: FileHandle, from: number, to: number): AsyncGenerator<FrameChunk> {
  const w = new FileWindow(fh, to);
  for (let pos = from; pos < to; ) {
    await w.ensure(pos, FRAME_HEADER_SIZE);
    await w.ensure(pos, FRAME_HEADER_SIZE + w.buf.readUInt32LE(pos - w.base + 8));
    const { buf, base } = w;
    const frames: number[] = [];
    let at = pos - base;
    while (at + FRAME_HEADER_SIZE <= buf.length) {
      const end = at + FRAME_HEADER_SIZE + buf.readUInt32LE(at + 8);
      if (end > buf.length) break;
      frames.push(at - (pos - base));
      at = end;
    }
    yield { offset: pos, bytes: buf.subarray(pos - base, at), frames };
    pos = base + at;
  }
}
