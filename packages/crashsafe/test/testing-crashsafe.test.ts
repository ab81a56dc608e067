// crashsafe's own write paths, checked by its own power-loss simulator under every model.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { openJournal, openState, writeFileAtomic, writeFileAtomicSync, writeJson, writeJsonSync } from "../src/index.js";
import { ack, MODELS, simulateCrashes } from "../src/testing/index.js";

const NEW = { version: 2, items: Array.from({ length: 700 }, (_, i) => `item-${i}`) }; // ~10 KB

function setup(dir: string): void {
  fs.writeFileSync(join(dir, "state.json"), JSON.stringify({ version: 1 }));
}

function check(dir: string, acked: string[]): void {
  const value = JSON.parse(fs.readFileSync(join(dir, "state.json"), "utf8")) as { version: number };
  assert.ok(value.version === 1 || value.version === 2, "neither old nor new");
  if (acked.includes("saved")) assert.equal(value.version, 2, "lost a write after it was acknowledged");
}

const writers: Record<string, (dir: string) => unknown> = {
  writeFileAtomic: async (dir) => { await writeFileAtomic(join(dir, "state.json"), JSON.stringify(NEW)); ack("saved"); },
  writeFileAtomicSync: (dir) => { writeFileAtomicSync(join(dir, "state.json"), JSON.stringify(NEW)); ack("saved"); },
  writeJson: async (dir) => { await writeJson(join(dir, "state.json"), NEW); ack("saved"); },
  writeJsonSync: (dir) => { writeJsonSync(join(dir, "state.json"), NEW); ack("saved"); },
};

for (const [name, fn] of Object.entries(writers)) {
  test(`durable ${name} passes every model`, async () => {
    for (const model of MODELS) {
      const r = await simulateCrashes(fn, { model, setup, check });
      assert.deepEqual(r.failures, [], `${name} under ${model}`);
      // The write was really recorded: a temp file, its data, a rename and the syncs.
      assert.ok(r.ops >= 5 && r.states > 1, `${name} under ${model}: ${r.ops} ops, ${r.states} states`);
    }
  });
}

test('durability "atomic" survives a process crash but not the pessimistic model', async () => {
  const fn = async (dir: string): Promise<void> => {
    await writeFileAtomic(join(dir, "state.json"), JSON.stringify(NEW), { durability: "atomic" });
    ack("saved");
  };
  assert.deepEqual((await simulateCrashes(fn, { model: "process-crash", setup, check })).failures, []);
  assert.ok((await simulateCrashes(fn, { model: "pessimistic", setup, check })).failures.length > 0);
});

test("a new file (no old version) written by writeFileAtomic is whole or absent", async () => {
  const r = await simulateCrashes(async (dir) => { await writeFileAtomic(join(dir, "new.json"), JSON.stringify(NEW)); ack("saved"); }, {
    model: "pessimistic",
    check(dir, acked) {
      const file = join(dir, "new.json");
      if (!fs.existsSync(file)) return assert.ok(!acked.includes("saved"), "acked file missing");
      assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), NEW);
    },
  });
  assert.deepEqual(r.failures, []);
});

test("StateFile.set survives every model: the reopened state is old or new, new once acked", async () => {
  const open = (dir: string, n = 0) => openState(join(dir, "st.json"), { defaults: () => ({ n }) });
  for (const model of MODELS) {
    const r = await simulateCrashes(async (dir) => {
      const s = await open(dir);
      await s.set({ n: 2 });
      ack("saved");
      await s.close();
    }, {
      model,
      setup: async (dir) => { const s = await open(dir); await s.set({ n: 1 }); await s.close(); },
      check: async (dir, acked) => {
        const s = await open(dir, -1);
        const { n } = s.value;
        await s.close();
        assert.ok(n === 1 || n === 2, `reopened as ${n}`);
        if (acked.includes("saved")) assert.equal(n, 2, "lost an acknowledged set");
      },
    });
    assert.deepEqual(r.failures, [], model);
  }
});

test("journal appends survive every model: records are a prefix that holds every acked one", async () => {
  for (const model of MODELS) {
    const r = await simulateCrashes(async (dir) => {
      const log = await openJournal<{ i: number }>(join(dir, "j.log"), { sync: "always" });
      for (let i = 1; i <= 3; i++) {
        await log.append({ i });
        ack(String(i));
      }
      await log.close();
    }, {
      model,
      check: async (dir, acked) => {
        // After a real crash the writer's pid is dead; here it is ours, so drop its lock as recovery would.
        fs.rmSync(join(dir, "j.log.lock"), { force: true });
        const log = await openJournal<{ i: number }>(join(dir, "j.log"));
        const got: number[] = [];
        for await (const rec of log.records()) got.push(rec.i);
        await log.close();
        assert.deepEqual(got, got.map((_, k) => k + 1), "not a prefix");
        for (const a of acked) assert.ok(got.includes(Number(a)), `lost acknowledged record ${a}`);
      },
    });
    assert.deepEqual(r.failures, [], model);
    assert.ok(r.states > 10);
  }
});
