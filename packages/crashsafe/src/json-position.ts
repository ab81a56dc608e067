/**
 * Where a JSON text goes wrong. `JSON.parse` reports a position only for some errors (not for
 * "Unexpected token 'x', … is not valid JSON"), so a small validating scanner finds the offset
 * of the first bad character; it runs only after a parse already failed.
 */

class Stop {
  constructor(readonly at: number) {}
}

const WS = new Set([" ", "\t", "\n", "\r"]);
const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4_RE = /^[0-9a-fA-F]{4}$/;

function skipWs(t: string, i: number): number {
  while (i < t.length && WS.has(t[i]!)) i++;
  return i;
}

function sticky(re: RegExp, t: string, i: number): number {
  re.lastIndex = i;
  if (!re.test(t)) throw new Stop(i);
  return re.lastIndex;
}

function string(t: string, i: number): number {
  for (let j = i + 1; j < t.length; ) {
    const c = t.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c < 0x20) throw new Stop(j);
    if (c !== 0x5c) {
      j++;
    } else if (t[j + 1] === "u") {
      if (!HEX4_RE.test(t.slice(j + 2, j + 6))) throw new Stop(j);
      j += 6;
    } else if (t[j + 1] !== undefined && '"\\/bfnrt'.includes(t[j + 1]!)) {
      j += 2;
    } else {
      throw new Stop(j + 1);
    }
  }
  throw new Stop(t.length);
}

function literal(t: string, i: number, word: string): number {
  for (let k = 0; k < word.length; k++) if (t[i + k] !== word[k]) throw new Stop(i + k);
  return i + word.length;
}

function sequence(t: string, i: number, close: string, item: (i: number) => number): number {
  i = skipWs(t, i + 1);
  if (t[i] === close) return i + 1;
  for (;;) {
    i = skipWs(t, item(i));
    if (t[i] === close) return i + 1;
    if (t[i] !== ",") throw new Stop(i);
    i = skipWs(t, i + 1);
  }
}

function value(t: string, i: number): number {
  i = skipWs(t, i);
  const c = t[i];
  if (c === "{") {
    return sequence(t, i, "}", (j) => {
      if (t[j] !== '"') throw new Stop(j);
      j = skipWs(t, string(t, j));
      if (t[j] !== ":") throw new Stop(j);
      return value(t, j + 1);
    });
  }
  if (c === "[") return sequence(t, i, "]", (j) => value(t, j));
  if (c === '"') return string(t, i);
  if (c === "t") return literal(t, i, "true");
  if (c === "f") return literal(t, i, "false");
  if (c === "n") return literal(t, i, "null");
  return sticky(NUMBER_RE, t, i);
}

/** 0-based offset of the first character that makes `text` invalid JSON (text.length: truncated). */
export function jsonErrorPosition(text: string): number {
  try {
    const end = skipWs(text, value(text, 0));
    return Math.min(end, text.length);
  } catch (e) {
    if (e instanceof Stop) return Math.min(e.at, text.length);
    return text.length; // stack overflow on absurd nesting: report the end
  }
}

/** 1-based line and column of a 0-based offset. */
export function lineAndColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: position - lineStart + 1 };
}
