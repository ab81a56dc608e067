import { UsageError } from "../usage-error.js";

/** `crashsafe simulate`: not built yet. */
export async function run(_args: string[]): Promise<number> {
  throw new UsageError("`simulate` is not available in this build yet");
}
