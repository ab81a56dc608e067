import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { analyzePythonFiles, PY_ATOMIC_WRITE } from "../src/python/index.js";
import type { Finding } from "../src/types.js";

async function run(source: string, file = "app.py"): Promise<Finding[]> {
  return analyzePythonFiles([{ file, source }]);
}
const rules = (fs: Finding[]) => fs.map((f) => `${f.line}:${f.rule}`);

describe("python rules", () => {
  it("catches the background story's direct write and its 'atomic' helper", async () => {
    const src = [
      "import json, os",
      "def save(path, state):",
      "    path.write_text(json.dumps(state))",
      "def write_state_atomic(path, data):",
      "    tmp = path.with_suffix('.tmp')",
      "    tmp.write_text(json.dumps(data, indent=2))",
      "    os.replace(tmp, path)",
      "save(STATE, {})",
    ].join("\n");
    assert.deepEqual(rules(await run(src)), ["5:shared-temp-name", "7:non-durable-replace", "8:direct-state-write"]);
  });

  it("resolves import aliases: `from os import replace`, `import json as j`, `from pathlib import Path as P`", async () => {
    const src = [
      "import json as j",
      "from os import replace",
      "from pathlib import Path as P",
      "def save(state):",
      "    tmp = P('s.json.tmp')",
      "    tmp.write_text(j.dumps(state))",
      "    replace(tmp, 's.json')",
      "    P('other.json').write_text(j.dumps(state))",
    ].join("\n");
    assert.deepEqual(rules(await run(src)), ["5:shared-temp-name", "7:non-durable-replace", "8:direct-state-write"]);
  });

  it("does not mistake other libraries' dumps or an unrelated write_text for state", async () => {
    const src = [
      "import mylib",
      "from pathlib import Path",
      "def save(state):",
      "    Path('notes.md').write_text(mylib.dumps(state))",
      "    Path('out.txt').write_text('hello')",
    ].join("\n");
    assert.deepEqual(await run(src), []);
  });

  it("follows helpers across files and names them in `via`", async () => {
    const found = await analyzePythonFiles([
      { file: "proj/utils.py", source: "import json\ndef save_json(path, data):\n    path.write_text(json.dumps(data))\n" },
      { file: "proj/main.py", source: "from utils import save_json\nsave_json(STATE, {'a': 1})\n" },
    ]);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.file, "proj/main.py");
    assert.equal(found[0]!.line, 2);
    assert.equal(found[0]!.via, "save_json (proj/utils.py:2)");
  });

  it("names files, readers and helpers relative to options.cwd", async () => {
    const found = await analyzePythonFiles([
      { file: "/srv/proj/lib/utils.py", source: "import json\ndef save_json(path, data):\n    path.write_text(json.dumps(data))\n" },
      { file: "/srv/proj/main.py", source: "import json\nfrom lib.utils import save_json\nsave_json(S, {})\njson.load(open(S))\n" },
    ], { cwd: "/srv/proj" });
    assert.equal(found.length, 1);
    assert.equal(found[0]!.file, "main.py");
    assert.equal(found[0]!.via, "save_json (lib/utils.py:2)");
    assert.deepEqual(found[0]!.readers, ["main.py:4"]);
  });

  it("reports an unused helper's write inside the helper", async () => {
    const found = await run("import json\ndef save_json(path, data):\n    path.write_text(json.dumps(data))\n");
    assert.deepEqual(rules(found), ["3:direct-state-write"]);
  });

  it("links a writer to the readers of the same file, and a resetting reader to its writer", async () => {
    const src = [
      "import json",
      "from pathlib import Path",
      "TRACKER = Path('state') / 'signal_tracker.json'",
      "def load():",
      "    try:",
      "        return json.loads(TRACKER.read_text())",
      "    except json.JSONDecodeError:",
      "        return {}",
      "def save(s):",
      "    TRACKER.write_text(json.dumps(s))",
    ].join("\n");
    const found = await run(src);
    const write = found.find((f) => f.rule === "direct-state-write")!;
    const reset = found.find((f) => f.rule === "silent-state-reset")!;
    assert.deepEqual(write.readers, ["app.py:6"]);
    assert.match(write.consequence!, /signal_tracker\.json/);
    assert.match(write.consequence!, /silently lost/);
    assert.match(reset.consequence!, /written at app\.py:10/);
    assert.match(reset.suggestion!, /with open\(TRACKER\) as f:[\s\S]*except FileNotFoundError:/);
  });

  it("silent-state-reset: a handler that logs still resets; FileNotFoundError alone, re-raise, exit and backup do not", async () => {
    const body = (handler: string) => `import json, sys, logging\ndef load(p):\n    try:\n        return json.load(open(p))\n${handler}\n`;
    assert.deepEqual(rules(await run(body("    except Exception as e:\n        logging.error(e)\n        return {}"))), ["5:silent-state-reset"]);
    assert.deepEqual(await run(body("    except FileNotFoundError:\n        return {}")), []);
    assert.deepEqual(await run(body("    except ValueError:\n        raise")), []);
    assert.deepEqual(await run(body("    except ValueError:\n        sys.exit(1)")), []);
    assert.deepEqual(await run(body("    except ValueError:\n        return json.load(open(p + '.bak'))")), []);
  });

  it("shutil.move from a system temp is a direct write; a same-directory durable replace is clean", async () => {
    const src = [
      "import json, os, shutil, tempfile",
      "def a(path, s):",
      "    with tempfile.NamedTemporaryFile('w', delete=False) as tf:",
      "        json.dump(s, tf)",
      "    shutil.move(tf.name, path)",
      "def b(path, s):",
      "    with tempfile.NamedTemporaryFile('w', dir=os.path.dirname(path), delete=False) as tf:",
      "        json.dump(s, tf)",
      "        tf.flush()",
      "        os.fsync(tf.fileno())",
      "    os.replace(tf.name, path)",
    ].join("\n");
    assert.deepEqual(rules(await run(src)), ["5:direct-state-write"]);
  });

  it("the suggested atomic_write is itself clean, and a call to it is not reported", async () => {
    assert.deepEqual(await run(`${PY_ATOMIC_WRITE}\natomic_write('state.json', '{}')\n`), []);
  });

  it("suppression comments silence only the named rule, on the line or the line above", async () => {
    const src = [
      "import json",
      "# crashsafe-ignore direct-state-write: rebuilt on start",
      "P.write_text(json.dumps(s))",
      "# crashsafe-ignore shared-temp-name: wrong rule",
      "Q.write_text(json.dumps(s))",
    ].join("\n");
    assert.deepEqual(rules(await run(src)), ["5:direct-state-write"]);
  });

  it("setup-write: first-run creation, setup functions and scripts are notes", async () => {
    const src = [
      "import json",
      "def ensure():",
      "    if not CFG.exists():",
      "        CFG.write_text(json.dumps({}))",
      "def install_defaults():",
      "    CFG.write_text(json.dumps({}))",
    ].join("\n");
    const found = await run(src);
    assert.deepEqual(rules(found), ["4:setup-write", "6:setup-write"]);
    assert.ok(found.every((f) => f.severity === "note"));
    assert.deepEqual(rules(await run("import json\nCFG.write_text(json.dumps({}))\n", "setup.py")), ["2:setup-write"]);
  });

  it("reports a file that does not parse as parse-error with its location, and columns in characters", async () => {
    const broken = await run("def f(:\n    pass\n");
    assert.equal(broken.length, 1);
    assert.equal(broken[0]!.rule, "parse-error");
    assert.equal(broken[0]!.line, 1);
    assert.match(broken[0]!.message, /syntax/);
    const uni = await run("import json\ns = 'é'; P.write_text(json.dumps(s))\n");
    assert.equal(uni[0]!.column, 10);
  });

  it("survives a 30,000-term expression (no recursion on the tree) and still reports the file", async () => {
    const src = `x = ${Array.from({ length: 30_000 }, () => "a").join(" + ")}\nimport json\nP.write_text(json.dumps(x))\n`;
    assert.deepEqual(rules(await run(src)), ["3:direct-state-write"]);
  });

  it("gives the exact replacement for a Python direct write", async () => {
    const [f] = await run("import json\ndef save(s):\n    with open('q.json', 'w') as fh:\n        json.dump(s, fh, indent=2)\n");
    assert.match(f!.suggestion!, /atomic_write\('q\.json', json\.dumps\(s, indent=2\)\)/);
    assert.ok(f!.suggestion!.includes("os.fsync(f.fileno())"));
  });
});
