import { basename } from "node:path";
import { fileNameOf, pathKey, unwrapPath } from "./facts.js";
import { bindingsOf, calleeAttr, calleeName, field, positionalArgs, receiver, text, type FileModel, type Scope } from "./model.js";
import { ancestor, descendants, isWithin, type PyNode } from "./tree.js";
import type { WriteSite } from "./writes.js";

/** First words of functions that run once: setup, install, export, code generation. */
const SETUP_WORDS = new Set([
  "setup", "install", "bootstrap", "init", "initialize", "initialise", "scaffold", "export", "generate", "gen",
  "build", "release", "create", "seed", "migrate", "configure",
]);
const SETUP_FILES = /^(setup|install|bootstrap|bump|configure|build|rebuild|release|gen|generate|export|make|scaffold|seed|conftest)([_-][\w-]*)?\.py$|^test_.*\.py$|^.*_test\.py$/;
/** Folders of test suites and docs: `tests/`, `test/`, trio's `_tests/`, `docs/`. */
const ONE_OFF_DIRS = /^(_?tests?|docs?)$/;
/** `args.output`, `options.report_file`, `sys.argv[2]`: a path the user named for an export. */
const USER_OUTPUT = /^(?:(?:args|options|opts|ns|cli_args|parsed_args)\.\w*(?:out|dest|report|export|save_to)\w*|sys\.argv\[\d+\])$/i;
const EXPORT_NAME = /(^|_)(out|output|outfile|report|export|dest|destination)(_|$)/i;
const STATE_NAME = /state|cache|tracker|queue|checkpoint|session|\.db$/i;
/** Options that name where the program keeps its own state (`--state-file`, `--db`), not an output. */
const STATE_OPTION = /state|cache|tracker|queue|checkpoint|session|db|store|wallet|seen|history|progress/i;
/** Usual names of an argparse namespace, when its `parse_args()` is out of sight (`def main(args)`). */
const NAMESPACE_NAMES = /^(args|options|opts|ns|cli_args|parsed_args|cmd_args|arguments)$/;
const EXISTS_CALLS = new Set(["os.path.exists", "os.path.isfile", "os.path.lexists"]);

/** `results.json`, `eval_metrics.yaml`, `report.pkl`: what a script produces for people, by its file name. */
const OUTPUT_FILE = /(^|[_-])(outputs?|results?|reports?|summary|metrics|stats|predictions|submission)[_.-]/i;

/**
 * Why a write is a one-time write (`setup-write`), or undefined for a runtime write. `readBack`: the
 * project parses the file somewhere (then even a `results.json` is state it resumes from).
 */
export function setupReason(site: WriteSite, readBack = false): string | undefined {
  const { model, scope, node, target } = site;
  const context = setupContext(model, scope);
  if (context) return context;
  if (USER_OUTPUT.test(text(model, target)) || commandLinePath(model, scope, target)) return "an output file the user asked for on the command line";
  if (isExportTarget(model, site)) return "an output/export file, written for someone to read, not state read back on start";
  if (!readBack && OUTPUT_FILE.test(fileNameOf(model, scope, target) ?? "")) return "an output file (by its name) that nothing in the project reads back";
  if (guardedByMissing(model, node, pathKey(model, target))) return "first-run creation: only written when the file does not exist yet";
  return undefined;
}

/** A setup, build, export or test script by its name or folder (`setup.py`, `test_x.py`, `tests/…`). */
export function setupFile(model: FileModel): string | undefined {
  if (SETUP_FILES.test(basename(model.file)) || inOneOffDir(model.file)) {
    return `${basename(model.file)} is a setup, build, export or test script`;
  }
  return undefined;
}

/**
 * Under a test or docs folder. `test/fixtures/…` holds sample projects (this repository's own audit
 * corpus lives there), which are audited like any project.
 */
function inOneOffDir(file: string): boolean {
  const dirs = file.split("/").slice(0, -1);
  return dirs.some((d, i) => ONE_OFF_DIRS.test(d) && dirs[i + 1] !== "fixtures");
}

/** Code that runs once by its file (setup.py, build scripts, tests) or function name (setup_…, export_…). */
export function setupContext(model: FileModel, scope: Scope): string | undefined {
  const file = setupFile(model);
  if (file) return file;
  const fn = scope.fn;
  if (fn && fn.name !== "__init__") {
    const first = fn.name.replace(/^_+/, "").split("_")[0]?.toLowerCase() ?? "";
    if (SETUP_WORDS.has(first)) return `written once by ${fn.name}()`;
  }
  return undefined;
}

/** `args.sam_schema` of `args = parser.parse_args()`: a path given on the command line, unless the option says it is state. */
function commandLinePath(model: FileModel, scope: Scope, target: PyNode): boolean {
  const inner = unwrapPath(model, target);
  const obj = inner.type === "attribute" ? field(inner, "object") : undefined;
  const attr = inner.type === "attribute" ? field(inner, "attribute") : undefined;
  if (obj?.type !== "identifier" || !attr || STATE_OPTION.test(text(model, attr))) return false;
  const name = text(model, obj);
  return NAMESPACE_NAMES.test(name) || bindingsOf(model, scope, name).some((b) => b.value.type === "call" && calleeAttr(model, b.value) === "parse_args");
}

/** `output_file`, `self.report_path`, `export_dest`: an export, unless its file name says it is state. */
function isExportTarget(model: FileModel, site: WriteSite): boolean {
  const inner = site.target.type === "attribute" ? field(site.target, "attribute") : site.target;
  if (inner?.type !== "identifier" || !EXPORT_NAME.test(text(model, inner))) return false;
  const name = fileNameOf(model, site.scope, site.target);
  return !name || !STATE_NAME.test(name);
}

/** `if not p.exists(): write(p)`, `if p.exists(): … else: write(p)`, or an earlier `if p.exists(): return`. */
function guardedByMissing(model: FileModel, node: PyNode, key: string): boolean {
  for (let ifNode = ancestor(node, ["if_statement"]); ifNode; ifNode = ancestor(ifNode, ["if_statement"])) {
    const cond = field(ifNode, "condition");
    const body = field(ifNode, "consequence");
    if (!cond || !body) continue;
    const negated = cond.type === "not_operator";
    const check = existsCheck(model, negated ? cond.children[0] : cond);
    if (check !== key) continue;
    if (negated && isWithin(node, body)) return true;
    if (!negated && !isWithin(node, body)) return true;
  }
  const fnBody = ancestor(node, ["function_definition"]) ?? model.parsed.root;
  for (const ifNode of descendants(fnBody, "if_statement")) {
    if (ifNode.end > node.start) continue;
    const cond = field(ifNode, "condition");
    const body = field(ifNode, "consequence");
    if (cond && body && existsCheck(model, cond) === key && descendants(body, "return_statement").length > 0) return true;
  }
  return false;
}

function existsCheck(model: FileModel, cond: PyNode | undefined): string | undefined {
  if (cond?.type !== "call") return undefined;
  const name = calleeName(model, cond) ?? "";
  if (EXISTS_CALLS.has(name)) {
    const p = positionalArgs(cond)[0];
    return p ? pathKey(model, p) : undefined;
  }
  const attr = calleeAttr(model, cond);
  const recv = receiver(cond);
  return recv && (attr === "exists" || attr === "is_file") ? pathKey(model, recv) : undefined;
}

