/**
 * Finds the runnable samples of a Markdown file and runs them (see readme.test.ts for the marker
 * convention). Kept apart from the test so the convention itself can be tested on small inputs.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";

export type SampleLanguage = "ts" | "js" | "sh";

export interface Sample {
  /** 1-based line of the opening fence. */
  line: number;
  language: SampleLanguage;
  code: string;
  /** Expected stdout, when an `<!-- output -->` block follows. */
  output?: string;
  /** Expected exit code (default 0). */
  exit: number;
  /** Files to create in the sample's directory first (`<!-- file: name -->` blocks before it). */
  files: { name: string; content: string }[];
  /** A repository directory (`cwd=examples/x`) the sample runs in a copy of, instead of an empty dir. */
  cwd?: string;
}

/** A fenced code block of a Markdown file. */
export interface Block {
  line: number;
  info: string[];
  code: string;
  /** The HTML comment on the closest non-blank line above the fence, if any. */
  marker?: string;
}

const LANGUAGES: Record<string, SampleLanguage> = {
  ts: "ts", typescript: "ts", mts: "ts", js: "js", javascript: "js", mjs: "js", sh: "sh", bash: "sh", shell: "sh",
};

/** Every fenced code block of `markdown`, in order, with the marker comment above it. */
export function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split(/\r?\n/);
  const out: Block[] = [];
  let lastText: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(lines[i] ?? "");
    if (!open) {
      if ((lines[i] ?? "").trim() !== "") lastText = (lines[i] ?? "").trim();
      continue;
    }
    const fence = open[1] as string;
    const body: string[] = [];
    let j = i + 1;
    const closes = (l: string): boolean => new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(l);
    for (; j < lines.length && !closes(lines[j] ?? ""); j++) body.push(lines[j] ?? "");
    const marker = lastText !== undefined && /^<!--.*-->$/.test(lastText) ? lastText : undefined;
    out.push({ line: i + 1, info: (open[2] ?? "").trim().split(/\s+/).filter(Boolean), code: body.join("\n"), marker });
    lastText = lines[j];
    i = j;
  }
  return out;
}

/** `<!-- test exit=1 -->` → { exit: "1" }; undefined when the marker is not `name`. */
function markerArgs(marker: string | undefined, name: string): Record<string, string> | undefined {
  const m = marker === undefined ? null : new RegExp(`^<!--\\s*${name}\\b(.*?)-->$`).exec(marker);
  if (!m) return undefined;
  return Object.fromEntries([...(m[1] ?? "").matchAll(/(\w+)=(\S+)/g)].map((a) => [a[1] as string, a[2] as string]));
}

/** The samples of `markdown` that are marked to run, with their expected output. */
export function findSamples(markdown: string): Sample[] {
  const all = fencedBlocks(markdown);
  const samples: Sample[] = [];
  let files: Sample["files"] = [];
  all.forEach((block, i) => {
    const file = /^<!--\s*file:\s*(\S+)\s*-->$/.exec(block.marker ?? "");
    if (file) {
      files.push({ name: file[1] as string, content: `${block.code}\n` });
      return;
    }
    const language = LANGUAGES[block.info[0] ?? ""];
    const args = markerArgs(block.marker, "test") ?? (block.info.includes("test") ? {} : undefined);
    if (language === undefined || args === undefined) return;
    const next = all[i + 1];
    const output = next && markerArgs(next.marker, "output") !== undefined ? next.code : undefined;
    const cwd = args["cwd"];
    samples.push({ line: block.line, language, code: block.code, exit: Number(args["exit"] ?? 0), files, ...(output !== undefined ? { output } : {}), ...(cwd !== undefined ? { cwd } : {}) });
    files = [];
  });
  return samples;
}

/** Trailing spaces and leading or trailing blank lines do not count; the temp dir reads as `<tmp>`. */
export function normalizeOutput(text: string, dir?: string): string {
  const real = dir === undefined ? undefined : fs.realpathSync(dir);
  let out = text.replace(/\r\n/g, "\n");
  for (const d of [real, dir]) if (d) out = out.split(d).join("<tmp>");
  return out.split("\n").map((l) => l.trimEnd()).join("\n").replace(/^\n+|\n+$/g, "");
}

/** Whether `actual` matches `expected`, where a line `...` stands for any number of lines. */
export function outputMatches(actual: string, expected: string): boolean {
  const a = actual.split("\n");
  const e = expected.split("\n");
  const match = (i: number, j: number): boolean => {
    if (j === e.length) return i === a.length;
    if (e[j] === "...") return match(i, j + 1) || (i < a.length && match(i + 1, j));
    return i < a.length && a[i] === e[j] && match(i + 1, j + 1);
  };
  return match(0, 0);
}

export interface SampleRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The sample's directory (removed once the run is over). */
  dir: string;
}

function script(sample: Sample): { name: string; text: string } {
  if (sample.language === "sh") return { name: "sample.sh", text: sample.code };
  if (sample.language === "js") return { name: "sample.mjs", text: sample.code };
  const { outputText } = ts.transpileModule(sample.code, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
  });
  return { name: "sample.mjs", text: outputText };
}

/** Builds and installed packages are not part of the copy: the sample gets the repository's. */
const NOT_COPIED = new Set(["node_modules", "dist", ".git"]);

/** Copies `repo`/`cwd` into `dir`; `cwd` must name a directory inside the repository. */
function copyRepoDir(repo: string, cwd: string, dir: string): void {
  const from = path.resolve(repo, cwd);
  if (path.relative(repo, from).startsWith("..") || path.isAbsolute(cwd)) throw new Error(`cwd=${cwd} is outside the repository`);
  if (!fs.statSync(from, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`cwd=${cwd} is not a directory of the repository`);
  fs.cpSync(from, dir, { recursive: true, filter: (src) => !NOT_COPIED.has(path.basename(src)) });
}

/**
 * Runs `sample` in a fresh temp dir (a copy of `repo`/`sample.cwd` when set) whose `node_modules`
 * links to `nodeModules` (so `crashsafe` resolves to this repository's packages), with
 * `nodeModules/.bin` first on PATH. The script itself is `.sample/sample.mjs` (or `.sh`); JS and TS
 * samples run as ES modules.
 */
export function runSample(sample: Sample, nodeModules: string, repo = path.dirname(nodeModules)): SampleRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "readme-sample-"));
  try {
    if (sample.cwd !== undefined) copyRepoDir(repo, sample.cwd, dir);
    fs.symlinkSync(nodeModules, path.join(dir, "node_modules"), "dir");
    fs.mkdirSync(path.join(dir, ".sample")); // the script stays out of the sample's sight (ls)
    for (const f of sample.files) {
      fs.mkdirSync(path.dirname(path.join(dir, f.name)), { recursive: true });
      fs.writeFileSync(path.join(dir, f.name), f.content);
    }
    const { name, text } = script(sample);
    const file = path.join(".sample", name);
    fs.writeFileSync(path.join(dir, file), text);
    const [program, args] = sample.language === "sh" ? ["bash", ["-e", file]] : [process.execPath, [file]];
    const env = { ...process.env, PATH: `${path.join(nodeModules, ".bin")}${path.delimiter}${process.env["PATH"] ?? ""}`, NO_COLOR: "1", FORCE_COLOR: "0" };
    const run = spawnSync(program as string, args as string[], { cwd: dir, env, encoding: "utf8", timeout: 60_000 });
    return { status: run.status, stdout: normalizeOutput(run.stdout ?? "", dir), stderr: (run.stderr ?? "") + (run.error?.message ?? ""), dir };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
