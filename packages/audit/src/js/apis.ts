/**
 * The APIs the rules know, keyed by resolved reference ("module:path", see resolve.ts).
 * One table per concept so that adding a library is one line.
 */

/** How a truncating write call reports completion: it decides what the fixer may rewrite it to. */
export type WriteForm = "sync" | "promise" | "callback" | "other";

export interface WriteSink {
  /** Display name, e.g. `fs.writeFileSync`. */
  name: string;
  form: WriteForm;
  /** The call serializes its data argument itself (fs-extra writeJson): always state. */
  serializes: boolean;
  /** Index of the path and data arguments. */
  pathArg: number;
  dataArg: number;
  /** The call takes `{ atomic: true }` (argument 2) to write through a temp and rename instead. */
  atomicOption?: boolean;
}

const sink = (name: string, form: WriteForm, serializes = false): WriteSink => ({ name, form, serializes, pathArg: 0, dataArg: 1 });

/** Truncating writes. fs-extra re-exports every `fs` function, so the fs rows are repeated for it. */
export const WRITE_SINKS = new Map<string, WriteSink>();
for (const mod of ["fs", "fs-extra"]) {
  WRITE_SINKS.set(`${mod}:writeFileSync`, sink("fs.writeFileSync", "sync"));
  WRITE_SINKS.set(`${mod}:writeFile`, sink("fs.writeFile", mod === "fs" ? "callback" : "other"));
  WRITE_SINKS.set(`${mod}:promises.writeFile`, sink("fs.promises.writeFile", "promise"));
  WRITE_SINKS.set(`${mod}:default.writeFileSync`, sink("fs.writeFileSync", "sync"));
}
for (const [name, form] of [["writeJson", "other"], ["writeJSON", "other"], ["outputJson", "other"], ["outputJSON", "other"], ["writeJsonSync", "sync"], ["writeJSONSync", "sync"], ["outputJsonSync", "sync"], ["outputJSONSync", "sync"]] as const) {
  WRITE_SINKS.set(`fs-extra:${name}`, sink(`fs-extra ${name}`, form, true));
}
WRITE_SINKS.set("fs-extra:outputFile", sink("fs-extra outputFile", "other"));
WRITE_SINKS.set("fs-extra:outputFileSync", sink("fs-extra outputFileSync", "sync"));
WRITE_SINKS.set("jsonfile:writeFile", sink("jsonfile.writeFile", "other", true));
WRITE_SINKS.set("jsonfile:writeFileSync", sink("jsonfile.writeFileSync", "sync", true));
WRITE_SINKS.set("global:Bun.write", sink("Bun.write", "other"));
// fs-jetpack writes (and JSON-serializes objects) in place unless given { atomic: true }.
WRITE_SINKS.set("fs-jetpack:write", { ...sink("fs-jetpack write", "sync"), atomicOption: true });
WRITE_SINKS.set("fs-jetpack:writeAsync", { ...sink("fs-jetpack writeAsync", "other"), atomicOption: true });
// VS Code's file API writes a file: URI by truncating it in place, like fs.writeFile.
WRITE_SINKS.set("vscode:workspace.fs.writeFile", sink("vscode.workspace.fs.writeFile", "other"));
WRITE_SINKS.set("global:Deno.writeTextFile", sink("Deno.writeTextFile", "other"));
WRITE_SINKS.set("global:Deno.writeTextFileSync", sink("Deno.writeTextFileSync", "sync"));
WRITE_SINKS.set("global:Deno.writeFile", sink("Deno.writeFile", "other"));
WRITE_SINKS.set("global:Deno.writeFileSync", sink("Deno.writeFileSync", "sync"));

/** Calls that open a file and return a handle, with the index of their flags argument. */
export const OPENERS = new Map<string, { flagsArg: number; handle: "fd" | "filehandle" | "stream" }>([
  ["fs:promises.open", { flagsArg: 1, handle: "filehandle" }],
  ["fs-extra:promises.open", { flagsArg: 1, handle: "filehandle" }],
  ["fs:openSync", { flagsArg: 1, handle: "fd" }],
  ["fs-extra:openSync", { flagsArg: 1, handle: "fd" }],
  ["fs:createWriteStream", { flagsArg: 1, handle: "stream" }],
  ["fs-extra:createWriteStream", { flagsArg: 1, handle: "stream" }],
]);

/** Calls that produce serialized text or bytes from a value. */
export const SERIALIZERS = new Set([
  "global:JSON.stringify",
  "yaml:stringify", "yaml:dump", "yaml:safeDump", "yaml:default.stringify", "yaml:default.dump",
  "toml:stringify", "toml:default.stringify",
  "ini:stringify", "ini:encode", "flatted:stringify", "flatted:default.stringify",
  "json5:stringify", "json5:default.stringify",
  "v8:serialize",
  "superjson:stringify", "superjson:default.stringify",
  "devalue:stringify",
  "@msgpack/msgpack:encode", "msgpackr:pack", "msgpackr:encode",
  "fast-json-stable-stringify:default", "json-stable-stringify:default", "safe-stable-stringify:default",
  "safe-stable-stringify:stringify", "fast-safe-stringify:default", "json-stringify-safe:default",
]);

/** Calls that parse serialized text (the "parse" half of a state reader). */
export const PARSERS = new Set([
  "global:JSON.parse",
  "yaml:parse", "yaml:load", "yaml:safeLoad", "yaml:default.parse", "yaml:default.load",
  "toml:parse", "toml:default.parse",
  "ini:parse", "ini:decode", "flatted:parse", "flatted:default.parse",
  "json5:parse", "json5:default.parse",
  "v8:deserialize",
  "superjson:parse", "superjson:default.parse",
  "devalue:parse",
  "@msgpack/msgpack:decode", "msgpackr:unpack", "msgpackr:decode",
]);

/** Calls that read a file's content (path is argument 0). `parses`: the call parses as well. */
export const READERS = new Map<string, { parses: boolean }>();
for (const mod of ["fs", "fs-extra"]) {
  READERS.set(`${mod}:readFileSync`, { parses: false });
  READERS.set(`${mod}:readFile`, { parses: false });
  READERS.set(`${mod}:promises.readFile`, { parses: false });
}
for (const name of ["readJson", "readJSON", "readJsonSync", "readJSONSync"]) READERS.set(`fs-extra:${name}`, { parses: true });
READERS.set("jsonfile:readFile", { parses: true });
for (const name of ["loadJsonFile", "loadJsonFileSync", "default", "default.sync"]) READERS.set(`load-json-file:${name}`, { parses: true });
READERS.set("jsonfile:readFileSync", { parses: true });
READERS.set("atomic:crashsafe.readJson", { parses: true });
READERS.set("atomic:crashsafe.readJsonSync", { parses: true });
READERS.set("global:Bun.file", { parses: false });
for (const name of ["readTextFile", "readTextFileSync", "readFile", "readFileSync"]) READERS.set(`global:Deno.${name}`, { parses: false });

/** Renames (argument 0 → argument 1). */
export const RENAMES = new Set(["fs:renameSync", "fs:rename", "fs:promises.rename", "fs-extra:renameSync", "fs-extra:rename", "fs-extra:promises.rename", "fs-extra:move", "fs-extra:moveSync"]);

/** Copies (argument 0 → argument 1): used to "replace" a file, they truncate the target and write it in place. */
export const COPIES = new Set(["fs:copyFileSync", "fs:copyFile", "fs:promises.copyFile", "fs-extra:copyFileSync", "fs-extra:copyFile", "fs-extra:copy", "fs-extra:copySync", "fs-extra:promises.copyFile"]);

/** Flushes to stable storage. Method calls `.sync()`/`.datasync()` on a FileHandle are matched by name. */
export const FSYNCS = new Set(["fs:fsyncSync", "fs:fsync", "fs:fdatasyncSync", "fs:fdatasync", "fs-extra:fsyncSync", "fs-extra:fsync", "fs-extra:fdatasyncSync", "fs-extra:fdatasync"]);

/** Existence checks: `if (!existsSync(p))` guards a first-run creation. */
export const EXISTS = new Set(["fs:existsSync", "fs-extra:existsSync", "fs-extra:pathExists", "fs-extra:pathExistsSync", "fs:promises.access", "fs:access", "fs:accessSync", "fs-extra:exists"]);

/** Where temp directories come from: a temp there is on another directory, maybe another filesystem. */
export const TEMP_DIRS = new Set(["os:tmpdir", "fs:mkdtempSync", "fs:mkdtemp", "fs:promises.mkdtemp", "fs-extra:mkdtemp", "fs-extra:mkdtempSync", "tmp:dirSync", "tmp:fileSync", "tempy:temporaryFile", "tempy:temporaryDirectory", "tempy:default.file"]);

/** Process exits and aborts: a catch that calls one does not carry on. */
export const EXITS = new Set(["global:process.exit", "global:process.abort", "process:exit", "process:abort"]);

/** File names that are config or manifests edited on purpose, not runtime state. */
export const SETUP_FILE_NAMES = new Set(["package.json", "tsconfig.json", "jsconfig.json", ".eslintrc.json", ".prettierrc", ".prettierrc.json", "manifest.json", "lerna.json", ".babelrc", "composer.json", "app.json", "components.json"]);

/** Diagnostic dumps (profiles, traces, heap snapshots): written once on request, never read back as state. */
export const DUMP_EXTENSIONS = [".cpuprofile", ".heapprofile", ".heapsnapshot", ".trace", ".log", ".har"];

/** Extensions that mark a path as a serialized state file. */
export const STATE_EXTENSIONS = [".json", ".yaml", ".yml", ".toml", ".ini", ".state", ".dat", ".db.json", ".json5", ".msgpack", ".pickle", ".cache"];
