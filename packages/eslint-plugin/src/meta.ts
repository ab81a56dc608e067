import { createRequire } from "node:module";

const pkg = createRequire(import.meta.url)("../../package.json") as { name: string; version: string };

/** The plugin's npm name and version, as ESLint's config inspector and cache keys want them. */
export const PLUGIN_META = { name: pkg.name, version: pkg.version } as const;
