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
