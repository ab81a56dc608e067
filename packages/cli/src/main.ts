import { ExitCode, UsageError } from "./usage-error.js";

/** A subcommand: parses its own arguments and returns the process exit code. */
export type Command = (args: string[]) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  audit: { summary: "find unsafe state writes and silent resets", load: async () => (await import("./commands/audit.js")).run },
  torture: { summary: "SIGKILL a writer at random moments and check its files", load: async () => (await import("./commands/torture.js")).run },
  simulate: { summary: "replay a scenario's fs calls through a power-loss model", load: async () => (await import("./commands/simulate.js")).run },
  doctor: { summary: "list state files, leftover temps, backups and corrupt files", load: async () => (await import("./commands/doctor.js")).run },
};

export function helpText(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    "Usage: crashsafe <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run `crashsafe <command> --help` for a command's options.",
    "Exit codes: 0 clean, 1 findings or failures, 2 usage or I/O error.",
  ].join("\n");
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(helpText());
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const command = commands[name];
  if (command === undefined) {
    console.error(`crashsafe: unknown command "${name}"; run \`crashsafe --help\` to list the commands`);
    return ExitCode.usage;
  }
  try {
    return await (await command.load())(rest);
  } catch (error) {
    return reportFatal(name, error);
  }
}

function reportFatal(name: string, error: unknown): number {
  if (error instanceof UsageError) {
    console.error(`crashsafe ${name}: ${error.message}`);
  } else {
    const e = error as NodeJS.ErrnoException;
    const where = e.path ? ` (${e.path})` : "";
    console.error(`crashsafe ${name}: ${e.message ?? String(error)}${where}`);
  }
  return ExitCode.usage;
}
