import assert from "node:assert/strict";
import fs from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as v from "valibot";
import { z } from "zod";
import { CorruptStateError, openState, ValidationError, type StandardSchemaV1 } from "../src/index.js";
import { scratchDir } from "./helpers/dirs.js";

interface Tracker {
  fired: string[];
  lastRun?: number;
}

const schemas: Array<[string, StandardSchemaV1<unknown, Tracker>]> = [
  ["zod", z.object({ fired: z.array(z.string()), lastRun: z.number().int().optional() })],
  ["valibot", v.object({ fired: v.array(v.string()), lastRun: v.optional(v.pipe(v.number(), v.integer())) })],
];

function tempFile(): string {
  return join(scratchDir("crashsafe-schema-"), "tracker.json");
}

for (const [vendor, schema] of schemas) {
  test(`${vendor}: a rejected set throws ValidationError with the issues and leaves file and value untouched`, async () => {
    const file = tempFile();
    const state = await openState(file, { defaults: () => ({ fired: [] }), schema });
    await state.set({ fired: ["a"], lastRun: 3 });
    const before = fs.readFileSync(file, "utf8");
    const error = await state.set({ fired: ["a", 42 as unknown as string] }).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError, String(error));
    assert.equal(error.code, "EVALIDATION");
    assert.equal(error.path, file);
    assert.equal(error.issues.length, 1);
    assert.equal(error.issues[0]!.where, "$.fired[1]");
    assert.match(error.message, /\$\.fired\[1\]/);
    assert.equal(fs.readFileSync(file, "utf8"), before);
    assert.deepEqual(state.value, { fired: ["a"], lastRun: 3 });
  });

  test(`${vendor}: a schema-invalid file is CorruptStateError pointing at the bad field`, async () => {
    const file = tempFile();
    fs.writeFileSync(file, JSON.stringify({ $crashsafe: { version: 1 }, value: { fired: ["ok"], lastRun: 1.5 } }));
    const error = await openState(file, { defaults: () => ({ fired: [] }), schema }).catch((e: unknown) => e);
    assert.ok(error instanceof CorruptStateError, String(error));
    assert.equal(error.where, "$.lastRun");
    assert.equal(error.what, "the schema rejects the value");
    assert.equal(error.issues[0]!.where, "$.lastRun");
  });

  test(`${vendor}: the schema also guards update and migrated values`, async () => {
    const file = tempFile();
    fs.writeFileSync(file, JSON.stringify({ ids: ["x"] }));
    const state = await openState(file, { defaults: () => ({ fired: [] }), schema, version: 2, migrate: { 1: (old: { ids: string[] }) => ({ fired: old.ids }) } });
    assert.deepEqual(state.value, { fired: ["x"] });
    await assert.rejects(state.update((s) => ({ ...s, lastRun: "yesterday" as unknown as number })), ValidationError);
    assert.deepEqual(await state.update((s) => ({ fired: [...s.fired, "y"] })), { fired: ["x", "y"] });

    const bad = tempFile();
    fs.writeFileSync(bad, JSON.stringify({ ids: ["x"] }));
    await assert.rejects(openState(bad, { defaults: () => ({ fired: [] }), schema, version: 2, migrate: { 1: (old: unknown) => old } }), CorruptStateError);
  });
}
