/**
 * Platform switches of the write path, in one mutable object so tests can exercise the Windows
 * code paths (rename backoff, no directory fsync) on Linux. Not part of the public API.
 */
export const platform = {
  win32: process.platform === "win32",
};
