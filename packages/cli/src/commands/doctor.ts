import { UsageError } from "../usage-error.js";

/** `crashsafe doctor`: not built yet. */
export async function run(_args: string[]): Promise<number> {
  throw new UsageError("`doctor` is not available in this build yet");
}
