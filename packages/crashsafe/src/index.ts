export * from "./errors.js";
export { acquireLock, acquireLockSync, inspectLock, lockPathFor, type Lock, type LockHolder, type LockOptions } from "./lock.js";
export { writeFileAtomic, writeFileAtomicSync, writeJson, writeJsonSync } from "./write.js";
export type { Durability, WriteOptions, WriteJsonOptions } from "./write.js";
export { readJson, readJsonSync } from "./read.js";
export type { ReadJsonOptions } from "./read.js";
export { cleanupTemps } from "./temp.js";
export type { CleanupOptions } from "./temp.js";
