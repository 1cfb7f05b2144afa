/** Small statistics helpers for the routing-scale benchmark. */

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN for none. */
export function percentile(samples: number[], p: number): number {
  const values = samples.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (values.length === 0) return NaN;
  const rank = Math.min(values.length, Math.max(1, Math.ceil((p / 100) * values.length)));
  return values[rank - 1];
}

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarise(samples: number[]): Summary {
  const values = samples.filter((v) => Number.isFinite(v));
  return {
    n: values.length,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : NaN,
    mean: values.length ? values.reduce((sum, v) => sum + v, 0) / values.length : NaN,
  };
}

export function formatSize(events: number): string {
  if (events >= 1_000_000 && events % 1_000_000 === 0) return `${events / 1_000_000}M`;
  if (events >= 1_000 && events % 1_000 === 0) return `${events / 1_000}k`;
  return events.toLocaleString('en-US');
}

/** "10k", "1M", "250000", "1.5m" → events. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim());
  if (!match) throw new Error(`not a ledger size: "${text}" (use e.g. 10k, 1M or 250000)`);
  const factor = match[2] === '' ? 1 : match[2].toLowerCase() === 'k' ? 1_000 : 1_000_000;
  return Math.round(Number(match[1]) * factor);
}
