/**
 * crashsafe/testing: prove crash safety. {@link simulateCrashes} replays a function's fs calls
 * through a power-loss model; {@link torture} SIGKILLs a real process at random moments.
 * Importing this module wraps node:fs (pass-through unless a simulation is recording).
 */
export { ack } from "./ack.js";
export { simulateCrashes, type SimulateFailure, type SimulateOptions, type SimulateResult } from "./simulate.js";
export { ALL_MODELS, MODELS, type Model } from "./micro-ops.js";
export { torture, type TortureFailure, type TortureOptions, type TortureResult } from "./torture.js";
export { recordOps, type Recording } from "./recorder.js";
export type { Ino, Op } from "./ops.js";
