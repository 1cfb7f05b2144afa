import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run test:reliability` (run-full.ts) sets RELIABILITY_RESULTS_DIR; each spec then writes the
 * numbers it measured there, and run-full turns them into docs/reliability.md. Under plain
 * `npm test` this does nothing.
 */
export function writeResults(name: string, results: unknown): void {
  const dir = process.env.RELIABILITY_RESULTS_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
}

export function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer; got "${raw}"`);
  return value;
}
