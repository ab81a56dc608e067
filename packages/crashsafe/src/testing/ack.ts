import { recordAck } from "./recorder.js";

/**
 * Marks, inside the `fn` given to {@link simulateCrashes}, that a write has been reported done to
 * the user (a promise resolved, a response sent). `check` receives the labels of the acks a crash
 * state contains, so it can tell "lost after it was acknowledged" from "old, but never promised".
 * Outside a simulation it does nothing.
 */
export function ack(label: string): void {
  recordAck(label);
}
