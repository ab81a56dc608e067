import { rules } from "../src/index.js";
import { jsTester, tsTester, at } from "./setup.js";

const durable =
  'import fs from "fs";\nimport { randomUUID } from "crypto";\nexport function save(p, s) {\n  const tmp = `${p}.${process.pid}.${randomUUID()}.tmp`;\n  const fd = fs.openSync(tmp, "wx");\n  fs.writeSync(fd, JSON.stringify(s));\n  fs.fsyncSync(fd);\n  fs.closeSync(fd);\n  fs.renameSync(tmp, p);\n}\n';
const durablePromises =
  'import { open, rename } from "node:fs/promises";\nimport { randomUUID } from "node:crypto";\nexport async function save(p, s) {\n  const tmp = `${p}.${randomUUID()}.tmp`;\n  const fh = await open(tmp, "wx");\n  await fh.writeFile(JSON.stringify(s));\n  await fh.sync();\n  await fh.close();\n  await rename(tmp, p);\n}\n';
const sharedPlus =
  'import { rename, open } from "fs/promises";\nexport async function save(p, s) {\n  const fh = await open(p + ".tmp", "w");\n  await fh.writeFile(JSON.stringify(s));\n  await fh.sync();\n  await fh.close();\n  await rename(p + ".tmp", p);\n}\n';
const noFsync =
  'import fs from "fs";\nexport function save(p, s) {\n  const tmp = `${p}.${process.pid}.tmp`;\n  fs.writeFileSync(tmp, JSON.stringify(s));\n  fs.renameSync(tmp, p);\n}\n';

jsTester.run("non-durable-replace", rules["non-durable-replace"], {
  valid: [
    { name: "unique temp, fsync, rename (sync)", code: durable },
    { name: "unique temp, FileHandle.sync, rename (promises)", code: durablePromises },
    { name: "a fixed temp name is the other rule's business", code: sharedPlus },
  ],
  invalid: [
    { name: "temp written and renamed with no fsync", code: noFsync, errors: [at(5, 3)] },
    {
      name: "temp in os.tmpdir(): the rename is a cross-directory (maybe cross-device) move",
      code: 'import fs from "fs";\nimport os from "os";\nimport path from "path";\nexport function save(p, s) {\n  const tmp = path.join(os.tmpdir(), `state-${process.pid}.json`);\n  const fd = fs.openSync(tmp, "w");\n  fs.writeSync(fd, JSON.stringify(s));\n  fs.fsyncSync(fd);\n  fs.closeSync(fd);\n  fs.renameSync(tmp, p);\n}\n',
      errors: [at(10, 3)],
    },
  ],
});

jsTester.run("shared-temp-name", rules["shared-temp-name"], {
  valid: [
    { name: "pid + random temp name", code: durable },
    { name: "randomUUID temp name with promises", code: durablePromises },
    { name: "a unique temp without fsync is the other rule's business", code: noFsync },
    {
      name: "crashsafe-ignore on the rename",
      code: 'import fs from "fs";\nexport function save(p, s) {\n  const fd = fs.openSync(p + ".tmp", "w");\n  fs.writeSync(fd, JSON.stringify(s));\n  fs.fsyncSync(fd);\n  fs.closeSync(fd);\n  // crashsafe-ignore shared-temp-name: single writer, guarded by a lock\n  fs.renameSync(p + ".tmp", p);\n}\n',
    },
  ],
  invalid: [{ name: "p + \".tmp\"", code: sharedPlus, errors: [at(7, 9)] }],
});

tsTester.run("shared-temp-name (TypeScript)", rules["shared-temp-name"], {
  valid: [],
  invalid: [
    {
      name: "typed template-literal temp",
      code: 'import * as fs from "node:fs";\nexport function save(p: string, s: object): void {\n  const tmp: string = `${p}.tmp`;\n  const fd = fs.openSync(tmp, "w");\n  fs.writeSync(fd, JSON.stringify(s));\n  fs.fsyncSync(fd);\n  fs.closeSync(fd);\n  fs.renameSync(tmp, p);\n}\n',
      errors: [at(8, 3)],
    },
  ],
});
