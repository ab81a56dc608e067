import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { CorruptFileError, readJson, readJsonSync, type ReadJsonOptions } from "../src/index.js";
import { scratchDir } from "./helpers/dirs.js";

type Reader = <T>(file: string | URL, options?: ReadJsonOptions<T>) => Promise<T>;
const variants: Array<{ name: string; read: Reader }> = [
  { name: "async", read: readJson },
  { name: "sync", read: async (f, o) => readJsonSync(f, o) },
];

/** Asserts a read of `text` fails as corrupt at line:column, and leaves the file untouched. */
async function expectCorrupt(read: Reader, text: string | Buffer, line: number, column: number): Promise<void> {
  const dir = scratchDir();
  const file = path.join(dir, "state.json");
  fs.writeFileSync(file, text);
  const before = fs.statSync(file);
  await assert.rejects(read(file, { default: { fresh: true } }), (e: CorruptFileError) => {
    assert.ok(e instanceof CorruptFileError, String(e));
    assert.equal(e.code, "ECORRUPT");
    assert.equal(e.path, file);
    assert.deepEqual([e.line, e.column], [line, column], e.message);
    assert.ok(e.message.includes(`${file}:${line}:${column}`), e.message);
    return true;
  });
  const after = fs.statSync(file);
  assert.deepEqual(fs.readFileSync(file), Buffer.from(text), "a failed read never modifies the file");
  assert.equal(after.mtimeMs, before.mtimeMs);
  assert.deepEqual(fs.readdirSync(dir), ["state.json"]);
}

for (const v of variants) {
  describe(`readJson (${v.name})`, () => {
    it("parses a JSON file (and a file URL)", async () => {
      const file = path.join(scratchDir(), "a.json");
      fs.writeFileSync(file, '{"fired": ["x"]}\n');
      assert.deepEqual(await v.read(file), { fired: ["x"] });
      assert.deepEqual(await v.read(pathToFileURL(file)), { fired: ["x"] });
    });

    it("a missing file gives the default value or the factory's result, and is not created", async () => {
      const dir = scratchDir();
      const file = path.join(dir, "missing.json");
      assert.deepEqual(await v.read(file, { default: { n: 0 } }), { n: 0 });
      let calls = 0;
      assert.deepEqual(await v.read(file, { default: () => ({ n: ++calls }) }), { n: 1 });
      assert.equal(await v.read(file, { default: null }), null);
      assert.deepEqual(fs.readdirSync(dir), []);
    });

    it("a missing file without default rejects with ENOENT", async () => {
      const file = path.join(scratchDir(), "missing.json");
      await assert.rejects(v.read(file), { code: "ENOENT", path: file });
    });

    it("other read errors are not turned into the default (EISDIR)", async () => {
      const dir = scratchDir();
      await assert.rejects(v.read(dir, { default: 1 }), { code: "EISDIR" });
    });

    it("an empty file is corrupt at 1:1, never the default", () => expectCorrupt(v.read, "", 1, 1));
    it("a whitespace-only file is corrupt", () => expectCorrupt(v.read, "  \n", 1, 1));
    it("a truncated file is corrupt at its end", () => expectCorrupt(v.read, '{\n  "fired": ["a", "b', 2, 20));
    it("an unexpected token is located by line and column", () => expectCorrupt(v.read, '{"a": [1,2\n, x]}', 2, 3));
    it("trailing garbage after a value is corrupt", () => expectCorrupt(v.read, '{"a":1}\n}', 2, 1));
    it("NUL bytes (a torn write on some file systems) are corrupt", () => expectCorrupt(v.read, Buffer.alloc(8), 1, 1));

    it("ignores a UTF-8 byte order mark", async () => {
      const file = path.join(scratchDir(), "bom.json");
      fs.writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"ok":1}')]));
      assert.deepEqual(await v.read(file), { ok: 1 });
    });
  });
}
