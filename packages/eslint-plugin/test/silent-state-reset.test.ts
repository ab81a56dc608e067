import { rules } from "../src/index.js";
import { cjsTester, jsTester, tsTester, at, suggesting } from "./setup.js";

const rule = rules["silent-state-reset"];

const desc = "Rethrow errors other than ENOENT (a missing file keeps the default)";
const rethrow = (e: string): string => `if (!(${e} instanceof Error && "code" in ${e} && ${e}.code === "ENOENT")) throw ${e};`;

jsTester.run("silent-state-reset (ES modules)", rule, {
  valid: [
    {
      name: "default only on ENOENT, rethrow the rest",
      code: 'import fs from "fs";\nexport function load() {\n  try {\n    return JSON.parse(fs.readFileSync("state.json", "utf8"));\n  } catch (err) {\n    if (err.code === "ENOENT") return {};\n    throw err;\n  }\n}\n',
    },
    {
      name: "a catch that rethrows",
      code: 'import fs from "fs";\nexport function load() {\n  try {\n    return JSON.parse(fs.readFileSync("state.json", "utf8"));\n  } catch (err) {\n    throw new Error("corrupt state", { cause: err });\n  }\n}\n',
    },
    {
      name: "a catch that stops the process",
      code: 'import fs from "fs";\nlet state;\ntry {\n  state = JSON.parse(fs.readFileSync("state.json", "utf8"));\n} catch (err) {\n  console.error(err);\n  process.exit(1);\n}\n',
    },
    { name: "crashsafe readJson with a default (ENOENT only)", code: 'import { readJson } from "crashsafe";\nconst state = await readJson("state.json", { default: {} });\n' },
    {
      name: "crashsafe-ignore",
      code: 'import fs from "fs";\nlet cache;\ntry {\n  cache = JSON.parse(fs.readFileSync("cache.json", "utf8"));\n  // crashsafe-ignore silent-state-reset: a cache, rebuilt on a miss\n} catch {\n  cache = {};\n}\n',
    },
  ],
  invalid: [
    {
      name: "assignment of an empty object in the catch",
      code: 'import fs from "fs";\nlet state;\ntry {\n  state = JSON.parse(fs.readFileSync("state.json", "utf8"));\n} catch {\n  state = {};\n}\n',
      errors: [suggesting(at(5, 3), desc, `import fs from "fs";\nlet state;\ntry {\n  state = JSON.parse(fs.readFileSync("state.json", "utf8"));\n} catch (err) {\n  ${rethrow("err")}\n  state = {};\n}\n`)],
    },
    {
      name: "fs/promises reader returning an empty array",
      code: 'import { readFile } from "fs/promises";\nexport async function load(p) {\n  try {\n    return JSON.parse(await readFile(p, "utf8"));\n  } catch (err) {\n    return [];\n  }\n}\n',
      errors: [suggesting(at(5, 5), desc, `import { readFile } from "fs/promises";\nexport async function load(p) {\n  try {\n    return JSON.parse(await readFile(p, "utf8"));\n  } catch (err) {\n    ${rethrow("err")}\n    return [];\n  }\n}\n`)],
    },
    {
      name: "promise chain .catch(() => ({}))",
      code: 'import { readFile } from "node:fs/promises";\nconst state = await readFile("state.json", "utf8").then(JSON.parse).catch(() => ({}));\n',
      errors: [suggesting(at(2, 69), desc, `import { readFile } from "node:fs/promises";\nconst state = await readFile("state.json", "utf8").then(JSON.parse).catch((err) => { ${rethrow("err")} return {}; });\n`)],
    },
    {
      name: "promise chain .catch(function () { … }) with err already taken in scope",
      code: 'import fse from "fs-extra";\nconst err = null;\nconst state = await fse.readJson("state.json").catch(function () { return []; });\n',
      errors: [suggesting(at(3, 48), desc, `import fse from "fs-extra";\nconst err = null;\nconst state = await fse.readJson("state.json").catch(function (error) { ${rethrow("error")} return []; });\n`)],
    },
  ],
});

cjsTester.run("silent-state-reset (CommonJS)", rule, {
  valid: [],
  invalid: [
    {
      name: "fs-extra readJsonSync, logged and defaulted",
      code: 'const fse = require("fs-extra");\nfunction load() {\n  try {\n    return fse.readJsonSync("seen.json");\n  } catch (e) {\n    console.warn("starting fresh", e);\n    return { seen: [] };\n  }\n}\n',
      errors: [suggesting(at(5, 5), desc, `const fse = require("fs-extra");\nfunction load() {\n  try {\n    return fse.readJsonSync("seen.json");\n  } catch (e) {\n    ${rethrow("e")}\n    console.warn("starting fresh", e);\n    return { seen: [] };\n  }\n}\n`)],
    },
    {
      name: "readJsonSync with throws: false has no place for a rethrow: no suggestion",
      code: 'const fse = require("fs-extra");\nconst seen = fse.readJsonSync("seen.json", { throws: false });\n',
      errors: [{ ...at(2, 14), suggestions: [] }],
    },
  ],
});

tsTester.run("silent-state-reset (TypeScript)", rule, {
  valid: [
    {
      name: "typed ENOENT check",
      code: 'import { readFileSync } from "node:fs";\nexport function load(): string[] {\n  try {\n    return JSON.parse(readFileSync("alerts.json", "utf8")) as string[];\n  } catch (error: unknown) {\n    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];\n    throw error;\n  }\n}\n',
    },
  ],
  invalid: [
    {
      name: "typed catch clause, cast result",
      code: 'import { readFileSync } from "node:fs";\ntype S = { fired: string[] };\nexport function load(): S {\n  try {\n    return JSON.parse(readFileSync("alerts.json", "utf8")) as S;\n  } catch (error: unknown) {\n    return { fired: [] };\n  }\n}\n',
      errors: [suggesting(at(6, 5), desc, `import { readFileSync } from "node:fs";\ntype S = { fired: string[] };\nexport function load(): S {\n  try {\n    return JSON.parse(readFileSync("alerts.json", "utf8")) as S;\n  } catch (error: unknown) {\n    ${rethrow("error")}\n    return { fired: [] };\n  }\n}\n`)],
    },
    {
      name: "typed promise handler keeps its return type",
      code: 'import { readFile } from "node:fs/promises";\ntype S = { n: number };\nexport const load = (): Promise<S> => readFile("s.json", "utf8").then((t) => JSON.parse(t) as S).catch((): S => ({ n: 0 }));\n',
      errors: [suggesting(at(3, 98), desc, `import { readFile } from "node:fs/promises";\ntype S = { n: number };\nexport const load = (): Promise<S> => readFile("s.json", "utf8").then((t) => JSON.parse(t) as S).catch((err): S => { ${rethrow("err")} return { n: 0 }; });\n`)],
    },
  ],
});
