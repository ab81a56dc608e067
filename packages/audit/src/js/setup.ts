/**
 * Is a write one-time (setup, build script, code generator, first-run creation, user-requested
 * export)? Decided from the file's path, the enclosing functions' names and the code around it.
 */
import { isFunction, propertyName, stringValue, unwrap, type Node } from "./ast.js";
import { DUMP_EXTENSIONS, EXISTS, SETUP_FILE_NAMES } from "./apis.js";
import { enclosingFunctionNames, textOf, type ModuleFacts, type Site } from "./facts.js";
import { refKey } from "./resolve.js";
import { calleeName, fileName, type Part } from "./values.js";

const SETUP_DIRS = new Set(["scripts", "script", "tools", "tooling", "build", "codegen", "generator", "generators", "test", "tests", "__tests__", "__mocks__", "__fixtures__", "mocks", "test-utils", "spec", "e2e", "cypress", "fixtures", "bench", "benchmark", "benchmarks", ".github", ".storybook", "migrations", "seeds", "docs"]);
const SETUP_FILE_PREFIXES = ["build", "release", "generate", "gen-", "gen_", "codegen", "setup", "install", "postinstall", "prepare", "bump", "version", "publish", "scaffold", "seed", "migrate", "init."];
/** Targets that are source or markup: a write of them is code generation, not runtime state. */
const GENERATED_SOURCE = [".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".d.ts", ".html", ".md", ".css", ".scss", ".vue", ".svelte", ".py", ".go", ".rs", ".java", ".swift", ".kt"];
const CONFIG_FILES = ["gulpfile", "gruntfile", "jakefile"];
/** Test-runner hooks at the project root: `jest.setup.js`, `globalSetup.ts`, `global-teardown.mjs`. */
const TEST_HOOK_FILE = /\.setup\.[cm]?[jt]sx?$|^global-?(setup|teardown)\b/;
const FUNCTION_NAME = /^(build|generate|gen[A-Z_]|export|scaffold|init|setup|install|bootstrap|emit|codegen|release|bump|publish|prepare|create(Default)?Config|writeConfig|download|seed|migrate|writeBundle|closeBundle)|Export|Report$|CPUProfile|Profiler|HeapSnapshot/;
/** Names of user-chosen output locations: `argv.output`, `outFile`, `options.dest`, `reportPath`. */
const OUTPUT_NAME = /^(out|output|dest|destination|export|report)(File|Path|Dir|Filename|FileName|Name|Location)?$/i;

/** Why a file as a whole is a setup/build/test file, or undefined. */
export function setupFileReason(filename: string): string | undefined {
  const parts = filename.split(/[\\/]/).filter(Boolean);
  const base = (parts[parts.length - 1] ?? "").toLowerCase();
  for (const dir of parts.slice(0, -1)) if (SETUP_DIRS.has(dir.toLowerCase())) return `in ${dir}/ (a script or test, not runtime code)`;
  if (SETUP_FILE_PREFIXES.some((p) => base.startsWith(p))) return "a build/release/generator script";
  if (CONFIG_FILES.some((p) => base.startsWith(p)) || base.includes(".config.") || base.includes(".test.") || base.includes(".spec.") || TEST_HOOK_FILE.test(base)) return "a config, build or test file";
  return undefined;
}

function isExistsCheck(test: Node, site: Site, facts: ModuleFacts, pathText: string): boolean {
  const n = unwrap(test);
  if (n.type !== "CallExpression") return false;
  const key = refKey(n.callee as Node, site.scope);
  if (!key || !EXISTS.has(key)) return false;
  const arg = (n.arguments as Node[])[0];
  return arg !== undefined && textOf(facts, arg) === pathText;
}

/** `if (!existsSync(p)) write(p, …)` or an earlier `if (existsSync(p)) return` in the same block. */
function isFirstRunCreation(site: Site, facts: ModuleFacts, pathExpr: Node): boolean {
  const pathText = textOf(facts, pathExpr);
  for (let i = site.ancestors.length - 1; i >= 0; i--) {
    const a = site.ancestors[i]!;
    const child = site.ancestors[i + 1] ?? site.node;
    // existsSync(p) || writeFileSync(p, …)
    if (a.type === "LogicalExpression" && a.operator === "||" && a.right === child && isExistsCheck(a.left as Node, site, facts, pathText)) return true;
    if (a.type === "IfStatement" || a.type === "ConditionalExpression") {
      const test = unwrap(a.test as Node);
      if (a.consequent === child && test.type === "UnaryExpression" && test.operator === "!" && isExistsCheck(test.argument as Node, site, facts, pathText)) return true;
      if (a.alternate === child && isExistsCheck(test, site, facts, pathText)) return true;
    }
    if (a.type === "BlockStatement" || a.type === "Program") {
      for (const st of a.body as Node[]) {
        if (st === child) break;
        if (st.type === "IfStatement" && isExistsCheck(st.test as Node, site, facts, pathText) && ["ReturnStatement", "ThrowStatement"].includes(firstStatement(st.consequent as Node)?.type ?? "")) return true;
      }
    }
  }
  return false;
}

function firstStatement(node: Node): Node | undefined {
  return node.type === "BlockStatement" ? (node.body as Node[])[0] : node;
}

/** Exclusive-create flag (`wx`): the write creates the file once and never overwrites it. */
export function writeFlag(options: Node | undefined): string | undefined {
  if (!options) return undefined;
  const n = unwrap(options);
  if (n.type !== "ObjectExpression") return undefined;
  for (const prop of n.properties as Node[]) if (prop.type === "Property" && propertyName(prop) === "flag") return stringValue(prop.value as Node);
  return undefined;
}

/** Why a function of this name is a one-time step (export, build, setup…), or undefined. */
export function setupFunctionReason(name: string): string | undefined {
  return FUNCTION_NAME.test(name) ? `in ${name}(): a setup/export/build step` : undefined;
}

/** Save dialogs (Electron `dialog.showSaveDialog`, VS Code `window.showSaveDialog`): the user picks the file. */
const SAVE_DIALOG = /^showSaveDialog(Sync)?$/;

/** `const { filePath } = await dialog.showSaveDialog(…)` / `const uri = await window.showSaveDialog()` → `uri.fsPath`. */
function fromSaveDialog(site: Site, pathExpr: Node | undefined): boolean {
  let root = pathExpr && unwrap(pathExpr);
  while (root?.type === "MemberExpression") root = unwrap(root.object as Node);
  const b = root?.type === "Identifier" ? site.scope.lookup(root.name as string) : undefined;
  const init = b?.kind === "var" && b.init ? unwrap(b.init) : undefined;
  return init?.type === "CallExpression" && SAVE_DIALOG.test(calleeName(init.callee as Node) ?? "");
}

/** A command, route or IPC channel named for an export: `.command("export <file>")`, `ipcMain.handle("settings:export", …)`. */
const EXPORT_COMMAND = /(^|[\s:/._-])(export|dump|backup|save-?as)([\s:/._<-]|$)/i;

/** A literal that names a file (`settings-backup.json`), not a command. */
const FILE_LIKE = /\.[a-z0-9]{1,5}$/i;

/** The literal arguments along a call chain: `program.command("export <f>").description("…").action(fn)`. */
function chainLiterals(call: Node): string[] {
  const out: string[] = [];
  for (let n: Node | undefined = call; n?.type === "CallExpression"; ) {
    for (const a of n.arguments as Node[]) {
      const s = stringValue(a);
      if (s !== undefined) out.push(s);
    }
    const callee = unwrap(n.callee as Node);
    n = callee.type === "MemberExpression" ? unwrap(callee.object as Node) : undefined;
  }
  return out;
}

/** Tapable registrations (`compiler.hooks.emit.tap("Plugin", cb)`): webpack/rspack plugins writing build output. */
const BUNDLER_TAPS = new Set(["tap", "tapAsync", "tapPromise"]);

/**
 * Why the handler the write runs in is one-time: registered for an export command, or as a bundler
 * hook. The handler is a function argument of the registering call.
 */
function handlerReason(site: Site): string | undefined {
  const a = site.ancestors;
  for (let i = a.length - 2; i >= 0; i--) {
    const call = a[i]!;
    if (call.type !== "CallExpression" || !isFunction(a[i + 1]!) || !(call.arguments as Node[]).includes(a[i + 1]!)) continue;
    if (chainLiterals(call).some((s) => EXPORT_COMMAND.test(s) && !FILE_LIKE.test(s))) return "in the handler of an export command, run on request";
    const callee = unwrap(call.callee as Node);
    if (callee.type === "MemberExpression" && BUNDLER_TAPS.has(propertyName(callee) ?? "")) return "in a bundler hook: build output, not runtime state";
  }
  return undefined;
}

/** Why a write at `site` is a one-time setup write, or undefined when it is a runtime write. */
export function setupReason(site: Site, facts: ModuleFacts, pathExpr: Node | undefined, parts: Part[], flag: string | undefined): string | undefined {
  if (flag?.includes("x")) return "exclusive create (flag wx): written once, never overwritten";
  const name = fileName(parts);
  const last = parts[parts.length - 1];
  if (last?.literal && DUMP_EXTENSIONS.some((e) => last.text.endsWith(e))) return "a diagnostic dump (profile, trace, log), written on request";
  if (last?.literal && GENERATED_SOURCE.some((e) => last.text.endsWith(e))) return "generated source code, not runtime state";
  if (name && SETUP_FILE_NAMES.has(name)) return `${name} is a manifest/config edited on purpose, not runtime state`;
  if (parts.some((p) => !p.literal && (p.text.startsWith("global:process.argv") || OUTPUT_NAME.test(p.text.slice(p.text.indexOf(":") + 1).replace(/^\./, ""))))) return "writes to a user-chosen output path (an export)";
  if (fromSaveDialog(site, pathExpr)) return "writes to the file the user picked in a save dialog (an export)";
  const handler = handlerReason(site);
  if (handler) return handler;
  if (pathExpr && isFirstRunCreation(site, facts, pathExpr)) return "first-run creation guarded by an existence check";
  const fnName = enclosingFunctionNames(site).find((n) => FUNCTION_NAME.test(n));
  if (fnName) return `in ${fnName}(): a setup/export/build step`;
  return setupFileReason(facts.filename);
}
