import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { eventHash } from '@lead-ledger/ledger/chain/event-hash';
import { SqliteLedger } from '@lead-ledger/ledger/sqlite/sqlite-ledger';
import { VerificationReport, Violation } from './findings';
import { ledgerPortSource, sqliteFileSource } from './sources';
import { copyLedger, buildRealLedger, OFFICERS, RealLedger } from './testing/real-ledger.fixture';
import { verifyLedger } from './verifier';

/**
 * Tamper tests on copies of a real embedded ledger (written by the application over HTTP). Each
 * copy is edited with SQLite directly, its append-only triggers dropped, as an attacker with the
 * file would; the verifier must name the position of every change.
 */
describe('verifier on a real embedded ledger', () => {
  let real: RealLedger;
  const copies: string[] = [];

  beforeAll(async () => {
    real = await buildRealLedger();
  }, 60_000);
  afterAll(() => {
    for (const dir of [real?.dir, ...copies.map((copy) => dirname(copy))]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('an untouched ledger', () => {
    it('verifies clean, with every automatic decision re-derived and every digest recomputed', async () => {
      const report = await verify(real.path);
      expect(report.violations).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.checks.pace.checked).toMatchObject({ automaticDecisions: 14, refusals: 1, overrides: 1 });
      expect(report.merkle.digests).toBeGreaterThan(0);
      expect(report.merkle.verified).toBe(report.merkle.digests);
    });

    it('reports the manual override, separately from the rule-v1 decisions', async () => {
      const report = await verify(real.path);
      expect(report.overrides).toEqual([
        expect.objectContaining({ leadId: real.leads.overridden, officerId: real.overrideOfficer, reason: 'borrower asked for Cy by name', by: 'key:admin', allocation: 'lo-cy/2026-11@dfw' }),
      ]);
    });

    it('sums contracted, delivered, credited, net and fulfilment per officer per month', async () => {
      const report = await verify(real.path);
      const rows = report.officerMonths.filter((row) => row.marketId === 'dfw');
      expect(rows.map((row) => row.officerId)).toEqual([...OFFICERS]);
      const delivered = rows.reduce((sum, row) => sum + row.delivered, 0);
      expect(delivered).toBe(real.leads.delivered.length + 3); // + override, re-routed, repeat borrower
      expect(rows.reduce((sum, row) => sum + row.credited, 0)).toBe(1);
      for (const row of rows) {
        expect(row.net).toBe(row.delivered - row.credited);
        expect(row.fulfilment).toBeCloseTo(row.net / row.contracted!, 12);
      }
    });

    it('gives the same report through the ledger port (the EventStoreDB path) as from the file', async () => {
      const copy = copyLedger(real.path);
      copies.push(copy);
      const port = ledgerPortSource(SqliteLedger.open(copy));
      const viaPort = await verifyLedger(port).finally(() => port.close());
      const viaFile = await verify(real.path);
      expect(strip(viaPort)).toEqual(strip(viaFile));
    });
  });

  describe('a tampered copy', () => {
    it('names the event whose payload had one byte edited', async () => {
      const target = row(real.path, `SELECT position FROM events WHERE stream = ? AND type = 'LeadDelivered'`, `lead-${real.leads.delivered[0]}`);
      const copy = tampered((db) => db.prepare(`UPDATE events SET data = replace(data, '"crm"', '"crn"') WHERE position = ?`).run(target.position));

      const report = await verify(copy);

      expect(report.ok).toBe(false);
      expect(report.violations).toEqual([expect.objectContaining({ kind: 'HASH_MISMATCH', position: String(target.position), stream: `lead-${real.leads.delivered[0]}` })]);
    });

    it('names the gap an event was deleted from, and the broken link after it', async () => {
      const stream = `lead-${real.leads.credited}`;
      const deleted = row(real.path, `SELECT position FROM events WHERE stream = ? AND type = 'LeadDelivered'`, stream);
      const next = row(real.path, `SELECT position FROM events WHERE stream = ? AND type = 'LeadCredited'`, stream);
      const copy = tampered((db) => db.prepare('DELETE FROM events WHERE position = ?').run(deleted.position));

      const report = await verify(copy);

      expect(at(report, deleted.position + 1)).toContainEqual(expect.objectContaining({ kind: 'POSITION_GAP', message: expect.stringContaining(`position ${deleted.position} is missing`) }));
      expect(at(report, next.position)).toEqual(
        expect.arrayContaining([expect.objectContaining({ kind: 'REVISION_GAP', stream }), expect.objectContaining({ kind: 'BROKEN_LINK', stream })]),
      );
      // The digests recorded after it no longer match the log.
      expect(report.violationCounts.DIGEST_MISMATCH).toBeGreaterThan(0);
    });

    it('names both places when two events of a stream are swapped', async () => {
      const stream = `lead-${real.leads.delivered[2]}`;
      const routed = row(real.path, `SELECT position FROM events WHERE stream = ? AND type = 'LeadRouted'`, stream);
      const delivered = row(real.path, `SELECT position FROM events WHERE stream = ? AND type = 'LeadDelivered'`, stream);
      const copy = tampered((db) => {
        db.prepare('UPDATE events SET position = ? WHERE position = ?').run(-1, routed.position);
        db.prepare('UPDATE events SET position = ? WHERE position = ?').run(routed.position, delivered.position);
        db.prepare('UPDATE events SET position = ? WHERE position = ?').run(delivered.position, -1);
      });

      const report = await verify(copy);

      expect(at(report, routed.position)).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'REVISION_GAP', stream }), expect.objectContaining({ kind: 'BROKEN_LINK' })]));
      expect(at(report, delivered.position)).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'REVISION_OUT_OF_ORDER', stream })]));
      expect(report.violationCounts.DIGEST_MISMATCH).toBeGreaterThan(0);
    });

    it('names a forged event appended with a made-up hash', async () => {
      const stream = `lead-${real.leads.delivered[3]}`;
      const last = row(real.path, 'SELECT * FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1', stream);
      const head = row(real.path, 'SELECT MAX(position) AS position FROM events');
      const copy = tampered((db) =>
        db
          .prepare(
            `INSERT INTO events (position, event_id, stream, revision, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
             VALUES (?, 'forged-1', ?, ?, 'LeadCredited', 1, ?, ?, ?, ?, ?)`,
          )
          .run(
            head.position + 1,
            stream,
            last.revision + 1,
            JSON.stringify({ leadId: real.leads.delivered[3], officerId: 'lo-ana', allocation: null, reason: 'duplicate', creditedAt: last.recorded_at }),
            last.metadata,
            last.recorded_at,
            'f'.repeat(64),
            last.hash,
          ),
      );

      const report = await verify(copy);

      expect(at(report, head.position + 1)).toContainEqual(expect.objectContaining({ kind: 'HASH_MISMATCH', stream }));
    });

    it('names the event displaced by a forged event inserted mid-log with a correct hash', async () => {
      // The forger computes a valid hash and link for the inserted event, shifts every later
      // position up by one and renumbers the stream's later revisions.
      const lead = real.leads.delivered[4];
      const stream = `lead-${lead}`;
      const routed = row(real.path, `SELECT * FROM events WHERE stream = ? AND type = 'LeadRouted'`, stream);
      const delivered = row(real.path, `SELECT * FROM events WHERE stream = ? AND type = 'LeadDelivered'`, stream);
      const forged = {
        id: 'forged-2',
        stream,
        revision: BigInt(delivered.revision),
        type: 'LeadDeliveryFailed',
        schemaVersion: 1,
        recordedAt: delivered.recorded_at,
        data: { leadId: lead, officerId: JSON.parse(routed.data).officerId, allocation: JSON.parse(routed.data).allocation, borrowerKeys: JSON.parse(routed.data).borrowerKeys, reason: 'forged', failedAt: delivered.recorded_at },
        metadata: JSON.parse(delivered.metadata),
      };
      const hash = eventHash(forged, routed.hash);
      const copy = tampered((db) => {
        db.prepare('UPDATE events SET position = -(position + 1) WHERE position >= ?').run(delivered.position);
        db.prepare('UPDATE events SET position = -position WHERE position < 0').run();
        db.prepare('UPDATE events SET revision = revision + 1 WHERE stream = ? AND revision >= ?').run(stream, delivered.revision);
        db.prepare(
          `INSERT INTO events (position, event_id, stream, revision, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
           VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)`,
        ).run(delivered.position, forged.id, stream, delivered.revision, forged.type, JSON.stringify(forged.data), delivered.metadata, forged.recordedAt, hash, routed.hash);
      });

      const report = await verify(copy);

      const displaced = at(report, delivered.position + 1);
      expect(displaced).toContainEqual(expect.objectContaining({ kind: 'BROKEN_LINK', stream, message: expect.stringContaining(`position ${delivered.position}`) }));
      expect(displaced).toContainEqual(expect.objectContaining({ kind: 'HASH_MISMATCH', stream }));
      expect(report.violationCounts.DIGEST_MISMATCH).toBeGreaterThan(0);
    });

    it('catches a recorded winner that rule v1 would not pick, even with the chain re-hashed to match', async () => {
      const lead = real.leads.delivered[5];
      const stream = `lead-${lead}`;
      const routed = row(real.path, `SELECT * FROM events WHERE stream = ? AND type = 'LeadRouted'`, stream);
      const data = JSON.parse(routed.data);
      const loser = OFFICERS.find((officer) => officer !== data.officerId && data.decision.candidates.some((c: { officerId: string }) => c.officerId === officer)) ?? OFFICERS.find((o) => o !== data.officerId)!;
      const copy = tampered((db) => {
        const forgedData = { ...data, officerId: loser, decision: { ...data.decision, winner: loser }, allocation: { ...data.allocation, officerId: loser } };
        db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(forgedData), routed.position);
        rechain(db, stream);
      });

      const report = await verify(copy);

      const chain = report.violations.filter((v) => ['HASH_MISMATCH', 'BROKEN_LINK'].includes(v.kind));
      expect(chain).toEqual([]);
      const pace = report.violations.filter((v) => v.kind === 'ROUTING_DECISION_MISMATCH');
      expect(pace[0]).toMatchObject({ position: String(routed.position), stream, message: expect.stringContaining(`the ledger records ${loser}`) });
      // A stream rewritten with fresh hashes passes the chain, but not the Merkle digests recorded after it.
      expect(report.violationCounts.DIGEST_MISMATCH).toBeGreaterThan(0);
    });
  });

  // ---- helpers ----

  async function verify(path: string, workers = 1): Promise<VerificationReport> {
    const source = sqliteFileSource(path, { workers });
    try {
      return await verifyLedger(source);
    } finally {
      await source.close();
    }
  }

  function tampered(edit: (db: Database.Database) => void): string {
    const copy = copyLedger(real.path);
    copies.push(copy);
    const db = new Database(copy);
    db.exec('DROP TRIGGER events_are_never_updated; DROP TRIGGER events_are_never_deleted;');
    db.transaction(() => edit(db))();
    db.close();
    return copy;
  }

  function row(path: string, sql: string, ...params: unknown[]): any {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare(sql).get(...params);
    } finally {
      db.close();
    }
  }

  /** Recomputes hash and prevHash of every event of the stream, as a careful forger would. */
  function rechain(db: Database.Database, stream: string): void {
    let prevHash = '0'.repeat(64);
    for (const event of db.prepare('SELECT * FROM events WHERE stream = ? ORDER BY revision').all(stream) as any[]) {
      const hash = eventHash(
        {
          stream,
          revision: BigInt(event.revision),
          id: event.event_id,
          type: event.type,
          schemaVersion: event.schema_version,
          recordedAt: event.recorded_at,
          data: JSON.parse(event.data),
          metadata: JSON.parse(event.metadata),
        },
        prevHash,
      );
      db.prepare('UPDATE events SET hash = ?, prev_hash = ? WHERE position = ?').run(hash, prevHash, event.position);
      prevHash = hash;
    }
  }

  function at(report: VerificationReport, position: number): Violation[] {
    return report.violations.filter((v) => v.position === String(position));
  }

  function strip(report: VerificationReport) {
    const { elapsedMs: _e, eventsPerSecond: _r, memory: _m, ledger: _l, timing: _t, ...rest } = report;
    return rest;
  }
});
