export * from "./errors.js";
export { acquireLock, acquireLockSync, inspectLock, lockPathFor, type Lock, type LockHolder, type LockOptions } from "./lock.js";
