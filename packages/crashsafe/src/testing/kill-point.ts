/**
 * Preload for deterministic kill points (`node --import <this file>`, set by `torture`): counts the
 * child's mutating node:fs calls and SIGKILLs its own process right before or right after call k,
 * as given by `CRASHSAFE_KILL_AT=before:k|after:k`. Every syscall boundary is covered, not only
 * the ones a random delay happens to hit.
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { fileOptions, toBytes, type FileOptions } from "./fs-args.js";

const NAMES = ["open", "close", "write", "writev", "writeFile", "appendFile", "copyFile", "truncate", "ftruncate",
  "fsync", "fdatasync", "rename", "unlink", "rmdir", "rm", "mkdir", "link"];
const HANDLE_NAMES = ["write", "writev", "writeFile", "appendFile", "truncate", "sync", "datasync", "close"];

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;

const spec = /^(before|after):(\d+)$/.exec(process.env.CRASHSAFE_KILL_AT ?? "");
// The kill point belongs to this process: processes it starts must not count (and die) too.
delete process.env.CRASHSAFE_KILL_AT;
if (process.env.NODE_OPTIONS !== undefined) {
  process.env.NODE_OPTIONS = process.env.NODE_OPTIONS.split(/\s+/).filter((o) => !o.includes("kill-point.js")).join(" ");
}
const when = spec?.[1];
const target = Number(spec?.[2] ?? 0);
let count = 0;

function die(): void {
  process.kill(process.pid, "SIGKILL");
}

/** Counts the call; kills before it when it is the target. Returns true when the kill comes after it. */
function arrive(): boolean {
  count++;
  if (count !== target) return false;
  if (when === "before") die();
  return when === "after";
}

function wrap(orig: AnyFn, kind: "sync" | "callback" | "promise"): AnyFn {
  return function (this: unknown, ...args: unknown[]) {
    const killAfter = arrive();
    if (!killAfter) return orig.apply(this, args);
    if (kind === "sync") {
      try {
        return orig.apply(this, args);
      } finally {
        die();
      }
    }
    if (kind === "promise") return (orig.apply(this, args) as Promise<unknown>).finally(die);
    const cb = args[args.length - 1];
    if (typeof cb !== "function") return orig.apply(this, args);
    return orig.apply(this, [...args.slice(0, -1), () => die()]);
  };
}

function parse(data: unknown, options: unknown): { bytes: Uint8Array; o: FileOptions } | undefined {
  const o = fileOptions(options);
  const bytes = toBytes(data, o.encoding);
  return bytes === undefined ? undefined : { bytes, o };
}

/**
 * writeFileSync/appendFileSync on a path is one call to the outside but open(O_TRUNC) + write + close
 * inside: replay it through the (counted) primitives so a kill can land between the truncate and the write.
 */
function splitSync(orig: AnyFn, defaultFlag: string): AnyFn {
  return function (this: unknown, ...args: unknown[]) {
    const parsed = typeof args[0] === "number" ? undefined : parse(args[1], args[2]);
    if (parsed === undefined) return orig.apply(this, args);
    const fd = fs.openSync(args[0] as string, parsed.o.flag ?? defaultFlag, parsed.o.mode ?? 0o666);
    try {
      for (let off = 0; off < parsed.bytes.length; ) off += fs.writeSync(fd, parsed.bytes, off, parsed.bytes.length - off, null);
      if (parsed.o.flush === true) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  };
}

/** The same for fs.promises.writeFile/appendFile on a path. */
function splitPromise(orig: AnyFn, defaultFlag: string): AnyFn {
  return async function (this: unknown, ...args: unknown[]) {
    const path = args[0];
    const parsed = typeof path === "string" || path instanceof URL ? parse(args[1], args[2]) : undefined;
    if (parsed === undefined) return orig.apply(this, args);
    const fh = await fs.promises.open(path as string, parsed.o.flag ?? defaultFlag, parsed.o.mode ?? 0o666);
    try {
      for (let off = 0; off < parsed.bytes.length; ) off += (await fh.write(parsed.bytes, off, parsed.bytes.length - off, null)).bytesWritten;
      if (parsed.o.flush === true) await fh.sync();
    } finally {
      await fh.close();
    }
  };
}

async function install(): Promise<void> {
  const mod = fs as unknown as Record<string, AnyFn>;
  const promises = fs.promises as unknown as Record<string, AnyFn>;
  const patch = (obj: Record<string, AnyFn>, name: string, kind: "sync" | "callback" | "promise"): void => {
    if (typeof obj[name] === "function") obj[name] = wrap(obj[name], kind);
  };
  const probe = await fs.promises.open(new URL(import.meta.url), "r");
  const handleProto = Object.getPrototypeOf(probe) as Record<string, AnyFn>;
  await probe.close();
  for (const name of NAMES) {
    patch(mod, `${name}Sync`, "sync");
    patch(mod, name, "callback");
    patch(promises, name, "promise");
  }
  for (const name of HANDLE_NAMES) patch(handleProto, name, "promise");
  // FileHandle's close is an own property of each handle: wrap it on every handle opened.
  const open = promises.open!;
  promises.open = async function (this: unknown, ...args: unknown[]) {
    const handle = (await open.apply(this, args)) as Record<string, AnyFn>;
    if (Object.hasOwn(handle, "close")) patch(handle, "close", "promise");
    return handle;
  };
  mod.writeFileSync = splitSync(mod.writeFileSync!, "w");
  mod.appendFileSync = splitSync(mod.appendFileSync!, "a");
  promises.writeFile = splitPromise(promises.writeFile!, "w");
  promises.appendFile = splitPromise(promises.appendFile!, "a");
  syncBuiltinESMExports();
}

if (when !== undefined && target > 0) await install();
