/** Offsets ↔ 1-based line/column (UTF-16 code units, as oxc, typescript-eslint and our tree-sitter copy report offsets). */
export function lineStarts(source: string): number[] {
  const starts = [0];
  for (let i = source.indexOf("\n"); i !== -1; i = source.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/** 0-based index of the line holding `offset` (binary search over {@link lineStarts}). */
export function lineIndex(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function position(starts: number[], offset: number): { line: number; column: number } {
  const index = lineIndex(starts, offset);
  return { line: index + 1, column: offset - starts[index]! + 1 };
}
