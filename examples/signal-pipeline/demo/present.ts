/** How the demo prints: headings, indented lines, one verdict per step, a table. Colour on a TTY only. */

export interface Printer {
  heading(step: number, title: string): void;
  line(text: string): void;
  verdict(good: boolean, text: string): void;
  table(rows: string[][]): void;
  /** Wraps `text` in a colour when colour is on. */
  paint(colour: "red" | "green" | "yellow" | "dim" | "bold", text: string): string;
}

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

export function printer(write: (line: string) => void, colour: boolean): Printer {
  const paint: Printer["paint"] = (c, text) => (colour ? `\x1b[${CODES[c]}m${text}\x1b[0m` : text);
  return {
    paint,
    heading: (step, title) => write(`\n${paint("bold", `${step}. ${title}`)}`),
    line: (text) => write(`   ${text}`),
    verdict: (good, text) => write(`   ${good ? paint("green", "✓") : paint("red", "✗")} ${paint("bold", text)}`),
    table: (rows) => {
      const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
      rows.forEach((row, n) => {
        const cells = row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)));
        write(`   ${n === 0 ? paint("bold", cells.join("   ")) : cells.join("   ")}`);
      });
    },
  };
}

/** Colour when stdout is a terminal and NO_COLOR is not set (https://no-color.org). */
export function wantsColour(): boolean {
  return process.stdout.isTTY === true && !process.env["NO_COLOR"];
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
