/**
 * What an expression refers to, as a module and a path of properties inside it:
 * `fsp.writeFile` after `import * as fsp from "node:fs/promises"` is `fs` → ["promises", "writeFile"],
 * `JSON.stringify` (unshadowed) is `global` → ["JSON", "stringify"].
 */
import { propertyName, stringValue, unwrap, type Node } from "./ast.js";
import type { Binding, Scope } from "./scope.js";

export interface Ref {
  module: string;
  path: string[];
}

/** Module aliases: other names for the same API. `fs/promises` is `fs` → ["promises"]. */
const MODULE_ALIASES: Record<string, Ref> = {
  "fs/promises": { module: "fs", path: ["promises"] },
  "graceful-fs": { module: "fs", path: [] },
  "original-fs": { module: "fs", path: [] },
  "fs-extra/esm": { module: "fs-extra", path: [] },
  "mz/fs": { module: "fs", path: ["promises"] },
  "js-yaml": { module: "yaml", path: [] },
  "@iarna/toml": { module: "toml", path: [] },
  "smol-toml": { module: "toml", path: [] },
  "@ltd/j-toml": { module: "toml", path: [] },
  "write-file-atomic": { module: "atomic", path: ["write-file-atomic"] },
  atomically: { module: "atomic", path: ["atomically"] },
  steno: { module: "atomic", path: ["steno"] },
  crashsafe: { module: "atomic", path: ["crashsafe"] },
  "write-json-file": { module: "atomic", path: ["write-json-file"] },
  "fs-extra/lib/promises": { module: "fs-extra", path: [] },
};

const INTEROP = new Set(["__importDefault", "__importStar", "_interopRequireDefault", "_interopRequireWildcard", "__toESM", "__toCommonJS", "interopRequireDefault"]);
const PROMISIFY = new Set(["util:promisify", "util:default.promisify", "pify:default", "global:promisify"]);

/** Normalizes a module specifier: `node:fs/promises` → fs ["promises"]. */
export function moduleRef(specifier: string): Ref {
  const bare = specifier.startsWith("node:") ? specifier.slice(5) : specifier;
  const alias = MODULE_ALIASES[bare];
  return alias ? { module: alias.module, path: [...alias.path] } : { module: bare, path: [] };
}

/** Modules whose default export is the namespace itself (CommonJS interop). */
const DEFAULT_IS_NAMESPACE = new Set(["fs", "fs-extra", "fs-jetpack", "path", "os", "yaml", "toml", "ini", "jsonfile", "v8", "json5", "crypto", "util", "flatted"]);

function bindingRef(b: Binding, depth: number, resolveScope: Scope): Ref | undefined {
  if (b.kind === "import" && b.source !== undefined) {
    const base = moduleRef(b.source);
    if (b.imported === "*") return base;
    if (b.imported === "default") return DEFAULT_IS_NAMESPACE.has(base.module) || base.module === "atomic" ? base : { module: base.module, path: [...base.path, "default"] };
    return { module: base.module, path: [...base.path, b.imported!] };
  }
  if (b.kind === "var" && b.init) {
    const ref = resolveRef(b.init, resolveScope, depth + 1);
    if (ref && b.path && !b.path.includes("?")) return { module: ref.module, path: [...ref.path, ...b.path] };
  }
  return undefined;
}

/** Resolves an expression to a module reference, or undefined when it is not one. */
export function resolveRef(expr: Node | undefined, scope: Scope, depth = 0): Ref | undefined {
  if (!expr || depth > 6) return undefined;
  const node = unwrap(expr);
  switch (node.type) {
    case "Identifier": {
      const name = node.name as string;
      const b = scope.lookup(name);
      if (!b) return name === "fs" ? { module: "fs", path: [] } : { module: "global", path: [name] };
      return bindingRef(b, depth, scope);
    }
    case "MemberExpression": {
      const name = propertyName(node);
      const base = resolveRef(node.object as Node, scope, depth + 1);
      if (!base || name === undefined) return undefined;
      // `require("x").default` and `(await import("x")).default` are the namespace for CJS modules.
      if (name === "default" && base.path.length === 0 && DEFAULT_IS_NAMESPACE.has(base.module)) return base;
      return { module: base.module, path: [...base.path, name] };
    }
    case "CallExpression": {
      const callee = unwrap(node.callee as Node);
      const arg = stringValue((node.arguments as Node[])[0]);
      if (callee.type === "Identifier" && callee.name === "require" && arg !== undefined) return moduleRef(arg);
      // promisify(fs.writeFile) is still fs.writeFile, now returning a promise.
      const key = refKey(callee, scope);
      if (key && PROMISIFY.has(key)) return resolveRef((node.arguments as Node[])[0], scope, depth + 1);
      // Compiled TS/Babel/esbuild: __importDefault(require("fs")), _interopRequireWildcard(…), __toESM(…).
      if (callee.type === "Identifier" && INTEROP.has(callee.name as string)) return resolveRef((node.arguments as Node[])[0], scope, depth + 1);
      if (callee.type === "MemberExpression" && INTEROP.has(propertyName(callee) ?? "")) return resolveRef((node.arguments as Node[])[0], scope, depth + 1);
      return undefined;
    }
    case "ImportExpression": {
      const arg = stringValue(node.source as Node);
      return arg === undefined ? undefined : moduleRef(arg);
    }
  }
  return undefined;
}

/** `module` + dotted path, e.g. "fs:promises.writeFile", or undefined. */
export function refKey(expr: Node | undefined, scope: Scope): string | undefined {
  const ref = resolveRef(expr, scope);
  return ref ? `${ref.module}:${ref.path.join(".")}` : undefined;
}
