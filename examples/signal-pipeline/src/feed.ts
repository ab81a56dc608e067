/**
 * The upstream signal feed, simulated: a deterministic, seeded stream so that every run (and every
 * crash trial) sees the same signals. Like most real feeds it is at-least-once: on connect it
 * re-sends its recent history (it cannot know what the consumer already handled) and now and then
 * it repeats a signal live. The consumer must de-duplicate.
 */
import { createHash } from "node:crypto";

export type Side = "long" | "short";

export type Signal =
  | { kind: "open"; id: string; seq: number; ts: string; symbol: string; side: Side; price: number; strength: number; indicators: Indicators }
  | { kind: "close"; id: string; seq: number; ts: string; symbol: string; price: number; strength: number; indicators: Indicators }
  | { kind: "config"; id: string; seq: number; ts: string; key: "minStrength"; value: number }
  | { kind: "config"; id: string; seq: number; ts: string; key: "mute" | "unmute"; symbol: string };

export interface Indicators {
  rsi: number;
  macd: number;
  volume: number;
  timeframe: string;
  confluence: string[];
}

export interface FeedOptions {
  /** Seed of the stream; the same seed always gives the same signals. */
  seed: number;
  /** Number of distinct signals the feed will ever publish. */
  total: number;
  /** How many already-published signals are re-sent on connect (default 100). */
  replay?: number;
  /** Probability that a signal is delivered twice in a row (default 0.08). */
  repeat?: number;
}

const SYMBOLS = ["BTC", "ETH", "SOL", "AVAX", "LINK", "DOGE", "ARB", "OP"] as const;
const TIMEFRAMES = ["15m", "1h", "4h", "1d"] as const;
const CONFLUENCE = ["ema-cross", "vwap-reclaim", "rsi-divergence", "volume-spike", "range-break", "funding-flip"] as const;
const EPOCH = Date.UTC(2026, 0, 5, 13, 30);

/** Reproducible pseudo-random numbers in [0, 1): the hash of the seed and a counter. */
function random(seed: number): () => number {
  let counter = 0;
  return () => createHash("sha256").update(`${seed}:${counter++}`).digest().readUInt32BE(0) / 2 ** 32;
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function indicators(rand: () => number): Indicators {
  const confluence = CONFLUENCE.filter(() => rand() < 0.4);
  return {
    rsi: Math.round(rand() * 1000) / 10,
    macd: Math.round((rand() - 0.5) * 4000) / 1000,
    volume: Math.round(rand() * 5_000_000),
    timeframe: pick(rand, TIMEFRAMES),
    confluence,
  };
}

/** The signal published at position `seq` (1-based): a pure function of seed and seq. */
export function signalAt(seed: number, seq: number): Signal {
  const rand = random(seed * 1_000_003 + seq);
  const id = `sig-${String(seq).padStart(5, "0")}`;
  const ts = new Date(EPOCH + seq * 7_000).toISOString();
  const roll = rand();
  if (roll < 0.04) return { kind: "config", id, seq, ts, key: "minStrength", value: 15 + Math.floor(rand() * 25) };
  if (roll < 0.06) return { kind: "config", id, seq, ts, key: rand() < 0.5 ? "mute" : "unmute", symbol: pick(rand, SYMBOLS) };
  const symbol = pick(rand, SYMBOLS);
  const price = Math.round((100 + rand() * 900) * 100) / 100;
  const strength = Math.floor(rand() * 100);
  if (roll < 0.6) return { kind: "open", id, seq, ts, symbol, side: rand() < 0.5 ? "long" : "short", price, strength, indicators: indicators(rand) };
  return { kind: "close", id, seq, ts, symbol, price, strength, indicators: indicators(rand) };
}

/**
 * Connects to the feed after `cursor` (the last sequence number the consumer committed) and
 * yields signals: first the replayed history, then new ones up to `total`, with occasional repeats.
 */
export function* subscribe(options: FeedOptions, cursor: number): Generator<Signal> {
  const replay = options.replay ?? 100;
  const repeat = options.repeat ?? 0.08;
  const rand = random(options.seed ^ 0x5eed);
  for (let seq = Math.max(1, cursor + 1 - replay); seq <= options.total; seq++) {
    const signal = signalAt(options.seed, seq);
    yield signal;
    if (rand() < repeat) yield signal;
  }
}
