import { UsageError } from "../usage-error.js";

/** `crashsafe torture`: not built yet. */
export async function run(_args: string[]): Promise<number> {
  throw new UsageError("`torture` is not available in this build yet");
}
