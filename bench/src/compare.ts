/**
 * `node bench/dist/run.js compare`: facts, not times. For crashsafe and each npm peer it measures
 * (1) power-loss verdicts with crashsafe/testing's simulateCrashes under three models, (2) what a
 * full disk (a 64 KiB tmpfs) does to the call, the old file and the temp, (3) the fsyncs and temp
 * names in the recorded op trace, (4) a burst of 100 concurrent writes to one path.
 *
 * The measurements run in a child process (this file, run as a script) that imports
 * "crashsafe/testing" before any peer: atomically (stubborn-fs) captures fs functions at import
 * time, and run.js has already imported it for the write suite, so in this process its calls
 * would bypass the recorder. Every verdict also checks that the peer's calls were recorded.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import type { BenchSuite } from "./run.js";

const FILE = "state.json";
const MODELS = ["process-crash", "ext4-ordered", "pessimistic"] as const;
const BURST = 100;

interface Doc {
  version: string;
  items: string[];
}
type Write = (doc: Doc) => Promise<void>;
interface Contender {
  name: string;
  /** A writer bound to `file` (conf and lowdb read the file when they open it). */
  open(file: string): Promise<Write>;
}

/** `n` items of ~52 bytes: 200 make the ~10 KiB state of the power-loss runs. */
function doc(version: string, n = 200): Doc {
  return { version, items: Array.from({ length: n }, (_, i) => `${version}-signal-${String(i).padStart(5, "0")}-${"x".repeat(28)}`) };
}
const OLD = doc("old");
const NEW = doc("new");

// ------------------------------------------------------------------ contenders (child only)

async function loadContenders(): Promise<Contender[]> {
  const { writeFileAtomic } = await import("crashsafe");
  const require = createRequire(import.meta.url);
  const wfa = require("write-file-atomic") as ((f: string, d: string) => Promise<void>) & { sync(f: string, d: string): void };
  const atomically = await import("atomically");
  const { Writer } = await import("steno");
  const { default: Conf } = await import("conf");
  const { JSONFilePreset } = await import("lowdb/node");
  const text = (d: Doc) => JSON.stringify(d);
  const simple = (name: string, write: (file: string, data: string) => unknown): Contender => ({
    name,
    open: async (file) => async (d) => void (await write(file, text(d))),
  });
  return [
    simple("crashsafe writeFileAtomic (durable)", (f, s) => writeFileAtomic(f, s)),
    simple("crashsafe writeFileAtomic (atomic)", (f, s) => writeFileAtomic(f, s, { durability: "atomic" })),
    simple("write-file-atomic (async)", (f, s) => wfa(f, s)),
    simple("write-file-atomic.sync", (f, s) => wfa.sync(f, s)),
    simple("atomically writeFile", (f, s) => atomically.writeFile(f, s)),
    simple("atomically writeFileSync", (f, s) => atomically.writeFileSync(f, s)),
    {
      name: "steno Writer.write",
      open: async (file) => {
        const w = new Writer(file);
        return (d) => w.write(text(d));
      },
    },
    {
      name: "conf set",
      open: async (file) => {
        const conf = new Conf<Doc>({ cwd: path.dirname(file), configName: path.basename(file, ".json") });
        return async (d) => conf.set(d);
      },
    },
    {
      name: "lowdb JSONFilePreset write",
      open: async (file) => {
        const db = await JSONFilePreset<Doc>(file, OLD);
        return async (d) => {
          db.data = d;
          await db.write();
        };
      },
    },
    simple("fs.promises.writeFile", (f, s) => fsp.writeFile(f, s)),
  ];
}

// ------------------------------------------------------------------ 1. power-loss verdicts

type Testing = typeof import("crashsafe/testing");

interface Verdict {
  model: string;
  /** Recorded fs ops of the run (0 would mean the peer's calls bypassed the recorder). */
  ops: number;
  states: number;
  /** Every distinct way it failed, short ("acked write lost", "empty", …). */
  kinds: string[];
  /** First failure: check's message and the trace's headline. */
  failure?: string;
}

const KINDS: Array<[string, string]> = [
  ["acknowledged write lost", "acked write lost"],
  ["empty", "empty file"],
  ["unparsable", "partly written file"],
  ["missing", "file missing"],
  ["neither", "valid JSON, wrong data"],
];

function which(parsed: unknown): "old" | "new" | undefined {
  const p = parsed as Partial<Doc> | null;
  if (p?.version === "new" && isDeepStrictEqual(p.items, NEW.items)) return "new";
  if (p?.version === "old" && isDeepStrictEqual(p.items, OLD.items)) return "old";
  return undefined;
}

/** The invariant: the target exists, parses, is old or new, and is new once "saved" was acked. */
function checkTarget(dir: string, acked: string[]): void {
  const file = path.join(dir, FILE);
  if (!fs.existsSync(file)) throw new Error("target file missing");
  const text = fs.readFileSync(file, "utf8");
  if (text.length === 0) throw new Error("target file empty");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error("target file unparsable (partly written)");
  }
  const got = which(parsed);
  if (got === undefined) throw new Error("target parses but is neither the old nor the new content");
  if (got === "old" && acked.includes("saved")) throw new Error("acknowledged write lost: old content after the call resolved");
}

const writeOld = (dir: string) => fs.writeFileSync(path.join(dir, FILE), JSON.stringify(OLD));

async function verdict(t: Testing, c: Contender, model: (typeof MODELS)[number]): Promise<Verdict> {
  const r = await t.simulateCrashes(
    async (dir) => {
      const write = await c.open(path.join(dir, FILE));
      await write(NEW);
      t.ack("saved");
    },
    { model, setup: writeOld, check: checkTarget },
  );
  const f = r.failures[0];
  const kinds = KINDS.filter(([k]) => r.failures.some((x) => x.error.includes(k))).map(([, label]) => label);
  return { model, ops: r.ops, states: r.states, kinds, ...(f ? { failure: `${f.error} (${f.trace[0] ?? ""})` } : {}) };
}

// ------------------------------------------------------------------ 2. full disk

interface DiskFacts {
  call: string;
  target: string;
  leftovers: string[];
}

function classify(file: string, oldText: string): string {
  if (!fs.existsSync(file)) return "missing";
  const text = fs.readFileSync(file, "utf8");
  if (text === oldText) return "old intact";
  // crashsafe-ignore silent-state-reset: this classifies the damage a contender left; it is the measurement, not a state reader
  if (text.length === 0) return "empty";
  try {
    return `${(JSON.parse(text) as Doc).version} content`;
  // crashsafe-ignore silent-state-reset: this classifies the damage a contender left; it is the measurement, not a state reader
  } catch {
    return `truncated/unparsable (${text.length} bytes)`;
  }
}

async function fullDisk(c: Contender): Promise<DiskFacts> {
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), "compare-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt], { stdio: "pipe" });
  } catch (e) {
    fs.rmdirSync(mnt);
    return { call: `n/a (mount: ${(e as Error).message.split("\n")[0]})`, target: "n/a", leftovers: [] };
  }
  try {
    const file = path.join(mnt, FILE);
    const oldText = JSON.stringify(doc("old", 4));
    fs.writeFileSync(file, oldText);
    let call: string;
    try {
      const write = await c.open(file);
      await write(doc("big", 2600)); // ~130 KiB: twice the file system
      call = "resolved (success)";
    } catch (e) {
      call = `rejects ${(e as NodeJS.ErrnoException).code ?? (e as Error).name}`;
    }
    return { call, target: classify(file, oldText), leftovers: fs.readdirSync(mnt).filter((n) => n !== FILE) };
  } finally {
    unmount(mnt);
  }
}

function unmount(mnt: string): void {
  try {
    execFileSync("umount", [mnt], { stdio: "pipe" });
  } catch {
    execFileSync("umount", ["-l", mnt], { stdio: "pipe" }); // a peer still holds a file open
  }
  fs.rmdirSync(mnt);
}

// ------------------------------------------------------------------ 3 + 4. op traces

/** A flat view of crashsafe/testing's `Op` union: the fields the trace facts read. */
interface RecordedOp {
  op: string;
  ino?: number;
  dir?: number;
  name?: string;
  off?: number;
  src?: [number, string];
  dst?: [number, string];
}
type RecordFn = (dir: string, fn: (dir: string) => unknown) => Promise<{ ops: readonly RecordedOp[] }>;

async function recordIn(record: RecordFn, fn: (file: string) => Promise<unknown>): Promise<{ ops: readonly RecordedOp[]; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "compare-trace-"));
  writeOld(dir);
  const { ops } = await record(dir, () => fn(path.join(dir, FILE)));
  return { ops, dir };
}

interface TraceFacts {
  ops: number;
  /** Per write: fsync/fdatasync of the published inode before it was published. */
  fileSync: boolean[];
  /** Per write: fsync of the directory after the rename. */
  dirSync: boolean[];
  temps: string[];
  sameDir: boolean | undefined;
}

const ROOT = 0;
const isSync = (o: RecordedOp) => o.op === "fsync" || o.op === "fdatasync";

/** Two writes in a row: which inode each publishes (rename onto the target, or in place). */
function traceFacts(ops: readonly RecordedOp[]): TraceFacts {
  const renames = ops.flatMap((o, i) => (o.op === "rename" && o.dst?.[1] === FILE ? [i] : []));
  const temps = ops.filter((o) => o.op === "creat" && o.name !== FILE).map((o) => o.name!);
  if (renames.length === 0) {
    const sync = ops.some((o) => isSync(o) && o.ino !== ROOT);
    return { ops: ops.length, fileSync: [sync], dirSync: [ops.some((o) => isSync(o) && o.ino === ROOT)], temps, sameDir: undefined };
  }
  const fileSync = renames.map((r, k) => ops.slice(k ? renames[k - 1]! : 0, r).some((o) => isSync(o) && o.ino === ops[r]!.ino));
  const dirSync = renames.map((r, k) => ops.slice(r, renames[k + 1] ?? ops.length).some((o) => isSync(o) && o.ino === ROOT));
  const sameDir = renames.every((r) => ops[r]!.src?.[0] === ops[r]!.dst?.[0]);
  return { ops: ops.length, fileSync, dirSync, temps, sameDir };
}

interface BurstFacts {
  physical: number;
  rejected: number;
  lastWins: string;
}

async function burst(record: RecordFn, c: Contender): Promise<BurstFacts> {
  let rejected = 0;
  const { ops, dir } = await recordIn(record, async (file) => {
    const write = await c.open(file);
    const settled = await Promise.allSettled(Array.from({ length: BURST }, (_, i) => write(doc(`burst-${i}`, 20))));
    rejected = settled.filter((s) => s.status === "rejected").length;
  });
  const renames = ops.filter((o) => o.op === "rename" && o.dst?.[1] === FILE).length;
  const temps = new Set(ops.filter((o) => o.op === "creat" && o.name !== FILE).map((o) => o.ino));
  const inPlace = ops.filter((o) => o.op === "write" && o.off === 0 && !temps.has(o.ino)).length;
  let lastWins: string;
  try {
    const v = (JSON.parse(fs.readFileSync(path.join(dir, FILE), "utf8")) as Doc).version;
    lastWins = v === `burst-${BURST - 1}` ? "yes" : `no (${v})`;
  // crashsafe-ignore silent-state-reset: this classifies the damage a contender left; it is the measurement, not a state reader
  } catch {
    lastWins = "no (file unparsable)";
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return { physical: renames + inPlace, rejected, lastWins };
}

// ------------------------------------------------------------------ child: measure everything

interface Facts {
  name: string;
  verdicts: Verdict[];
  disk: DiskFacts;
  trace: TraceFacts;
  burst: BurstFacts;
}

async function measure(t: Testing, record: RecordFn, c: Contender): Promise<Facts> {
  const verdicts: Verdict[] = [];
  for (const model of MODELS) verdicts.push(await verdict(t, c, model));
  const { ops, dir } = await recordIn(record, async (file) => {
    const write = await c.open(file);
    await write(NEW);
    await write(doc("newer"));
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return { name: c.name, verdicts, disk: await fullDisk(c), trace: traceFacts(ops), burst: await burst(record, c) };
}

async function child(): Promise<void> {
  const t = await import("crashsafe/testing"); // first: its fs wrappers must be in place before a peer captures fs
  const record = t.recordOps;
  const facts: Facts[] = [];
  for (const c of await loadContenders()) facts.push(await measure(t, record, c));
  process.stdout.write(JSON.stringify(facts));
}

// ------------------------------------------------------------------ parent: render

const yesNo = (xs: boolean[]) => (xs.every(Boolean) ? "yes" : xs.some(Boolean) ? "sometimes" : "**no**");

function tempCell(tr: TraceFacts): [string, string, string] {
  if (tr.temps.length === 0) return ["none (in place)", "—", "—"];
  const unique = new Set(tr.temps).size === tr.temps.length ? "yes" : "**no**";
  return [`\`${tr.temps[0]}\``, unique, tr.sameDir === undefined ? "?" : tr.sameDir ? "yes" : "**no**"];
}

function render(facts: Facts[]): string {
  const notes: string[] = [];
  const cell = (f: Facts, v: Verdict) => {
    if (v.ops <= 1) return "NOT RECORDED";
    if (!v.failure) return "pass";
    notes.push(`${f.name}, ${v.model}: ${v.failure}`);
    return `**FAIL**: ${v.kinds.join(", ")} [${notes.length}]`;
  };
  const rows = facts.map((f) => {
    const [temp, unique, same] = tempCell(f.trace);
    const disk = `${f.disk.call}; ${f.disk.target}; ${f.disk.leftovers.length ? `temp left: \`${f.disk.leftovers.join("`, `")}\`` : "no temp left"}`;
    const b = `${f.burst.physical}; last wins: ${f.burst.lastWins}${f.burst.rejected ? `; ${f.burst.rejected} rejected` : ""}`;
    return `| ${f.name} | ${f.verdicts.map((v) => cell(f, v)).join(" | ")} | ${disk} | ${yesNo(f.trace.fileSync)} | ${yesNo(f.trace.dirSync)} | ${temp} | ${unique} | ${same} | ${b} |`;
  });
  const counts = facts.map((f) => `${f.name} ${f.verdicts.map((v) => `${v.ops}/${v.states}`).join(", ")}`).join("; ");
  return [
    "### crash safety, full disk, fsyncs, temps, bursts (facts, not times)",
    "",
    "| contender | process-crash | ext4-ordered | pessimistic | full disk (64 KiB tmpfs, ~130 KiB write): call; target; temp | fsync file before rename | fsync dir after rename | temp name (1st write) | unique temp | same-dir temp | burst of 100 concurrent writes: physical writes; last wins |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    ...notes.map((n, i) => `${i + 1}. ${n}`),
    "",
    `- Power loss: simulateCrashes replaces a ~10 KiB JSON file (old -> new), \`ack("saved")\` after the call resolves; check: the target exists, parses, equals old or new, and is new once acked.`,
    `- Recorded ops / crash states per model (non-zero ops = the contender's fs calls were seen): ${counts}.`,
    "- fsync and temp columns come from the op trace of two writes in a row (\"sometimes\": one of the two). Burst: physical writes = renames onto the target + in-place writes at offset 0; sync APIs run their 100 calls one after another.",
    "",
  ].join("\n");
}

function runChild(): Promise<Facts[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), "--child"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.on("error", reject);
    p.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as Facts[]) : reject(new Error(`compare child exited ${code}`))));
  });
}

export const suite: BenchSuite = {
  name: "compare",
  async groups() {
    console.log(render(await runChild()));
    return [];
  },
};

if (process.argv[2] === "--child" && process.argv[1] === fileURLToPath(import.meta.url)) await child();
