import assert from "node:assert/strict";
import fs from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  CorruptStateError,
  inspectStateFile,
  MigrationError,
  openState,
  restoreFromBackup,
  StateClosedError,
  ValidationError,
  VersionTooNewError,
  type RecoveryEvent,
  type StandardSchemaV1,
} from "../src/index.js";
import { scratchDir } from "./helpers/dirs.js";
import { countCalls } from "./helpers/faults.js";

interface Tracker {
  fired: string[];
}
const defaults = (): Tracker => ({ fired: [] });

function tempFile(name = "tracker.json"): string {
  return join(scratchDir("crashsafe-state-"), name);
}

function readRaw(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

test("a missing file gives defaults(); set writes a versioned envelope that reopens", async () => {
  const file = tempFile();
  const state = await openState(file, { defaults });
  assert.deepEqual(state.value, { fired: [] });
  assert.equal(fs.existsSync(file), false, "opening does not create the file");
  await state.set({ fired: ["a"] });
  assert.deepEqual(readRaw(file), { $crashsafe: { version: 1 }, value: { fired: ["a"] } });
  await state.close();
  const again = await openState(file, { defaults: () => ({ fired: ["never used"] }) });
  assert.deepEqual(again.value, { fired: ["a"] });
});

test("a plain JSON file without the envelope is read as version 1", async () => {
  const file = tempFile();
  fs.writeFileSync(file, JSON.stringify({ fired: ["x", "y"] }));
  const state = await openState(file, { defaults });
  assert.deepEqual(state.value, { fired: ["x", "y"] });
});

for (const [label, content, what, where] of [
  ["empty", "", /empty file/, "line 1, column 1"],
  ["truncated", '{"fired": ["a", "b"', /not valid JSON/, "line 1, column 20"],
  ["null", "null", /null/, "$"],
  ["wrong-typed", '["a"]', /expected object/, "$"],
  ["broken-envelope", '{"$crashsafe": {"version": "two"}, "value": {}}', /envelope/, '$["$crashsafe"].version'],
] as const) {
  test(`a ${label} file is CorruptStateError naming path, what and where, and is left untouched`, async () => {
    const file = tempFile();
    fs.writeFileSync(file, content);
    const error = await openState(file, { defaults }).catch((e: unknown) => e);
    assert.ok(error instanceof CorruptStateError, String(error));
    assert.equal(error.code, "ECORRUPT");
    assert.equal(error.path, file);
    assert.match(error.what, what);
    assert.equal(error.where, where);
    assert.match(error.message, new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    assert.equal(fs.readFileSync(file, "utf8"), content);
  });
}

test("migrations run in order from the file's version, the upgrade is written back, the old file kept as .bak", async () => {
  const file = tempFile();
  fs.writeFileSync(file, JSON.stringify(["a", "b"]));
  const calls: number[] = [];
  const state = await openState(file, {
    defaults,
    version: 3,
    migrate: {
      1: (old: string[]) => (calls.push(1), { ids: old }),
      2: (old: { ids: string[] }) => (calls.push(2), { fired: old.ids }),
    },
  });
  assert.deepEqual(calls, [1, 2]);
  assert.deepEqual(state.value, { fired: ["a", "b"] });
  assert.deepEqual(readRaw(file), { $crashsafe: { version: 3 }, value: { fired: ["a", "b"] } });
  assert.deepEqual(readRaw(`${file}.bak`), ["a", "b"]);
});

test("a file from a newer version is an error, never downgraded; a missing migration is an error", async () => {
  const file = tempFile();
  const doc = JSON.stringify({ $crashsafe: { version: 5 }, value: { fired: [] } });
  fs.writeFileSync(file, doc);
  const error = await openState(file, { defaults, version: 4 }).catch((e: unknown) => e);
  assert.ok(error instanceof VersionTooNewError);
  assert.equal(error.code, "EVERSION");
  assert.equal(error.found, 5);
  assert.equal(fs.readFileSync(file, "utf8"), doc);
  await assert.rejects(openState(file, { defaults, version: 7, migrate: { 5: (x: unknown) => x } }), (e: unknown) => e instanceof MigrationError && e.fromVersion === 6);
  assert.equal(fs.readFileSync(file, "utf8"), doc);
});

test("backup: .bak holds the previous validated document after each burst; no temps are left", async () => {
  const file = tempFile();
  const state = await openState(file, { defaults });
  await state.set({ fired: ["1"] });
  assert.equal(fs.existsSync(`${file}.bak`), false, "no backup of a file that did not exist");
  await state.set({ fired: ["1", "2"] });
  assert.deepEqual(readRaw(`${file}.bak`), { $crashsafe: { version: 1 }, value: { fired: ["1"] } });
  await state.set({ fired: ["1", "2", "3"] });
  assert.deepEqual(readRaw(`${file}.bak`), { $crashsafe: { version: 1 }, value: { fired: ["1", "2"] } });
  assert.deepEqual(fs.readdirSync(join(file, "..")).sort(), ["tracker.json", "tracker.json.bak"]);
});

test("backup: a file changed behind our back (not known to validate) is not copied over the backup", async () => {
  const file = tempFile();
  const state = await openState(file, { defaults });
  await state.set({ fired: ["1"] });
  await state.set({ fired: ["2"] });
  fs.writeFileSync(file, "garbage from another writer");
  await state.set({ fired: ["3"] });
  assert.deepEqual(readRaw(`${file}.bak`), { $crashsafe: { version: 1 }, value: { fired: ["1"] } });
});

test("backup: false writes no .bak", async () => {
  const file = tempFile();
  const state = await openState(file, { defaults, backup: false });
  await state.set({ fired: ["1"] });
  await state.set({ fired: ["2"] });
  assert.equal(fs.existsSync(`${file}.bak`), false);
});

test('onCorrupt "restore-backup" restores .bak, keeps the corrupt file aside and reports it', async () => {
  const file = tempFile();
  const state = await openState(file, { defaults });
  await state.set({ fired: ["good"] });
  await state.set({ fired: ["good", "newer"] });
  await state.close();
  fs.writeFileSync(file, '{"fired": [');
  const events: RecoveryEvent[] = [];
  const restored = await openState(file, { defaults, onCorrupt: "restore-backup", onRecover: (e) => events.push(e) });
  assert.deepEqual(restored.value, { fired: ["good"] });
  assert.equal(events.length, 1);
  const [event] = events;
  assert.equal(event!.restoredFrom, `${file}.bak`);
  assert.ok(event!.error instanceof CorruptStateError);
  assert.match(event!.corruptKeptAt, /tracker\.json\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z$/);
  assert.equal(fs.readFileSync(event!.corruptKeptAt, "utf8"), '{"fired": [');
  assert.deepEqual(readRaw(file), { $crashsafe: { version: 1 }, value: { fired: ["good"] } });
});

test('onCorrupt "restore-backup" without a usable backup still throws: never a reset to defaults', async () => {
  const file = tempFile();
  fs.writeFileSync(file, "");
  await assert.rejects(openState(file, { defaults, onCorrupt: "restore-backup" }), (e: unknown) => e instanceof CorruptStateError && /no backup/.test(e.message));
  fs.writeFileSync(`${file}.bak`, "null");
  await assert.rejects(openState(file, { defaults, onCorrupt: "restore-backup" }), (e: unknown) => e instanceof CorruptStateError && /not usable either/.test(e.message));
  assert.equal(fs.readFileSync(file, "utf8"), "");
});

test("a burst of 2,000 un-awaited set calls all resolve, make few physical writes and end at the last value", async () => {
  const file = tempFile();
  const state = await openState(file, { defaults: () => ({ n: 0 }) });
  const renames = countCalls(["rename"]); // the state file's replaces, plus the backup's
  try {
    const all = Array.from({ length: 2000 }, (_, i) => state.set({ n: i + 1 }));
    await Promise.all(all);
  } finally {
    renames.restore();
  }
  assert.deepEqual(readRaw(file), { $crashsafe: { version: 1 }, value: { n: 2000 } });
  assert.ok(renames.counts.rename! >= 1 && renames.counts.rename! <= 10, `renames: ${renames.counts.rename}`);
});

test("an async Standard Schema keeps set calls in call order", async () => {
  let delay = 30;
  const slowFirst: StandardSchemaV1<unknown, { n: number }> = {
    "~standard": {
      version: 1,
      vendor: "test",
      validate: (value) => new Promise((resolve) => setTimeout(() => resolve({ value: value as { n: number } }), (delay = Math.max(0, delay - 10)))),
    },
  };
  const file = tempFile();
  const state = await openState(file, { defaults: () => ({ n: 0 }), schema: slowFirst });
  await Promise.all([state.set({ n: 1 }), state.set({ n: 2 }), state.set({ n: 3 })]);
  assert.deepEqual(state.value, { n: 3 });
  assert.deepEqual(readRaw(file), { $crashsafe: { version: 1 }, value: { n: 3 } });
});

test("without a schema, set rejects null and a value of another JSON type than defaults()", async () => {
  const file = tempFile();
  const state = await openState(file, { defaults });
  await state.set({ fired: ["kept"] });
  await assert.rejects(state.set(null as unknown as Tracker), ValidationError);
  await assert.rejects(state.set(["x"] as unknown as Tracker), (e: unknown) => e instanceof ValidationError && e.code === "EVALIDATION" && /expected object/.test(e.message));
  assert.deepEqual(state.value, { fired: ["kept"] });
  assert.deepEqual(readRaw(file), { $crashsafe: { version: 1 }, value: { fired: ["kept"] } });
});

test("update re-reads the file under the lock, so a change by another handle is not lost", async () => {
  const file = tempFile();
  const a = await openState(file, { defaults: () => ({ n: 0 }) });
  const b = await openState(file, { defaults: () => ({ n: 0 }) });
  await a.update((s) => ({ n: s.n + 1 }));
  await b.update((s) => ({ n: s.n + 1 }));
  const result = await a.update((s) => {
    s.n += 10;
  });
  assert.deepEqual(result, { n: 12 });
  assert.deepEqual(a.value, { n: 12 });
  assert.equal(fs.existsSync(`${file}.lock`), false, "the lock is released");
  await Promise.all(Array.from({ length: 20 }, () => b.update((s) => ({ n: s.n + 1 }))));
  assert.deepEqual(readRaw(file), { $crashsafe: { version: 1 }, value: { n: 32 } });
});

test("an update whose result the checks reject leaves the file untouched and releases the lock", async () => {
  const file = tempFile();
  const state = await openState(file, { defaults: () => ({ n: 0 }) });
  await state.set({ n: 1 });
  const before = fs.readFileSync(file, "utf8");
  await assert.rejects(state.update(() => [] as unknown as { n: number }), ValidationError);
  await assert.rejects(state.update(() => {
    throw new Error("boom");
  }), /boom/);
  assert.equal(fs.readFileSync(file, "utf8"), before);
  assert.equal(fs.existsSync(`${file}.lock`), false);
  assert.deepEqual(await state.update((s) => ({ n: s.n + 1 })), { n: 2 });
});

test("close flushes pending writes, then set and update throw StateClosedError", async () => {
  const file = tempFile();
  const state = await openState(file, { defaults: () => ({ n: 0 }) });
  void state.set({ n: 7 });
  await state.close();
  assert.deepEqual(readRaw(file), { $crashsafe: { version: 1 }, value: { n: 7 } });
  await assert.rejects(state.set({ n: 8 }), StateClosedError);
  await assert.rejects(state.update((s) => s), (e: unknown) => e instanceof StateClosedError && e.code === "ECLOSED");
});

test("inspectStateFile tells ok (with version), missing and corrupt apart without a schema", async () => {
  const file = tempFile();
  assert.deepEqual(await inspectStateFile(file), { status: "missing" });
  fs.writeFileSync(file, JSON.stringify({ $crashsafe: { version: 4 }, value: 1 }));
  assert.deepEqual(await inspectStateFile(file), { status: "ok", version: 4, enveloped: true });
  fs.writeFileSync(file, "[1]");
  assert.deepEqual(await inspectStateFile(file), { status: "ok", version: 1, enveloped: false });
  fs.writeFileSync(file, "{");
  const report = await inspectStateFile(file);
  assert.equal(report.status, "corrupt");
  assert.ok(report.status === "corrupt" && report.error instanceof CorruptStateError && report.error.where === "line 1, column 2");
});

test("restoreFromBackup puts the backup's bytes in place and keeps the replaced file aside", async () => {
  const file = tempFile();
  fs.writeFileSync(file, "{");
  await assert.rejects(restoreFromBackup(file), (e: unknown) => (e as NodeJS.ErrnoException).code === "ENOENT");
  fs.writeFileSync(`${file}.bak`, "");
  await assert.rejects(restoreFromBackup(file), CorruptStateError);
  const good = JSON.stringify({ $crashsafe: { version: 1 }, value: { fired: ["b"] } });
  fs.writeFileSync(`${file}.bak`, good);
  const result = await restoreFromBackup(file);
  assert.equal(fs.readFileSync(file, "utf8"), good);
  assert.equal(fs.readFileSync(result.corruptKeptAt, "utf8"), "{");
  assert.equal(result.restoredFrom, `${file}.bak`);
});
