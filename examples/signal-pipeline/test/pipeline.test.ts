import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, it } from "node:test";
import {
  COMMIT_EVERY, CONFIG_FILE, FIRED_ALERTS_FILE, MAX_ATTEMPTS, Pipeline, POSITIONS_FILE, RETRY_QUEUE_FILE,
  emptyQueue, enqueue, loadRetryQueue, signalAt, takeDue, subscribe, type Signal,
} from "../src/index.js";

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src", "main.js");

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "signal-pipeline-test-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function open(lines: string[]): Promise<Pipeline> {
  return Pipeline.open(dir, (line) => lines.push(line));
}

function ids(lines: string[], event: string): string[] {
  return lines.filter((l) => l.startsWith(`${event} `)).map((l) => l.split(" ")[1] as string);
}

type Trade = Extract<Signal, { kind: "open" | "close" }>;
const indicators = { rsi: 50, macd: 0.1, volume: 1000, timeframe: "1h", confluence: ["ema-cross"] };
function trade(seq: number, kind: "open" | "close", symbol: string, price: number, strength = 90): Trade {
  const base = { id: `t-${seq}`, seq, ts: new Date(Date.UTC(2026, 0, 1, 0, seq)).toISOString(), symbol, price, strength, indicators };
  return kind === "open" ? { ...base, kind, side: "long" } : { ...base, kind };
}

describe("feed", () => {
  it("is a pure function of seed and sequence number", () => {
    assert.deepEqual(signalAt(7, 42), signalAt(7, 42));
    assert.notDeepEqual(signalAt(7, 42), signalAt(8, 42));
  });

  it("replays the history before the cursor on connect and repeats some signals", () => {
    const seqs = [...subscribe({ seed: 1, total: 300, replay: 50 }, 200)].map((s) => s.seq);
    assert.equal(seqs[0], 151);
    assert.equal(seqs.at(-1), 300);
    assert.ok(seqs.length > 150, "some signals are delivered twice");
    assert.deepEqual([...new Set(seqs)].length, 150);
  });
});

describe("pipeline", () => {
  it("fires one alert per signal however often the feed delivers it", async () => {
    const lines: string[] = [];
    const p = await open(lines);
    const s = trade(1, "open", "BTC", 100);
    await p.handle(s);
    await p.handle(s);
    assert.equal(ids(lines, "alert").concat(ids(lines, "retry")).filter((id) => id === s.id).length, 1);
    assert.ok(p.fired[s.id], "the alert is recorded as fired");
  });

  it("opens one position per symbol, closes it with its result and keeps the history", async () => {
    const lines: string[] = [];
    const p = await open(lines);
    await p.handle(trade(1, "open", "ETH", 200));
    await p.handle(trade(2, "open", "ETH", 210)); // already open: no second position
    await p.handle(trade(3, "close", "ETH", 220));
    assert.deepEqual(ids(lines, "open"), ["t-1"]);
    assert.deepEqual(ids(lines, "close"), ["t-1"]);
    assert.deepEqual(p.book.open, {});
    assert.equal(p.book.closed[0]?.pnlPct, 10);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, POSITIONS_FILE), "utf8"));
    assert.deepEqual(saved, p.book);
  });

  it("applies control signals to the runtime config and keeps them across restarts", async () => {
    const lines: string[] = [];
    const p = await open(lines);
    await p.handle({ kind: "config", id: "c-1", seq: 1, ts: "2026-01-01T00:00:00.000Z", key: "minStrength", value: 60 });
    await p.handle({ kind: "config", id: "c-2", seq: 2, ts: "2026-01-01T00:00:00.000Z", key: "mute", symbol: "DOGE" });
    await p.handle(trade(3, "open", "SOL", 10, 59)); // below the new threshold
    await p.handle(trade(4, "open", "DOGE", 1, 99)); // muted
    assert.deepEqual(lines.filter((l) => l.startsWith("config")), ["config minStrength=60", "config muted=DOGE"]);
    assert.deepEqual(ids(lines, "alert").concat(ids(lines, "retry")), []);
    assert.deepEqual([p.fired["t-3"]?.suppressed, p.fired["t-4"]?.suppressed], ["strength below 60", "DOGE muted"]);
    const again = await open([]);
    assert.equal(again.overrides.minStrength, 60);
    assert.deepEqual(again.overrides.muted, ["DOGE"]);
    assert.ok(fs.existsSync(path.join(dir, CONFIG_FILE)));
  });

  it("queues refused deliveries and delivers them on a later retry", async () => {
    const lines: string[] = [];
    const p = await open(lines);
    for (const signal of subscribe({ seed: 175, total: 400, repeat: 0 }, 0)) await p.handle(signal);
    const retried = new Set(ids(lines, "retry"));
    assert.ok(retried.size > 0, "the flaky webhook refused some alerts");
    const late = ids(lines, "alert").filter((id) => retried.has(id));
    assert.ok(late.length > 0, "some refused alerts were delivered on a retry");
    assert.equal(p.queue.delivered, late.length);
    for (const id of late) assert.ok(lines.indexOf(`retry ${id}`) < lines.indexOf(`alert ${id}`));
    const saved = loadRetryQueue(path.join(dir, RETRY_QUEUE_FILE));
    assert.deepEqual(saved.items, p.queue.items, "the queue on disk is the queue in memory");
    assert.equal(p.queue.dropped, ids(lines, "drop").length);
  });

  it("backs a retry off exponentially and takes an item out of the queue when it is due", () => {
    const queue = emptyQueue();
    enqueue(queue, "a", "text", 1, 10);
    enqueue(queue, "b", "text", MAX_ATTEMPTS - 1, 10);
    assert.deepEqual(takeDue(queue, 11), []);
    assert.deepEqual(takeDue(queue, 12).map((i) => i.alertId), ["a"]);
    assert.deepEqual(queue.items.map((i) => i.alertId), ["b"]);
    assert.equal(queue.items[0]?.dueAfter, 10 + 2 ** (MAX_ATTEMPTS - 1));
  });

  it("commits the cursor every COMMIT_EVERY signals and resumes after it without firing twice", async () => {
    const first: string[] = [];
    const p = await open(first);
    const feed = { seed: 3, total: 120 };
    let n = 0;
    for (const signal of subscribe(feed, 0)) {
      await p.handle(signal);
      if (++n === 60) break;
    }
    assert.ok(ids(first, "ack").length >= Math.floor(60 / COMMIT_EVERY));
    const second: string[] = [];
    const q = await open(second);
    assert.ok(q.tracker.cursor > 0);
    for (const signal of subscribe(feed, q.tracker.cursor)) await q.handle(signal);
    const before = new Set(ids(first, "alert"));
    assert.deepEqual(ids(second, "alert").filter((id) => before.has(id)), []);
    assert.deepEqual(ids(second, "open").filter((id) => ids(first, "open").includes(id)), []);
  });

  it("as shipped, silently resets a corrupt fired_alerts.json but refuses a corrupt positions.json", async () => {
    const p = await open([]);
    await p.handle(trade(1, "open", "BTC", 100));
    fs.writeFileSync(path.join(dir, FIRED_ALERTS_FILE), '{"t-1": {"seq"'); // crashsafe-ignore direct-state-write: a torn file on purpose
    const reset = await open([]);
    assert.deepEqual(reset.fired, {}, "the bug the demo exposes: history gone, no error");
    fs.writeFileSync(path.join(dir, POSITIONS_FILE), ""); // crashsafe-ignore direct-state-write: an emptied file on purpose
    await assert.rejects(open([]), SyntaxError);
  });
});

describe("main", () => {
  it("runs the feed to the end, and a restart fires nothing again", () => {
    const run = (): string => {
      const r = spawnSync(process.execPath, [MAIN, "--signals", "150"], { cwd: dir, env: { ...process.env, CRASHSAFE_DIR: dir }, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const first = run().split("\n");
    assert.equal(first[0], "ready");
    assert.ok(first.includes("done"));
    assert.ok(ids(first, "alert").length > 10);
    const second = run().split("\n");
    assert.deepEqual(ids(second, "alert").filter((id) => ids(first, "alert").includes(id)), []);
    assert.deepEqual(ids(second, "open"), []);
  });
});
