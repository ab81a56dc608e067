/**
 * positions.json: the paper-trading book. An open signal opens a position when none is open for
 * its symbol; a close signal closes it and books the result. Closed positions are kept as history.
 */
import fs from "node:fs";
import type { Side, Signal } from "./feed.js";

export const POSITIONS_FILE = "positions.json";

export interface Position {
  id: string;
  symbol: string;
  side: Side;
  entry: number;
  openedAt: string;
  exit?: number;
  closedAt?: string;
  pnlPct?: number;
}

export interface Book {
  open: Record<string, Position>;
  closed: Position[];
}

export function emptyBook(): Book {
  return { open: {}, closed: [] };
}

export async function loadPositions(file: string): Promise<Book> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyBook();
    throw error;
  }
  return JSON.parse(text) as Book;
}

export async function savePositions(file: string, book: Book): Promise<void> {
  await fs.promises.writeFile(file, JSON.stringify(book, null, 2));
}

/** Applies a signal to the book; returns what changed, or undefined when nothing did. */
export function applySignal(book: Book, signal: Extract<Signal, { kind: "open" | "close" }>): { opened?: Position; closed?: Position } | undefined {
  const current = book.open[signal.symbol];
  if (signal.kind === "open") {
    if (current) return undefined;
    const opened: Position = { id: signal.id, symbol: signal.symbol, side: signal.side, entry: signal.price, openedAt: signal.ts };
    book.open[signal.symbol] = opened;
    return { opened };
  }
  if (!current) return undefined;
  const direction = current.side === "long" ? 1 : -1;
  const pnlPct = Math.round(((signal.price - current.entry) / current.entry) * direction * 10_000) / 100;
  const closed: Position = { ...current, exit: signal.price, closedAt: signal.ts, pnlPct };
  delete book.open[signal.symbol];
  book.closed.push(closed);
  return { closed };
}
