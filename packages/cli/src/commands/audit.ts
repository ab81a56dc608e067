import { UsageError } from "../usage-error.js";

/** `crashsafe audit`: not built yet. */
export async function run(_args: string[]): Promise<number> {
  throw new UsageError("`audit` is not available in this build yet");
}
