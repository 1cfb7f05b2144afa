import Database from 'better-sqlite3';
import { execFile, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { buildRealLedger, copyLedger, RealLedger } from '../../libs/audit/src/verify/testing/real-ledger.fixture';
import { aLeadBody, startApp } from '../support/app-harness';
import { startEsdbStandIn } from '../support/esdb-grpc-standin';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin', 'lead-ledger.js');

/**
 * `npx lead-ledger verify` as a user runs it: a separate process on a real embedded ledger written
 * by the application, from the TypeScript source (no build needed).
 */
describe('lead-ledger verify (CLI)', () => {
  let real: RealLedger;
  const dirs: string[] = [];

  beforeAll(async () => {
    real = await buildRealLedger();
  }, 60_000);
  afterAll(() => {
    for (const dir of [real?.dir, ...dirs]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 on a clean ledger and prints the verdicts, the override and the officer × month table', () => {
    const run = cli(['verify', '--data-dir', real.dir]);

    expect(run.status).toBe(0);
    expect(run.stdout).toContain('RESULT: OK, no violations.');
    expect(run.stdout).toMatch(/Chain integrity \.+ ok/);
    expect(run.stdout).toMatch(/Pace rule \(v1 re-derived\) \.+ ok +\(14 automaticDecisions, 1 refusals, 1 overrides\)/);
    expect(run.stdout).toContain(`lead ${real.leads.overridden} → lo-cy (counts against lo-cy/2026-11@dfw) by key:admin`);
    expect(run.stdout).toMatch(/lo-ana +2026-11 +dfw +30 /);
    // Not a terminal: no progress bar on stderr.
    expect(run.stderr).toBe('');
  });

  it('prints the report as JSON with --json, and reads LEDGER_URL', () => {
    const run = cli(['verify', '--json'], { LEDGER_URL: `sqlite:${real.path}` });

    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ ok: true, violations: [], ledger: { kind: 'sqlite', location: real.path } });
    expect(report.overrides).toEqual([expect.objectContaining({ leadId: real.leads.overridden, officerId: 'lo-cy', reason: 'borrower asked for Cy by name' })]);
    expect(report.officerMonths.map((row: { officerId: string }) => row.officerId)).toEqual(['lo-ana', 'lo-bo', 'lo-cy']);
    expect(report.merkle.verified).toBe(report.merkle.digests);
  });

  it('exits 1 and names the position of an edited event', () => {
    const copy = copyLedger(real.path);
    dirs.push(dirname(copy));
    const db = new Database(copy);
    db.exec('DROP TRIGGER events_are_never_updated');
    const { position } = db.prepare(`SELECT position FROM events WHERE type = 'LeadScored' ORDER BY position LIMIT 1`).get() as { position: number };
    db.prepare(`UPDATE events SET data = replace(data, '"score":', '"score":1') WHERE position = ?`).run(position);
    db.close();

    const json = cli(['verify', '--ledger-url', `sqlite:${copy}`, '--json']);
    const text = cli(['verify', '--ledger-url', `sqlite:${copy}`, '--workers', '0']);

    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout).violations).toEqual([expect.objectContaining({ kind: 'HASH_MISMATCH', position: String(position) })]);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain('RESULT: 1 VIOLATIONS.');
    expect(text.stdout).toMatch(new RegExp(`@${position} +lead-\\S+ r1 +HASH_MISMATCH: content edited`));
  });

  it('exits 2 when there is no ledger, or the arguments are wrong', () => {
    const empty = mkdtempSync(join(tmpdir(), 'verify-empty-'));
    dirs.push(empty);

    const missing = cli(['verify', '--data-dir', empty]);
    const badOption = cli(['verify', '--workers', 'many']);
    const badUrl = cli(['verify', '--ledger-url', 'mysql://nope']);

    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`no ledger file at ${join(empty, 'ledger.db')}`);
    expect(existsSync(join(empty, 'ledger.db'))).toBe(false);
    expect(badOption.status).toBe(2);
    expect(badOption.stderr).toContain('--workers must be a non-negative integer');
    expect(badUrl.status).toBe(2);
    expect(badUrl.stderr).toContain('LEDGER_URL must be');
  });

  // `script` (util-linux) gives the CLI a pseudo-terminal.
  const withTerminal = spawnSync('script', ['--version']).status === 0 ? it : it.skip;
  withTerminal('draws a progress bar when stderr is a terminal, and not with --no-progress', () => {
    const command = (extra: string) => `node ${BIN} verify --data-dir ${real.dir} ${extra} > /dev/null`;
    const withBar = spawnSync('script', ['-qec', command(''), '/dev/null'], { encoding: 'utf8', env: env(), timeout: 60_000 });
    const without = spawnSync('script', ['-qec', command('--no-progress'), '/dev/null'], { encoding: 'utf8', env: env(), timeout: 60_000 });

    expect(withBar.status).toBe(0);
    expect(withBar.stdout).toMatch(/verifying \|.*\| 100% \| \d+ events/);
    expect(without.status).toBe(0);
    expect(without.stdout).not.toContain('verifying |');
  });

  // ---- helpers ----

  function cli(args: string[], extraEnv: Record<string, string> = {}): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, [BIN, ...args], { cwd: tmpdir(), encoding: 'utf8', env: env(extraEnv), timeout: 60_000 });
  }

  function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const { LEDGER_URL: _url, DATA_DIR: _dir, ...rest } = process.env;
    return { ...rest, LEAD_LEDGER_FROM_SOURCE: '1', ...extra };
  }
});

describe('lead-ledger verify (CLI) on EventStoreDB', () => {
  it('reads the ledger through the port from an esdb:// URL and verifies it clean, override listed', async () => {
    const standIn = await startEsdbStandIn();
    const api = await startApp({ env: { CLOCK: 'manual', DIGEST_EVERY_EVENTS: '5', LEDGER_URL: standIn.connectionString } });
    try {
      await api.http.put('/v1/admin/clock').send({ now: '2026-11-10T15:00:00Z' }).expect(200);
      await api.http.put('/v1/markets/dfw').send({ name: 'DFW', states: ['TX'], seatCap: 5, timeZone: 'America/Chicago' }).expect(201);
      for (const officerId of ['lo-ana', 'lo-bo']) {
        await api.http.put(`/v1/officers/${officerId}`).send({ name: officerId, nmlsId: '1000001', licensedStates: ['TX'], active: true }).expect(201);
        await api.http.put(`/v1/officers/${officerId}/allocations/2026-11`).send({ marketId: 'dfw', leads: 20 }).expect(201);
      }
      const leads: string[] = [];
      for (let i = 0; i < 4; i++) {
        const created = await api.http.post('/v1/leads').send(aLeadBody({ marketId: 'dfw', borrower: { firstName: 'A', lastName: 'B', phone: `+121455501${10 + i}`, email: `e${i}@example.com` } })).expect(201);
        leads.push(created.body.leadId);
        await api.http.post(`/v1/leads/${created.body.leadId}/score`).send({ score: 80 }).expect(200);
        const body = i === 3 ? { officerId: 'lo-ana', reason: 'asked for Ana' } : {};
        const routed = await api.http.post(`/v1/leads/${created.body.leadId}/route`).send(body).expect(200);
        await api.http.post(`/v1/leads/${created.body.leadId}/deliver`).send({ officerId: routed.body.officerId, channel: 'email' }).expect(200);
      }
      await api.stop();

      const run = await cliAsync(['verify', '--json', '--ledger-url', standIn.connectionString]);

      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report).toMatchObject({ ok: true, ledger: { kind: 'esdb' }, checks: { pace: { checked: { automaticDecisions: 3, overrides: 1 } } } });
      expect(report.merkle.digests).toBeGreaterThan(0);
      expect(report.merkle.verified).toBe(report.merkle.digests);
      expect(report.overrides).toEqual([expect.objectContaining({ leadId: leads[3], officerId: 'lo-ana', reason: 'asked for Ana' })]);
    } finally {
      await api.stop().catch(() => undefined);
      await standIn.stop();
      rmSync(api.dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  /** Not spawnSync: the EventStoreDB stand-in answers from this process's event loop. */
  function cliAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const { LEDGER_URL: _url, DATA_DIR: _dir, ...rest } = process.env;
    return new Promise((done) => {
      execFile(process.execPath, [BIN, ...args], { cwd: tmpdir(), env: { ...rest, LEAD_LEDGER_FROM_SOURCE: '1' }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
        done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }
});
