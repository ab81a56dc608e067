import { execFile } from "node:child_process";
import { closeSync, openSync, readSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { promisify } from "node:util";
import ignoreModule, { type Ignore } from "ignore";
import picomatch from "picomatch";

const execFileP = promisify(execFile);
// "ignore" is CommonJS with `factory.default = factory`; under NodeNext its typings only expose `.default`.
const ignore = ignoreModule.default;

/** Extensions the auditor analyses. */
export const SOURCE_EXTENSIONS: readonly string[] = [".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts", ".py"];

/** Directory names that hold third-party code copied into a project, never its own sources. */
const VENDORED_DIRS = new Set([
  ".git", "vendor", "vendors", "_vendor", "vendored", "third_party", "third-party", "bower_components", "jspm_packages",
  ".venv", "venv", "site-packages", "dist-packages", "__pycache__", ".tox", ".nox", ".mypy_cache", ".yarn", ".pnpm-store",
]);

/** Markers that only a package manager leaves in a `node_modules` folder. */
const INSTALL_MARKERS = [".package-lock.json", ".bin", ".pnpm", ".modules.yaml", ".yarn-state.yml", ".yarn-integrity"];

/** Options of {@link selectFiles}. */
export interface SelectFilesOptions {
  /** Directory that relative `paths` and `ignore` globs are resolved against. */
  cwd: string;
  /** Extra globs (picomatch syntax, relative to `cwd`; a pattern without `/` matches any path segment). Default none. */
  ignore?: string[];
}

/**
 * The source files the auditor should analyse under `paths`, as sorted absolute paths.
 *
 * In a git work tree: the files git tracks plus the untracked ones it does not ignore. Elsewhere:
 * `.gitignore` rules (nested files and negations included). `node_modules` holding installed
 * dependencies, vendored directories, `.d.ts` files, minified and generated files are skipped.
 * Files named explicitly in `paths` are always included. A missing path rejects with the `stat` error.
 */
export async function selectFiles(paths: string[], options: SelectFilesOptions): Promise<string[]> {
  const cwd = resolve(options.cwd);
  const userIgnored = makeUserIgnore(options.ignore ?? [], cwd);
  const selected = new Set<string>();
  for (const p of paths.length > 0 ? paths : ["."]) {
    const abs = resolve(cwd, p);
    const info = await stat(abs);
    if (!info.isDirectory()) {
      if (hasSourceExtension(abs)) selected.add(abs);
      continue;
    }
    const git = await gitFiles(abs);
    // A directory git ignores but the user named explicitly is audited anyway, by its own .gitignore files.
    const candidates = git === "ignored" ? await walkWithGitignore(abs, abs) : (git ?? (await walkWithGitignore(abs, cwd)));
    for (const file of candidates) {
      if (!hasSourceExtension(file) || userIgnored(file)) continue;
      // A tracked file deleted from the work tree cannot be read: nothing to audit there.
      if (await isGeneratedOrMinified(file).catch(() => true)) continue;
      selected.add(file);
    }
  }
  return [...selected].sort();
}

function hasSourceExtension(file: string): boolean {
  const name = basename(file);
  if (/\.d\.[cm]?ts$/.test(name)) return false;
  return SOURCE_EXTENSIONS.some((ext) => name.endsWith(ext));
}

function makeUserIgnore(globs: string[], cwd: string): (file: string) => boolean {
  if (globs.length === 0) return () => false;
  const matchers = globs.map((g) => picomatch(g.replace(/\/+$/, ""), { dot: true, basename: !g.includes("/") }));
  return (file) => {
    const rel = relative(cwd, file).split(sep).join("/");
    // A glob naming a directory excludes everything below it, so test every ancestor too.
    const parts = rel.split("/");
    for (let i = parts.length; i > 0; i--) {
      const prefix = parts.slice(0, i).join("/");
      if (matchers.some((m) => m(prefix))) return true;
    }
    return false;
  };
}

function segments(relPath: string): string[] {
  return relPath.split(/[\\/]/);
}

/**
 * Files of a git work tree under `dir`; `undefined` when `dir` is not in one (or git is missing);
 * `"ignored"` when git ignores `dir` itself.
 */
async function gitFiles(dir: string): Promise<string[] | "ignored" | undefined> {
  const git = (args: string[]) => execFileP("git", ["-C", dir, ...args], { maxBuffer: 256 * 1024 * 1024, encoding: "utf8" });
  try {
    const inside = await git(["rev-parse", "--is-inside-work-tree"]);
    if (inside.stdout.trim() !== "true") return undefined;
  } catch {
    return undefined;
  }
  const [all, untracked] = await Promise.all([
    git(["ls-files", "-co", "--exclude-standard", "-z"]),
    git(["ls-files", "-o", "--exclude-standard", "-z"]),
  ]);
  if (all.stdout === "" && (await git(["check-ignore", "-q", "."]).then(() => true, () => false))) return "ignored";
  const untrackedSet = new Set(untracked.stdout.split("\0").filter(Boolean));
  const files: string[] = [];
  for (const rel of all.stdout.split("\0")) {
    if (!rel) continue;
    const parts = segments(rel);
    if (parts.slice(0, -1).some((p) => VENDORED_DIRS.has(p))) continue;
    // Tracked files under node_modules are the project's own; untracked ones are installed deps nobody ignored.
    if (untrackedSet.has(rel) && parts.includes("node_modules")) continue;
    files.push(join(dir, rel));
  }
  return files;
}

interface IgnoreLevel {
  base: string;
  rules: Ignore;
}

/** Walks `root` honouring `.gitignore` files from `cwd` (when `root` is inside it) down. */
async function walkWithGitignore(root: string, cwd: string): Promise<string[]> {
  const levels: IgnoreLevel[] = [];
  const top = isInside(root, cwd) ? cwd : root;
  for (const dir of ancestorsFrom(top, root).slice(0, -1)) {
    const level = await loadGitignore(dir);
    if (level) levels.push(level);
  }
  const out: string[] = [];
  await walkDir(root, levels, out);
  return out;
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** `top`, its children on the way to `leaf`, and `leaf`. */
function ancestorsFrom(top: string, leaf: string): string[] {
  const chain: string[] = [];
  for (let d = leaf; ; d = dirname(d)) {
    chain.unshift(d);
    if (d === top || dirname(d) === d) break;
  }
  return chain;
}

async function loadGitignore(dir: string): Promise<IgnoreLevel | undefined> {
  try {
    const text = await readFile(join(dir, ".gitignore"), "utf8");
    return { base: dir, rules: ignore().add(text) };
  } catch {
    return undefined;
  }
}

/** Git semantics: the deepest `.gitignore` with a matching rule decides; negations un-ignore. */
function isIgnored(abs: string, isDir: boolean, levels: IgnoreLevel[]): boolean {
  let ignored = false;
  for (const { base, rules } of levels) {
    const rel = relative(base, abs).split(sep).join("/") + (isDir ? "/" : "");
    const result = rules.test(rel);
    if (result.ignored) ignored = true;
    else if (result.unignored) ignored = false;
  }
  return ignored;
}

async function walkDir(dir: string, parentLevels: IgnoreLevel[], out: string[]): Promise<void> {
  const own = await loadGitignore(dir);
  const levels = own ? [...parentLevels, own] : parentLevels;
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const abs = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (VENDORED_DIRS.has(entry.name) || isIgnored(abs, true, levels)) continue;
      if (entry.name === "node_modules" && (await holdsInstalledPackages(abs))) continue;
      await walkDir(abs, levels, out);
    } else if (entry.isFile() && !isIgnored(abs, false, levels)) {
      out.push(abs);
    }
  }
}

/** A package manager's folder (markers, or sub-folders with a package.json) as opposed to sources kept there. */
async function holdsInstalledPackages(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.some((e) => INSTALL_MARKERS.includes(e.name))) return true;
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const pkgDirs = e.name.startsWith("@") ? (await readdir(join(dir, e.name))).map((n) => join(dir, e.name, n)) : [join(dir, e.name)];
    for (const d of pkgDirs) {
      if (await stat(join(d, "package.json")).then(() => true, () => false)) return true;
    }
  }
  return false;
}

const HEAD_BYTES = 64 * 1024;
/** A line this long is not something a person wrote. */
const MAX_LINE = 1000;
const GENERATED_MARKERS = ["@generated", "do not edit", "this file was generated", "this file is generated", "this file is auto-generated", "code generated by"];

/** Minified (by name or by line length) or marked generated in its first lines. */
export async function isGeneratedOrMinified(file: string): Promise<boolean> {
  if (/[.-]min\.[cm]?js$/.test(file) || /\.bundle\.[cm]?js$/.test(file)) return true;
  const head = readHead(file);
  const lines = head.split("\n");
  const complete = head.length < HEAD_BYTES ? lines : lines.slice(0, -1);
  if (complete.some((l) => l.length > MAX_LINE)) return true;
  const header = lines.slice(0, 5).join("\n").toLowerCase();
  return GENERATED_MARKERS.some((m) => header.includes(m));
}

/** Reused by every {@link readHead}: the reads are synchronous, so one buffer serves them all. */
const headBuffer = Buffer.allocUnsafe(HEAD_BYTES);

/**
 * Synchronous on purpose: selection reads the head of every candidate file, and tens of thousands
 * of small async reads awaited one after another cost seconds in libuv round trips (a sync read
 * costs microseconds).
 */
function readHead(file: string): string {
  const fd = openSync(file, "r");
  try {
    const bytesRead = readSync(fd, headBuffer, 0, HEAD_BYTES, 0);
    return headBuffer.toString("utf8", 0, bytesRead);
  } finally {
    closeSync(fd);
  }
}
