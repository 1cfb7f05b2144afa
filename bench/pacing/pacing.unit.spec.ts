import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replaceSection, writeSection } from '../report-sections';
import { mulberry32 } from './prng';
import { generateLeads, MARKETS, prepareMarket } from './scenario';
import { simulateMarket } from './simulate';

describe('report sections', () => {
  it('replaces only its own block and keeps everything around it', () => {
    const doc = '# Benchmarks\n\nintro\n\n<!-- section:http:start -->\nold http\n<!-- section:http:end -->\n\n<!-- section:pacing:start -->\nold\n<!-- section:pacing:end -->\ntail\n';
    const next = replaceSection(doc, 'pacing', 'new pacing');
    expect(next).toBe('# Benchmarks\n\nintro\n\n<!-- section:http:start -->\nold http\n<!-- section:http:end -->\n\n<!-- section:pacing:start -->\nnew pacing\n<!-- section:pacing:end -->\ntail\n');
    expect(replaceSection(next, 'pacing', 'new pacing')).toBe(next);
  });

  it('appends a missing section and creates a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sections-'));
    try {
      const file = join(dir, 'docs', 'benchmarks.md');
      writeSection(file, 'pacing', 'one');
      expect(readFileSync(file, 'utf8')).toBe('# Benchmarks\n\n<!-- section:pacing:start -->\none\n<!-- section:pacing:end -->\n');
      writeFileSync(file, `${readFileSync(file, 'utf8')}\nhand-written\n`);
      writeSection(file, 'http', 'two');
      writeSection(file, 'pacing', 'three');
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('<!-- section:pacing:start -->\nthree\n<!-- section:pacing:end -->\n\nhand-written');
      expect(text).toContain('<!-- section:http:start -->\ntwo\n<!-- section:http:end -->');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses broken markers instead of guessing', () => {
    expect(() => replaceSection('<!-- section:pacing:start -->\nno end', 'pacing', 'x')).toThrow(/end marker/);
    expect(() => replaceSection('x', 'bad name', 'y')).toThrow(/invalid section name/);
  });
});

describe('pacing simulation', () => {
  it('is reproducible: same seed, same numbers', () => {
    expect([1, 2, 3].map(mulberry32(7))).toEqual([1, 2, 3].map(mulberry32(7)));
    const market = prepareMarket(MARKETS[0]);
    const a = simulateMarket(market, generateLeads(market, 1.3, 1, 'plenty'), 'v1', 1, 'plenty');
    const b = simulateMarket(market, generateLeads(market, 1.3, 1, 'plenty'), 'v1', 1, 'plenty');
    expect(a).toEqual(b);
  });

  it('routes every rule on the same arrivals, and round-robin fills everyone when supply is plenty', () => {
    const market = prepareMarket(MARKETS[2]);
    const leads = generateLeads(market, 1.3, 3, 'plenty');
    const v1 = simulateMarket(market, leads, 'v1', 3, 'plenty');
    const rr = simulateMarket(market, leads, 'round-robin', 3, 'plenty');
    expect(v1.leads).toBe(rr.leads);
    expect(rr.officers.every((o) => o.fulfilment === 1)).toBe(true);
    expect(rr.discardedByPace).toBe(0);
    expect(v1.routed + v1.discardedByPace + v1.discardedUnroutable).toBe(v1.leads);
    // v1 never lets an officer run more than its tolerance ahead of the calendar.
    for (const o of v1.officers) expect(o.maxDailyAhead).toBeLessThanOrEqual(Math.max(1, 0.05 * o.leads) + 1e-9);
  });
});
