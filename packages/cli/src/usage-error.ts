/** Exit codes of the `crashsafe` command, the same for every subcommand. */
export const ExitCode = {
  /** Clean: nothing at or above the failure threshold. */
  ok: 0,
  /** Findings or failures at or above the threshold (audit findings, torture/simulate failures). */
  findings: 1,
  /** Usage error or an I/O error that stopped the command. */
  usage: 2,
} as const;

/**
 * A mistake in how the command was called. The CLI prints its message as one line
 * (what is wrong and how to fix it) and exits with {@link ExitCode.usage}.
 */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Parses the value of a flag that takes a non-negative integer; a {@link UsageError} otherwise. */
export function integerArg(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a non-negative integer, got "${text}"`);
  return Number(text);
}
