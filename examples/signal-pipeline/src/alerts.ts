/**
 * Alerts: the dedup cache of alerts already fired (fired_alerts.json) and delivery to the
 * operator (a line in alerts.log plus one on stdout). The webhook behind delivery is flaky:
 * it fails deterministically for about one alert in six, so runs stay reproducible.
 */
import fs from "node:fs";
import path from "node:path";
import type { Signal } from "./feed.js";

export const FIRED_ALERTS_FILE = "fired_alerts.json";
export const ALERTS_LOG = "alerts.log";

export interface FiredAlert {
  seq: number;
  symbol: string;
  kind: "open" | "close";
  strength: number;
  firedAt: string;
  text: string;
  indicators: Extract<Signal, { kind: "open" | "close" }>["indicators"];
  /** Why the alert was not sent (below the threshold, muted): a replay must not send it later. */
  suppressed?: string;
}

export type FiredAlerts = Record<string, FiredAlert>;

export function loadFiredAlerts(file: string): FiredAlerts {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as FiredAlerts;
  } catch {
    return {}; // first start: nothing fired yet
  }
}

export async function saveFiredAlerts(file: string, fired: FiredAlerts): Promise<void> {
  await fs.promises.writeFile(file, JSON.stringify(fired, null, 2));
}

export function alertText(signal: Extract<Signal, { kind: "open" | "close" }>): string {
  const what = signal.kind === "open" ? `OPEN ${signal.side.toUpperCase()}` : "CLOSE";
  const why = signal.indicators.confluence.join(", ") || "no confluence";
  return `${what} ${signal.symbol} @ ${signal.price} (strength ${signal.strength}, ${signal.indicators.timeframe}; ${why})`;
}

function webhookAccepts(alertId: string, attempt: number): boolean {
  let h = attempt * 31;
  for (const c of alertId) h = (h * 33 + c.charCodeAt(0)) >>> 0;
  return h % 6 !== 0;
}

/** Sends one alert; false when the webhook refused it (the caller queues a retry). */
export function deliver(dir: string, alertId: string, text: string, attempt: number, emit: (line: string) => void): boolean {
  if (!webhookAccepts(alertId, attempt)) return false;
  fs.appendFileSync(path.join(dir, ALERTS_LOG), `${alertId} ${text}\n`);
  emit(`alert ${alertId}`);
  return true;
}
