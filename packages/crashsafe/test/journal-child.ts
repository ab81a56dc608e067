/**
 * Child process of the crash tests: works on a journal in `dir` and prints a line for every
 * operation once it has resolved (an acknowledgement the parent may rely on). Killed by SIGKILL,
 * either by the parent at a random moment or by itself (CRASHSAFE_JOURNAL_CRASH_AT).
 *
 *   journal <dir> <count>   append 0..count-1 (groups of 8 concurrent), compacting every 40,
 *                           snapshot `{ count }`; prints "ack <n>" and "compacted <count>"
 *   queue <dir>             push 20 items, take 5, ack 2 of them, print "ready", then wait
 *   dedup <dir>             add ids "id-<n>" forever with compaction; prints "ack <n>"
 */
import { join } from "node:path";
import { openDedupSet, openJournal, openWorkQueue } from "../src/index.js";

const [mode, dir, countArg] = process.argv.slice(2);
const say = (line: string) => process.stdout.write(line + "\n");

async function journal(): Promise<void> {
  const log = await openJournal<number, { count: number }>(join(dir!, "log"), { sync: process.env["SYNC"] === "batch" ? "batch" : "always" });
  let count = log.snapshot?.count ?? 0;
  for await (const n of log.records()) if (n === count) count++;
  say(`start ${count}`);
  const end = countArg ? count + Number(countArg) : Infinity;
  while (count < end) {
    const group = Array.from({ length: 8 }, (_, i) => count + i);
    await Promise.all(group.map((n) => log.append(n).then(() => say(`ack ${n}`))));
    count += 8;
    if (count % 40 === 0) {
      await log.compact({ count });
      say(`compacted ${count}`);
    }
  }
  await log.close();
}

async function queue(): Promise<void> {
  const q = await openWorkQueue<{ n: number }>(join(dir!, "queue"));
  for (let n = 0; n < 20; n++) await q.push({ n });
  const taken = [];
  for (let i = 0; i < 5; i++) taken.push((await q.take())!);
  await q.ack(taken[0]!.id);
  await q.ack(taken[1]!.id);
  say("ready");
  setInterval(() => {}, 1000);
}

async function dedup(): Promise<void> {
  const set = await openDedupSet(join(dir!, "seen"), { ttlMs: 3_600_000, compactMinRecords: 50, compactRatio: 1 });
  say(`start ${set.size}`);
  for (let n = set.size; ; n++) {
    if (await set.add(`id-${n}`)) say(`ack ${n}`);
  }
}

await ({ journal, queue, dedup } as Record<string, () => Promise<void>>)[mode!]!();
