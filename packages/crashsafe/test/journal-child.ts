/**
 * Child process of the crash tests: works on a journal in `dir` and prints a line for every
 * operation once it has resolved (an acknowledgement the parent may rely on). Killed by SIGKILL,
 * either by the parent at a random moment or by itself (CRASHSAFE_JOURNAL_CRASH_AT).
 *
 * `dir` defaults to CRASHSAFE_DIR (set by crashsafe/testing's torture).
 *
 *   journal <dir> <count>   append 0..count-1 (groups of 8 concurrent), compacting each time a multiple of 40 is passed,
 *                           snapshot `{ count }`; prints "ack <n>" and "compacted <count>"
 *   queue <dir>             push 20 items, take 5, ack 2 of them, print "ready", SIGKILL itself
 *   worker <dir>            forever: push, print "pushed <id>"; take; ack two of three, printing "acking <id>" before and "acked <id>" after
 *   dedup <dir>             add ids "id-<n>" forever with compaction; prints "ack <n>"
 */
import { join } from "node:path";
import { openDedupSet, openJournal, openWorkQueue } from "../src/index.js";

const [mode, dirArg, countArg] = process.argv.slice(2);
const dir = dirArg || process.env["CRASHSAFE_DIR"]!;
const say = (line: string) => process.stdout.write(line + "\n");
say("boot"); // torture times its kills from the first line: count the opening too

async function journal(): Promise<void> {
  const log = await openJournal<number, { count: number }>(join(dir, "log"), { sync: process.env["SYNC"] === "batch" ? "batch" : "always" });
  let count = log.snapshot?.count ?? 0;
  for await (const n of log.records()) if (n === count) count++;
  say(`start ${count}`);
  const end = countArg ? count + Number(countArg) : Infinity;
  while (count < end) {
    const group = Array.from({ length: 8 }, (_, i) => count + i);
    await Promise.all(group.map((n) => log.append(n).then(() => say(`ack ${n}`))));
    count += 8;
    if (Math.floor(count / 40) > Math.floor((count - 8) / 40)) {
      await log.compact({ count });
      say(`compacted ${count}`);
    }
  }
  await log.close();
}

async function queue(): Promise<void> {
  const q = await openWorkQueue<{ n: number }>(join(dir, "queue"));
  for (let n = 0; n < 20; n++) await q.push({ n });
  const taken = [];
  for (let i = 0; i < 5; i++) taken.push((await q.take())!);
  await q.ack(taken[0]!.id);
  await q.ack(taken[1]!.id);
  say("ready");
  process.kill(process.pid, "SIGKILL");
}

async function worker(): Promise<void> {
  const q = await openWorkQueue<{ n: number }>(join(dir, "queue"), { compactMinRecords: 30, compactRatio: 2 });
  for (let n = 0; ; n++) {
    say(`pushed ${await q.push({ n })}`);
    const entry = await q.take();
    if (!entry || n % 3 === 0) continue;
    say(`acking ${entry.id}`); // from here until "acked" the ack may or may not be durable
    if (await q.ack(entry.id)) say(`acked ${entry.id}`);
  }
}

async function dedup(): Promise<void> {
  const set = await openDedupSet(join(dir, "seen"), { ttlMs: 3_600_000, compactMinRecords: 50, compactRatio: 0.5 });
  say(`start ${set.size}`);
  for (let n = set.size; ; n++) {
    if (await set.add(`id-${n}`)) say(`ack ${n}`);
  }
}

await ({ journal, queue, worker, dedup } as Record<string, () => Promise<void>>)[mode!]!();
