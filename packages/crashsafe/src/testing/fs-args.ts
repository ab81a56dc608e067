// Decoding of node:fs call arguments into what they do to a file: flags, bytes, positions.
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";

/** A path argument (string, Buffer or file URL) as a string; "" for an fd or anything else. */
export function pathText(p: unknown): string {
  return p instanceof URL ? fileURLToPath(p) : Buffer.isBuffer(p) ? p.toString() : typeof p === "string" ? p : "";
}

const F = fs.constants;
const stringFlags: Record<string, number> = {
  r: F.O_RDONLY, rs: F.O_RDONLY | F.O_SYNC, sr: F.O_RDONLY | F.O_SYNC, "r+": F.O_RDWR, "rs+": F.O_RDWR | F.O_SYNC, "sr+": F.O_RDWR | F.O_SYNC,
  w: F.O_TRUNC | F.O_CREAT | F.O_WRONLY, wx: F.O_TRUNC | F.O_CREAT | F.O_WRONLY | F.O_EXCL, xw: F.O_TRUNC | F.O_CREAT | F.O_WRONLY | F.O_EXCL,
  "w+": F.O_TRUNC | F.O_CREAT | F.O_RDWR, "wx+": F.O_TRUNC | F.O_CREAT | F.O_RDWR | F.O_EXCL, "xw+": F.O_TRUNC | F.O_CREAT | F.O_RDWR | F.O_EXCL,
  a: F.O_APPEND | F.O_CREAT | F.O_WRONLY, ax: F.O_APPEND | F.O_CREAT | F.O_WRONLY | F.O_EXCL, xa: F.O_APPEND | F.O_CREAT | F.O_WRONLY | F.O_EXCL,
  as: F.O_APPEND | F.O_CREAT | F.O_WRONLY | F.O_SYNC, sa: F.O_APPEND | F.O_CREAT | F.O_WRONLY | F.O_SYNC,
  "a+": F.O_APPEND | F.O_CREAT | F.O_RDWR, "ax+": F.O_APPEND | F.O_CREAT | F.O_RDWR | F.O_EXCL, "xa+": F.O_APPEND | F.O_CREAT | F.O_RDWR | F.O_EXCL,
  "as+": F.O_APPEND | F.O_CREAT | F.O_RDWR | F.O_SYNC, "sa+": F.O_APPEND | F.O_CREAT | F.O_RDWR | F.O_SYNC,
};

export function flagBits(flags: unknown, fallback: string): number {
  if (typeof flags === "number") return flags;
  return stringFlags[typeof flags === "string" ? flags : fallback] ?? F.O_RDONLY;
}

export function toBytes(data: unknown, encoding: unknown): Uint8Array | undefined {
  if (typeof data === "string") return Buffer.from(data, (typeof encoding === "string" ? encoding : "utf8") as BufferEncoding);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

export function isPosition(p: unknown): p is number | bigint {
  return (typeof p === "number" && p >= 0) || typeof p === "bigint";
}

/** Decodes `write(buffer, offset?, length?, position?)`, `write(buffer, {…})` and `write(string, position?, encoding?)`. */
export function writeArgs(rest: unknown[]): { data: Uint8Array; position: number | undefined } | undefined {
  const [data, a, b, c] = rest;
  if (typeof data === "string") {
    const bytes = toBytes(data, typeof b === "string" ? b : "utf8")!;
    return { data: bytes, position: isPosition(a) ? Number(a) : undefined };
  }
  const bytes = toBytes(data, undefined);
  if (bytes === undefined) return undefined;
  const o = a !== null && typeof a === "object" ? (a as { offset?: number; length?: number; position?: number | null }) : undefined;
  const offset = o ? (o.offset ?? 0) : typeof a === "number" ? a : 0;
  const length = o ? (o.length ?? bytes.length - offset) : typeof b === "number" ? b : bytes.length - offset;
  const position = o ? o.position : c;
  return { data: bytes.subarray(offset, offset + length), position: isPosition(position) ? Number(position) : undefined };
}

export interface FileOptions {
  encoding?: string;
  flag?: string | number;
  mode?: number;
  flush?: boolean;
}
export function fileOptions(options: unknown): FileOptions {
  if (typeof options === "string") return { encoding: options };
  return options !== null && typeof options === "object" ? (options as FileOptions) : {};
}

export function bytesWritten(result: unknown): number | undefined {
  if (typeof result === "number") return result;
  if (Array.isArray(result) && typeof result[0] === "number") return result[0];
  const n = (result as { bytesWritten?: unknown } | undefined)?.bytesWritten;
  return typeof n === "number" ? n : undefined;
}

export function fdFrom(x: unknown): number | undefined {
  if (typeof x === "number") return x;
  const fd = (x as { fd?: unknown } | null | undefined)?.fd;
  return typeof fd === "number" ? fd : undefined;
}
