import { rules } from "../src/index.js";
import { cjsTester, jsTester, tsTester, at, suggesting } from "./setup.js";

const rule = rules["direct-state-write"];

const CALLBACK_REVIEW = "Replace with crashsafe's writeFileAtomic (review: the callback now runs from a promise, after the data is durable)";
const NO_MKDIR = "the parent directory is no longer created, it must exist";

jsTester.run("direct-state-write (ES modules)", rule, {
  valid: [
    { name: "atomically's writeFileSync is a safe replacement", code: 'import { writeFileSync } from "atomically";\nwriteFileSync("state.json", JSON.stringify(state));\n' },
    { name: "write-file-atomic", code: 'import writeFileAtomic from "write-file-atomic";\nawait writeFileAtomic("state.json", JSON.stringify(state));\n' },
    { name: "crashsafe writeJson", code: 'import { writeJson } from "crashsafe";\nawait writeJson("state.json", state);\n' },
    { name: "crashsafe under an alias", code: 'import { writeFileAtomicSync as writeFileSync } from "crashsafe";\nwriteFileSync("state.json", JSON.stringify(state));\n' },
    { name: "a local object named fs is not node:fs", code: 'const fs = { writeFileSync() {} };\nfs.writeFileSync("state.json", JSON.stringify(state));\n' },
    { name: "logs and plain text are not serialized state", code: 'import fs from "fs";\nfs.appendFileSync("app.log", line + "\\n");\nfs.writeFileSync("out.txt", "hello");\n' },
    { name: "crashsafe-ignore with a reason", code: 'import fs from "fs";\n// crashsafe-ignore direct-state-write: rebuilt from upstream on every start\nfs.writeFileSync("state.json", JSON.stringify(state));\n' },
    { name: "a script under scripts/ is a setup write, not reported", filename: "scripts/seed.js", code: 'import fs from "fs";\nfs.writeFileSync("state.json", JSON.stringify(state));\n' },
  ],
  invalid: [
    {
      name: "default import of node:fs, autofixed to writeFileAtomicSync with the import added",
      code: 'import fs from "node:fs";\nfs.writeFileSync("state.json", JSON.stringify(state));\n',
      output: 'import fs from "node:fs";\nimport { writeFileAtomicSync } from "crashsafe";\nwriteFileAtomicSync("state.json", JSON.stringify(state));\n',
      errors: [at(2, 1, 2, 54)],
    },
    {
      name: "aliased named import",
      code: 'import { writeFileSync as save } from "fs";\nsave("state.json", JSON.stringify(state));\n',
      output: 'import { writeFileSync as save } from "fs";\nimport { writeFileAtomicSync } from "crashsafe";\nwriteFileAtomicSync("state.json", JSON.stringify(state));\n',
      errors: [at(2, 1)],
    },
    {
      name: "fs/promises keeps the promise form",
      code: 'import { writeFile } from "fs/promises";\nexport async function f(state) {\n  await writeFile("state.json", JSON.stringify(state));\n}\n',
      output: 'import { writeFile } from "fs/promises";\nimport { writeFileAtomic } from "crashsafe";\nexport async function f(state) {\n  await writeFileAtomic("state.json", JSON.stringify(state));\n}\n',
      errors: [at(3, 9)],
    },
    {
      name: "namespace import of node:fs/promises",
      code: 'import * as fsp from "node:fs/promises";\nawait fsp.writeFile("state.json", JSON.stringify(state, null, 2));\n',
      output: 'import * as fsp from "node:fs/promises";\nimport { writeFileAtomic } from "crashsafe";\nawait writeFileAtomic("state.json", JSON.stringify(state, null, 2));\n',
      errors: [at(2, 7)],
    },
    {
      name: "fs-extra writeJson becomes crashsafe's writeJson",
      code: 'import fse from "fs-extra";\nawait fse.writeJson("state.json", state);\n',
      output: 'import fse from "fs-extra";\nimport { writeJson } from "crashsafe";\nawait writeJson("state.json", state);\n',
      errors: [at(2, 7)],
    },
    {
      name: "YAML state",
      code: 'import fs from "fs";\nimport YAML from "yaml";\nfs.writeFileSync("config.yaml", YAML.stringify(cfg));\n',
      output: 'import fs from "fs";\nimport YAML from "yaml";\nimport { writeFileAtomicSync } from "crashsafe";\nwriteFileAtomicSync("config.yaml", YAML.stringify(cfg));\n',
      errors: [at(3, 1)],
    },
    {
      name: "callback form: no autofix (the rewrite would change when and how completion is reported), a suggestion to review",
      code: 'import fs from "fs";\nfs.writeFile("state.json", JSON.stringify(state), (err) => { if (err) throw err; });\n',
      output: null,
      errors: [suggesting(at(2, 1), CALLBACK_REVIEW, 'import fs from "fs";\nimport { writeFileAtomic } from "crashsafe";\nwriteFileAtomic("state.json", JSON.stringify(state)).then(() => null, (err) => err).then((err) => { if (err) throw err; });\n')],
    },
    {
      name: "callback by name, with a utf8 encoding: the suggestion calls it from the promise",
      code: 'import { writeFile } from "node:fs";\nexport function save(state, cb) {\n  writeFile("state.json", JSON.stringify(state), "utf8", cb);\n}\n',
      output: null,
      errors: [suggesting(at(3, 3), CALLBACK_REVIEW, 'import { writeFile } from "node:fs";\nimport { writeFileAtomic } from "crashsafe";\nexport function save(state, cb) {\n  writeFileAtomic("state.json", JSON.stringify(state), { encoding: "utf8" }).then(() => cb(null), cb);\n}\n')],
    },
    {
      name: "a callback with an option crashsafe does not take: neither fix nor suggestion",
      code: 'import fs from "fs";\nfs.writeFile("state.json", JSON.stringify(state), { signal }, cb);\n',
      output: null,
      errors: [{ ...at(2, 1), suggestions: [] }],
    },
    {
      name: "crashsafe-ignore for another rule does not hide this one",
      code: 'import fs from "fs";\n// crashsafe-ignore silent-state-reset: not this rule\nfs.writeFileSync("state.json", JSON.stringify(state));\n',
      output: 'import fs from "fs";\nimport { writeFileAtomicSync } from "crashsafe";\n// crashsafe-ignore silent-state-reset: not this rule\nwriteFileAtomicSync("state.json", JSON.stringify(state));\n',
      errors: [at(3, 1)],
    },
  ],
});

cjsTester.run("direct-state-write (CommonJS)", rule, {
  valid: [
    { name: "require of atomically", code: 'const { writeFileSync } = require("atomically");\nwriteFileSync("state.json", JSON.stringify(state));\n' },
    { name: "require of write-file-atomic", code: 'const writeFileAtomic = require("write-file-atomic");\nwriteFileAtomic.sync("state.json", JSON.stringify(state));\n' },
  ],
  invalid: [
    {
      name: "require(\"fs\"), fixed with a require of crashsafe",
      code: 'const fs = require("fs");\nfs.writeFileSync("state.json", JSON.stringify(state));\n',
      output: 'const fs = require("fs");\nconst { writeFileAtomicSync } = require("crashsafe");\nwriteFileAtomicSync("state.json", JSON.stringify(state));\n',
      errors: [at(2, 1)],
    },
    {
      name: "destructured require of node:fs",
      code: 'const { writeFileSync } = require("node:fs");\nwriteFileSync("state.json", JSON.stringify(state));\n',
      output: 'const { writeFileSync } = require("node:fs");\nconst { writeFileAtomicSync } = require("crashsafe");\nwriteFileAtomicSync("state.json", JSON.stringify(state));\n',
      errors: [at(2, 1)],
    },
    {
      name: "fs-extra outputJsonSync: no autofix (it also creates parent directories), a suggestion that says so",
      code: 'const fse = require("fs-extra");\nfse.outputJsonSync("state.json", state);\n',
      output: null,
      errors: [suggesting(at(2, 1), `Replace with crashsafe's writeJsonSync (review: ${NO_MKDIR})`, 'const fse = require("fs-extra");\nconst { writeJsonSync } = require("crashsafe");\nwriteJsonSync("state.json", state);\n')],
    },
    {
      name: "jsonfile writeFileSync: a suggestion to crashsafe's writeJsonSync, spaces carried over",
      code: 'const jsonfile = require("jsonfile");\njsonfile.writeFileSync("sessions.json", sessions, { spaces: 2 });\n',
      output: null,
      errors: [suggesting(at(2, 1), "Replace with crashsafe's writeJsonSync (review: the JSON text is the same, the write now goes through crashsafe instead of jsonfile)", 'const jsonfile = require("jsonfile");\nconst { writeJsonSync } = require("crashsafe");\nwriteJsonSync("sessions.json", sessions, { space: 2 });\n')],
    },
  ],
});

tsTester.run("direct-state-write (TypeScript)", rule, {
  valid: [
    { name: "typed crashsafe call", code: 'import { writeJson } from "crashsafe";\ninterface State { n: number }\nexport async function save(state: State): Promise<void> {\n  await writeJson<State>("state.json", state);\n}\n' },
  ],
  invalid: [
    {
      name: "satisfies inside the serializer; path from a typed parameter",
      code: 'import { writeFileSync } from "node:fs";\ninterface State { n: number }\nexport function save(path: string, state: State): void {\n  writeFileSync(path, JSON.stringify(state satisfies State));\n}\n',
      output: 'import { writeFileSync } from "node:fs";\nimport { writeFileAtomicSync } from "crashsafe";\ninterface State { n: number }\nexport function save(path: string, state: State): void {\n  writeFileAtomicSync(path, JSON.stringify(state satisfies State));\n}\n',
      errors: [at(4, 3)],
    },
    {
      name: "fs-extra outputJson with spaces: a suggestion to writeJson with space",
      code: 'import fse from "fs-extra";\nexport async function snap(s: object): Promise<void> {\n  await fse.outputJson("snap/latest.json", s, { spaces: 2 });\n}\n',
      output: null,
      errors: [suggesting(at(3, 9), `Replace with crashsafe's writeJson (review: ${NO_MKDIR})`, 'import fse from "fs-extra";\nimport { writeJson } from "crashsafe";\nexport async function snap(s: object): Promise<void> {\n  await writeJson("snap/latest.json", s, { space: 2 });\n}\n')],
    },
    {
      name: "Bun.write of serialized state: a suggestion noting the byte count and directory creation",
      code: 'export async function save(cursor: number): Promise<void> {\n  await Bun.write("cursor.json", JSON.stringify({ cursor }));\n}\n',
      output: null,
      errors: [suggesting(at(2, 9), "Replace with crashsafe's writeFileAtomic (review: Bun.write created missing parent directories and resolved to the byte count, writeFileAtomic does neither)", 'import { writeFileAtomic } from "crashsafe";\nexport async function save(cursor: number): Promise<void> {\n  await writeFileAtomic("cursor.json", JSON.stringify({ cursor }));\n}\n')],
    },
    {
      name: "a cast around the fs namespace and a non-null assertion",
      code: 'import * as fs from "node:fs";\nconst state = { n: 1 } as const;\n(fs as typeof import("node:fs")).writeFileSync("state.json", JSON.stringify(state)!);\n',
      output: 'import * as fs from "node:fs";\nimport { writeFileAtomicSync } from "crashsafe";\nconst state = { n: 1 } as const;\nwriteFileAtomicSync("state.json", JSON.stringify(state)!);\n',
      errors: [at(3, 1)],
    },
  ],
});
