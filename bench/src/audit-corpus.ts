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

type PyTemplate = (id: number) => string;

/** Path-taking helpers other modules import: the cross-file pass has to follow them. */
const pyUtils: PyTemplate = (i) => `"""I/O helpers of package ${i}."""
import json
import os
import tempfile


def save_json(path, data):
    with open(path, "w") as f:
        json.dump(data, f, indent=2)


def load_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def write_atomic(path, text):
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
`;

const pyStore: PyTemplate = (i) => `"""State store ${i}: remembers what it has seen between runs."""
import json
import logging
import os
from dataclasses import dataclass, field

from .utils import save_json, load_json

STATE_FILE_${i} = os.path.join(os.environ.get("DATA_DIR", "."), "store-${i}.json")
log = logging.getLogger(__name__)


@dataclass
class Entry${i}:
    key: str
    seen_at: float
    tags: list = field(default_factory=list)


class Store${i}:
    def __init__(self, path=STATE_FILE_${i}):
        self.path = path
        self.entries = {}

    def load(self):
        try:
            with open(self.path) as f:
                raw = json.load(f)
            self.entries = {e["key"]: Entry${i}(**e) for e in raw}
        except Exception as err:
            log.warning("starting with an empty store: %s", err)
            self.entries = {}

    def add(self, entry):
        if entry.key in self.entries:
            return False
        self.entries[entry.key] = entry
        self.save()
        return True

    def save(self):
        save_json(self.path, [e.__dict__ for e in self.entries.values()])

    def checkpoint(self):
        with open(self.path + ".bak", "w") as f:
            f.write(json.dumps(list(self.entries)))


def restore_settings_${i}():
    return load_json("settings-${i}.json", {})
`;

const pyCompute: PyTemplate = (i) => {
  const fns = Array.from({ length: 8 }, (_, k) => `
def compute_${i}_${k}(values, factor=${k + 1}):
    """Sum, mean and max of values scaled by factor."""
    if not values:
        return {"sum": 0, "mean": 0, "max": None}
    scaled = [v * factor for v in values if v is not None]
    total = sum(scaled)
    best = max(scaled)
    for index, value in enumerate(scaled):
        if value > best * 0.9 and index % ${k + 2} == 0:
            best = value
    return {"sum": total, "mean": total / len(scaled), "max": best}


def format_${i}_${k}(n, unit="ms"):
    return f"{n:.${k % 3}f} {unit}"
`).join("");
  return `"""Numeric helpers of module ${i}."""
import math
from collections import defaultdict
from typing import Iterable
${fns}

class Scheduler${i}:
    def __init__(self, interval=${(i % 7) + 1}):
        self.interval = interval
        self.jobs = defaultdict(list)

    def every(self, name, fn):
        self.jobs[name].append(fn)
        return self

    def run(self, values: Iterable[float]):
        out = {}
        for name, fns in self.jobs.items():
            out[name] = [fn(list(values)) for fn in fns]
        return {k: v for k, v in out.items() if v and not math.isnan(len(v))}
`;
};

const pyScript: PyTemplate = (i) => `"""Command-line report ${i}."""
import argparse
import json
import os
import sys


def summarize(directory):
    files = sorted(os.listdir(directory))
    return {"module": ${i}, "count": len(files), "files": files}


def main(argv=None):
    parser = argparse.ArgumentParser(description="report ${i}")
    parser.add_argument("directory", nargs="?", default="out")
    parser.add_argument("--output", default="summary-${i}.json")
    args = parser.parse_args(argv)
    summary = summarize(args.directory)
    with open(args.output, "w") as f:
        json.dump(summary, f)
    with open(os.path.join(args.directory, "cache-${i}.json"), "w") as f:
        f.write(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
`;

const PY_TEMPLATES: PyTemplate[] = [pyStore, pyCompute, pyScript, pyCompute, pyStore, pyCompute];

/**
 * Writes Python packages under `dir` until about `lines` lines exist: each package has a
 * `utils.py` of path-taking helpers that its store modules import (followed across files).
 */
export function generatePythonProject(dir: string, lines: number): { files: string[]; lines: number } {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  let total = 0;
  const emit = (file: string, text: string): void => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    files.push(file);
    total += text.split("\n").length;
  };
  for (let i = 0; total < lines; i++) {
    const pkg = path.join(dir, `pkg${Math.floor(i / 50)}`);
    if (i % 50 === 0) {
      emit(path.join(pkg, "__init__.py"), "");
      emit(path.join(pkg, "utils.py"), pyUtils(i));
    }
    emit(path.join(pkg, `m${i}.py`), PY_TEMPLATES[i % PY_TEMPLATES.length]!(i));
  }
  return { files, lines: total };
}
