/** openState under injected I/O errors: the file stays old or new, errors carry their code, nothing leaks. */
import assert from "node:assert/strict";
import fs from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { openState, WriteError } from "../src/index.js";
import { scratchDir, tempsIn } from "./helpers/dirs.js";
import { injectFault, type FaultSpec } from "./helpers/faults.js";

function readValue(file: string): unknown {
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { value: unknown }).value;
}

for (const fault of [
  { call: "write", code: "ENOSPC" },
  { call: ["fsync", "fdatasync"], code: "EIO" },
  { call: "open", code: "EMFILE" },
  { call: "rename", code: "EXDEV" },
] satisfies FaultSpec[]) {
  test(`set during ${fault.code} on ${String(fault.call)}: rejects with the code, file and backup stay valid, next set works`, async () => {
    const dir = scratchDir("crashsafe-state-faults-");
    const file = join(dir, "s.json");
    const state = await openState(file, { defaults: () => ({ n: 0 }) });
    await state.set({ n: 1 });
    await state.set({ n: 2 });
    const injector = injectFault({ ...fault, times: Infinity });
    let error: unknown;
    try {
      error = await state.set({ n: 3 }).catch((e: unknown) => e);
    } finally {
      injector.restore();
    }
    assert.ok(injector.injected > 0, "the fault was hit");
    assert.ok(error instanceof WriteError, String(error));
    assert.equal(error.code, fault.code);
    assert.deepEqual(readValue(file), { n: 2 });
    // The backup was rotated before the write (to the file as it was), except when rename itself fails.
    assert.deepEqual(readValue(`${file}.bak`), fault.code === "EXDEV" ? { n: 1 } : { n: 2 });
    assert.deepEqual(tempsIn(dir), []);
    await state.set({ n: 4 });
    assert.deepEqual(readValue(file), { n: 4 });
    assert.deepEqual((await openState(file, { defaults: () => ({ n: 0 }) })).value, { n: 4 });
  });
}

test("EPERM on link (no hard links on this file system): the backup is copied instead", async () => {
  const dir = scratchDir("crashsafe-state-faults-");
  const file = join(dir, "s.json");
  const state = await openState(file, { defaults: () => ({ n: 0 }) });
  await state.set({ n: 1 });
  const injector = injectFault({ call: "link", code: "EPERM", times: Infinity });
  try {
    await state.set({ n: 2 });
  } finally {
    injector.restore();
  }
  assert.equal(injector.injected, 1);
  assert.deepEqual(readValue(`${file}.bak`), { n: 1 });
  assert.deepEqual(readValue(file), { n: 2 });
  assert.notEqual(fs.statSync(file).ino, fs.statSync(`${file}.bak`).ino);
  assert.deepEqual(tempsIn(dir), []);
});
