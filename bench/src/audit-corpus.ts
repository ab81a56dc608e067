/**
 * A generated project for the audit bench: realistic modules (state stores with direct writes and
 * silent-reset readers, correct atomic writers, utility code, TSX components, CommonJS scripts)
 * with varied identifiers, so that parsing and analysis see code like a real service's.
 */
import fs from "node:fs";
import path from "node:path";

type Template = (id: number, ext: string) => string;

const store: Template = (i) => `import fs from "node:fs";
import path from "node:path";

const STATE_FILE_${i} = path.join(process.env.DATA_DIR ?? ".", "store-${i}.json");

export interface Entry${i} {
  id: string;
  seenAt: number;
  tags: string[];
}

export class Store${i} {
  private entries = new Map<string, Entry${i}>();

  load(): void {
    try {
      const raw = fs.readFileSync(STATE_FILE_${i}, "utf8");
      for (const e of JSON.parse(raw) as Entry${i}[]) this.entries.set(e.id, e);
    } catch (err) {
      console.warn("starting with an empty store", err);
      this.entries = new Map();
    }
  }

  add(entry: Entry${i}): boolean {
    if (this.entries.has(entry.id)) return false;
    this.entries.set(entry.id, entry);
    this.save();
    return true;
  }

  private save(): void {
    fs.writeFileSync(STATE_FILE_${i}, JSON.stringify([...this.entries.values()], null, 2));
  }
}
`;

const atomic: Template = (i) => `import { promises as fsp } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";

export async function writeAtomic${i}(file: string, data: string): Promise<void> {
  const tmp = path.join(path.dirname(file), \`.\${path.basename(file)}.\${process.pid}.\${randomBytes(4).toString("hex")}\`);
  const handle = await fsp.open(tmp, "wx");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(tmp, file);
}

export async function readConfig${i}(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await fsp.readFile(file, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw err;
  }
}
`;

const util: Template = (i) => {
  const fns = Array.from({ length: 6 }, (_, k) => `
/** Helper ${k} of module ${i}. */
export function compute${i}_${k}(values: readonly number[], factor = ${k + 1}): { sum: number; mean: number; max: number } {
  let sum = 0;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    sum += v * factor;
    if (v > max) max = v;
  }
  const mean = values.length === 0 ? 0 : sum / values.length;
  return { sum, mean, max };
}

export const format${i}_${k} = (n: number, unit = "ms"): string => \`\${n.toFixed(${k % 3})} \${unit}\`;
`).join("");
  return `import { EventEmitter } from "node:events";
${fns}
export class Scheduler${i} extends EventEmitter {
  #timers = new Set<NodeJS.Timeout>();
  every(ms: number, fn: () => void): () => void {
    const t = setInterval(() => {
      try {
        fn();
      } catch (error) {
        this.emit("error", error);
      }
    }, ms);
    this.#timers.add(t);
    return () => {
      clearInterval(t);
      this.#timers.delete(t);
    };
  }
  stop(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers.clear();
  }
}
`;
};

const component: Template = (i) => `import { useEffect, useMemo, useState } from "react";

type Props${i} = { title: string; items: Array<{ id: string; label: string; score: number }>; onSelect(id: string): void };

export function List${i}({ title, items, onSelect }: Props${i}) {
  const [query, setQuery] = useState("");
  const visible = useMemo(() => items.filter((it) => it.label.toLowerCase().includes(query.toLowerCase())), [items, query]);
  useEffect(() => {
    document.title = \`\${title} (\${visible.length})\`;
  }, [title, visible.length]);
  return (
    <section className="list-${i}">
      <h2>{title}</h2>
      <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder="filter" />
      <ul>
        {visible.map((it) => (
          <li key={it.id} onClick={() => onSelect(it.id)}>
            {it.label} <small>{it.score.toFixed(1)}</small>
          </li>
        ))}
      </ul>
    </section>
  );
}
`;

const script: Template = (i) => `"use strict";
const fs = require("fs");
const path = require("path");

function saveJson(file, value) {
  fs.writeFileSync(file, JSON.stringify(value));
}

function main(argv) {
  const dir = argv[2] || "out";
  const summary = { module: ${i}, at: Date.now(), files: fs.readdirSync(dir) };
  saveJson(path.join(dir, "summary-${i}.json"), summary);
  return summary;
}

module.exports = { main };
`;

const TEMPLATES: Array<[Template, string]> = [[store, "ts"], [atomic, "ts"], [util, "ts"], [util, "mts"], [component, "tsx"], [script, "cjs"], [util, "ts"], [script, "js"]];

/** Writes modules under `dir` until about `lines` lines exist; returns the files and the line count. */
export function generateProject(dir: string, lines: number): { files: string[]; lines: number } {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  let total = 0;
  for (let i = 0; total < lines; i++) {
    const [template, ext] = TEMPLATES[i % TEMPLATES.length]!;
    const text = template(i, ext);
    const sub = path.join(dir, `pkg${Math.floor(i / 100)}`, i % 2 ? "src" : "lib");
    fs.mkdirSync(sub, { recursive: true });
    const file = path.join(sub, `m${i}.${ext}`);
    fs.writeFileSync(file, text);
    files.push(file);
    total += text.split("\n").length;
  }
  return { files, lines: total };
}
