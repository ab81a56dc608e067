import type { Image } from "./image.js";

/** Logical inode number inside a recorded directory tree; 0 is the test directory itself. */
export type Ino = number;

/** Where in the user's code an operation was issued. */
export interface Site {
  /** `file:line` of the first stack frame outside node internals and this harness. */
  readonly where: string;
}

/** A logical file-system operation, recorded once per completed fs call (see crash-consistency.md §4). */
export type Op = Site &
  (
    | { op: "creat" | "mkdir"; dir: Ino; name: string; ino: Ino }
    | { op: "write"; ino: Ino; off: number; data: Uint8Array; file?: string }
    | { op: "trunc"; ino: Ino; size: number; file?: string }
    | { op: "unlink" | "rmdir"; dir: Ino; name: string; ino: Ino }
    | { op: "link"; dir: Ino; name: string; ino: Ino }
    | { op: "rename"; src: [Ino, string]; dst: [Ino, string]; ino: Ino; victim?: Ino }
    | { op: "fsync" | "fdatasync"; ino: Ino; file?: string }
    | { op: "close"; ino: Ino; file?: string }
    | { op: "ack"; label: string }
  );

/** Human wording of an op, used in traces ("the data written at save.js:12"). */
export function describeOp(op: Op): string {
  switch (op.op) {
    case "write":
      return `the data written to ${name(op.file)} at ${op.where} (bytes ${op.off}-${op.off + op.data.length - 1})`;
    case "trunc":
      return `truncate ${name(op.file)} to ${op.size} bytes at ${op.where}`;
    case "creat":
      return `create "${op.name}" at ${op.where}`;
    case "mkdir":
      return `mkdir "${op.name}" at ${op.where}`;
    case "unlink":
    case "rmdir":
      return `${op.op} "${op.name}" at ${op.where}`;
    case "link":
      return `link "${op.name}" at ${op.where}`;
    case "rename":
      return `rename "${op.src[1]}" -> "${op.dst[1]}" at ${op.where}`;
    case "fsync":
    case "fdatasync":
    case "close":
      return `${op.op} of ${name(op.file)} at ${op.where}`;
    case "ack":
      return `ack("${op.label}") at ${op.where}`;
  }
}

function name(file: string | undefined): string {
  return file === undefined ? "an unnamed file" : file === "" ? "the directory" : `"${file}"`;
}

/** Applies an op completely (the state with nothing lost). */
export function applyOp(image: Image, op: Op): void {
  switch (op.op) {
    case "creat":
    case "link":
      image.setEntry(op.dir, op.name, op.ino, "file");
      break;
    case "mkdir":
      image.setEntry(op.dir, op.name, op.ino, "dir");
      break;
    case "write":
      image.writeAt(op.ino, op.off, op.data, true);
      break;
    case "trunc":
      image.setSize(op.ino, op.size);
      break;
    case "unlink":
    case "rmdir":
      image.removeEntry(op.dir, op.name, op.ino);
      break;
    case "rename":
      image.removeEntry(op.src[0], op.src[1], op.ino);
      image.setEntry(op.dst[0], op.dst[1], op.ino, "file");
      break;
    default:
      break;
  }
}
