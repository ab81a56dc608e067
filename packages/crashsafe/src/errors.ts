/**
 * Error classes of crashsafe. Every error has a stable `code` and the `path` it concerns;
 * errors that come from the operating system keep the OS `code` (ENOSPC, EIO, …) and are
 * wrapped only to add the path and the step that failed.
 */

/** Base class of every error crashsafe throws itself. */
export class CrashsafeError extends Error {
  /** Stable machine-readable code, e.g. `"ECORRUPT"`. */
  readonly code: string;
  /** The file the error concerns. */
  readonly path: string;

  constructor(code: string, path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.path = path;
  }
}

/** A step of the atomic replace sequence, named in every {@link WriteError}. */
export type WriteStep =
  | "resolve"
  | "open-temp"
  | "chmod"
  | "chown"
  | "write"
  | "fsync"
  | "close"
  | "rename"
  | "fsync-dir";

/**
 * An atomic write failed. `code` is the operating system's code (`ENOSPC`, `EIO`, `EFBIG`,
 * `EMFILE`, `EXDEV`, …) or `"ESHORTWRITE"`; `path` is the target; `step` says where it failed.
 * When this is thrown the target still holds its previous contents and no temp file is left,
 * except for `step: "fsync-dir"`, which is reported as {@link DurabilityUnknownError} instead.
 */
export class WriteError extends CrashsafeError {
  /** The step of the replace sequence that failed. */
  readonly step: WriteStep;
  /** The system call that failed, when the OS reported one. */
  readonly syscall: string | undefined;

  constructor(path: string, step: WriteStep, cause: unknown) {
    const os = cause as NodeJS.ErrnoException | undefined;
    const code = typeof os?.code === "string" ? os.code : "EIO";
    super(code, path, `cannot write ${path} (step ${step}): ${os?.message ?? String(cause)}`, { cause });
    this.step = step;
    this.syscall = os?.syscall;
  }
}

/**
 * The new contents were renamed into place, but the directory could not be fsynced (EIO or
 * another error): after a power cut the file may show its previous contents. Code `"EDURABILITY"`;
 * the OS error is the `cause`. The file is complete and parseable either way.
 */
export class DurabilityUnknownError extends CrashsafeError {
  /** Always `"fsync-dir"`: the step that failed, as in {@link WriteError}. */
  readonly step: WriteStep = "fsync-dir";

  constructor(path: string, cause: unknown) {
    const os = cause as NodeJS.ErrnoException | undefined;
    super("EDURABILITY", path, `${path} was replaced but its durability is unknown (step fsync-dir): ${os?.code ?? os?.message ?? String(cause)}`, { cause });
  }
}

/**
 * A file that should hold JSON is empty, truncated or unparsable. Code `"ECORRUPT"`; `line` and
 * `column` are 1-based, `position` is the 0-based character offset of the first bad character.
 * crashsafe never replaces a corrupt file by a default value.
 */
export class CorruptFileError extends CrashsafeError {
  readonly line: number;
  readonly column: number;
  readonly position: number;
  /** What is wrong, without the path and position (`"empty file"`, the parser's message…). */
  readonly reason: string;

  constructor(path: string, where: { line: number; column: number; position: number }, reason: string, options?: { cause?: unknown }) {
    super("ECORRUPT", path, `${path}:${where.line}:${where.column}: corrupt JSON: ${reason}`, options);
    this.reason = reason;
    this.line = where.line;
    this.column = where.column;
    this.position = where.position;
  }
}

/** Who held a lock, as its lock file records it (see `acquireLock`). */
export interface LockHolderInfo {
  pid: number;
  host: string;
  acquiredAt: string;
  leaseUntil: string;
}

/** `acquireLock` waited `timeoutMs` and the lock was still held by a live holder within its lease. */
export class LockTimeoutError extends CrashsafeError {
  /** The holder at the time we gave up (undefined if the lock file could not be read). */
  readonly holder: LockHolderInfo | undefined;

  constructor(lockPath: string, holder: LockHolderInfo | undefined, message: string) {
    super("ELOCKTIMEOUT", lockPath, message);
    this.holder = holder;
  }
}

/** One problem a schema (or the state layer itself) found in a value. */
export interface StateIssue {
  /** What is wrong, from the schema's message. */
  message: string;
  /** Where in the document, as a JSONPath-like string: `$`, `$.fired[2]`. */
  where: string;
}

function listIssues(issues: readonly StateIssue[]): string {
  return issues.map((i) => `${i.where}: ${i.message}`).join("; ");
}

/**
 * A state file exists but cannot be used: empty, unparsable, `null`, the wrong type, or rejected
 * by the schema. crashsafe never replaces such a file with defaults (a silent reset); it throws
 * this unless the caller asked to restore the backup.
 */
export class CorruptStateError extends CrashsafeError {
  /** What is wrong, e.g. "not valid JSON", "schema rejected the value". */
  readonly what: string;
  /** Where: "line 3, column 7" for syntax errors, the first issue's JSONPath for schema errors. */
  readonly where: string;
  /** Schema issues, when the schema rejected the document. */
  readonly issues: readonly StateIssue[];

  constructor(path: string, what: string, where: string, issues: readonly StateIssue[] = [], options?: { cause?: unknown }) {
    const detail = issues.length ? `: ${listIssues(issues)}` : "";
    super("ECORRUPT", path, `corrupt state file ${path}: ${what} at ${where}${detail}`, options);
    this.what = what;
    this.where = where;
    this.issues = issues;
  }
}

/** `set` or `update` was given a value the schema rejects; the file was left untouched. */
export class ValidationError extends CrashsafeError {
  readonly issues: readonly StateIssue[];

  constructor(path: string, issues: readonly StateIssue[]) {
    super("EVALIDATION", path, `rejected value for ${path}: ${listIssues(issues)}`);
    this.issues = issues;
  }
}

/** The file was written by a newer version of the program than this one; it is never downgraded. */
export class VersionTooNewError extends CrashsafeError {
  readonly found: number;
  readonly supported: number;

  constructor(path: string, found: number, supported: number) {
    super("EVERSION", path, `${path} has version ${found}, newer than the ${supported} this program supports; refusing to downgrade it`);
    this.found = found;
    this.supported = supported;
  }
}

/** A `migrate` step threw or returned nothing; the file was left untouched. */
export class MigrationError extends CrashsafeError {
  readonly fromVersion: number;

  constructor(path: string, fromVersion: number, cause: unknown) {
    super("EMIGRATE", path, `migrating ${path} from version ${fromVersion} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.fromVersion = fromVersion;
  }
}

/** The state file was used after `close()`. */
export class StateClosedError extends CrashsafeError {
  constructor(path: string) {
    super("ECLOSED", path, `state file ${path} is closed`);
  }
}

/**
 * A journal holds a damaged record that is followed by durable ones, so it cannot be a torn tail
 * from a crash: the log was damaged after it was written. Code `"ECORRUPT"`; `offset` is the byte
 * offset of the first bad byte. Also thrown for a bad file header, a snapshot that does not match
 * the log, and a checksummed record that is not valid JSON or that the schema rejects.
 */
export class JournalCorruptError extends CrashsafeError {
  /** Byte offset in the log of the first bad byte (0 for header and snapshot problems). */
  readonly offset: number;

  constructor(path: string, offset: number, reason: string) {
    super("ECORRUPT", path, `corrupt journal ${path} at byte ${offset}: ${reason}`);
    this.offset = offset;
  }
}

/** Another process writes this journal (holds `${path}.lock`). Code `"ELOCKED"`. */
export class JournalLockedError extends CrashsafeError {
  /** The holder as its lock file records it, if it could be read. */
  readonly holder: LockHolderInfo | undefined;

  constructor(path: string, holder: LockHolderInfo | undefined, cause: unknown) {
    const who = holder ? `pid ${holder.pid} on ${holder.host || "unknown host"} since ${holder.acquiredAt}` : "another process";
    super("ELOCKED", path, `journal ${path} is being written by ${who}; open it with { readOnly: true } to read it`, { cause });
    this.holder = holder;
  }
}

/**
 * An earlier write or fsync of this journal failed, so the durability of anything after it is
 * unknown (an fsync is never retried). Code `"EJOURNALFAILED"`; the first failure is the `cause`.
 * Close the journal and open it again: recovery drops the unfinished tail.
 */
export class JournalFailedError extends CrashsafeError {
  constructor(path: string, cause: unknown) {
    super("EJOURNALFAILED", path, `journal ${path} stopped after a failed write: ${(cause as Error)?.message ?? String(cause)}; reopen it`, { cause });
  }
}

/** The journal was used after `close()`, or written through a `{ readOnly: true }` handle. */
export class JournalClosedError extends CrashsafeError {
  constructor(path: string, readOnly = false) {
    super(readOnly ? "EREADONLY" : "ECLOSED", path, readOnly ? `journal ${path} was opened read-only` : `journal ${path} is closed`);
  }
}
