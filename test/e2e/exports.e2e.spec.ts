import { parse as parseCsv } from 'csv-parse/sync';
import { PiiVault } from '@lead-ledger/pii';
import { createHash, randomUUID } from 'node:crypto';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Response } from 'supertest';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { ReadStore } from '@lead-ledger/read-models';
import { beginLeadsExport, exportLeads, parseExportRequest } from '@lead-ledger/audit/export';
import { LEDGER } from '../../apps/api/src/ledger/ledger.tokens';
import { READ_STORE, ReadModels } from '../../apps/api/src/read-models/read-models';
import { aLeadBody, RunningApp, startApp } from '../support/app-harness';

/**
 * Bulk exports over real HTTP on a real embedded ledger (manual clock). Six leads in two markets,
 * with two officers, through different parts of the lifecycle on two days; every export is
 * parsed and compared with the ledger file, read with SQLite directly.
 */
const DAY1 = '2026-11-03T14:00:00.000Z';
const DAY2 = '2026-11-05T10:00:00.000Z';
const ADMIN = 'key:admin';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EVENT_CSV_COLUMNS = [
  'leadId', 'position', 'revision', 'eventId', 'type', 'schemaVersion', 'recordedAt', 'correlationId', 'causationId', 'commandId', 'actor', 'hash', 'prevHash', 'data', 'metadata', 'pii',
];

type FileEvent = ReturnType<RunningApp['eventsInFile']>[number] & { event_id: string; schema_version: number; hash: string | null; prev_hash: string | null };
type Lead = { leadId: string; phone: string; email: string; firstName: string; lastName: string };

let nextPhone = 1000 + Math.floor(Math.random() * 8000);

describe('bulk exports (e2e, embedded ledger)', () => {
  let api: RunningApp;
  let ada: string;
  let bo: string;
  let dfw: string;
  let phx: string;
  /** A: dfw → ada, delivered, credited (day 1). B: phx → bo, delivered (day 1). */
  let A: Lead, B: Lead;
  /** C: dfw, new. D: dfw → ada, delivery failed (scored, no officer). E: phx → ada, routed. F: no market, scored (day 2). */
  let C: Lead, D: Lead, E: Lead, F: Lead;
  let all: Lead[];

  beforeAll(async () => {
    api = await startApp({ env: { CLOCK: 'manual', DIGEST_EVERY_EVENTS: '1000000' } });
    await setClock(DAY1);
    const suffix = randomUUID().slice(0, 8);
    [ada, bo, dfw, phx] = [`lo-ada-${suffix}`, `lo-bo-${suffix}`, `dfw-${suffix}`, `phx-${suffix}`];
    await api.http.put(`/v1/markets/${dfw}`).send({ name: 'DFW', states: ['TX'], seatCap: 5, timeZone: 'America/Chicago' }).expect(201);
    await api.http.put(`/v1/markets/${phx}`).send({ name: 'Phoenix', states: ['AZ'], seatCap: 5, timeZone: 'America/Phoenix' }).expect(201);
    for (const officerId of [ada, bo]) {
      await api.http.put(`/v1/officers/${officerId}`).send({ name: officerId, nmlsId: '1000001', licensedStates: ['TX', 'AZ'], active: true }).expect(201);
    }
    A = await createLead({ marketId: dfw, property: { state: 'TX', zip: '75201' } });
    await lifecycle(A, ['score', ['route', ada], ['deliver', ada], 'credit']);
    B = await createLead({ marketId: phx, property: { state: 'AZ', zip: '85001' } });
    await lifecycle(B, ['score', ['route', bo], ['deliver', bo]]);
    await setClock(DAY2);
    C = await createLead({ marketId: dfw, property: { state: 'TX', zip: '75202' } });
    D = await createLead({ marketId: dfw, property: { state: 'TX', zip: '75203' } });
    await lifecycle(D, ['score', ['route', ada], ['fail', ada]]);
    E = await createLead({ marketId: phx, property: { state: 'AZ', zip: '85002' } });
    await lifecycle(E, ['score', ['route', ada]]);
    F = await createLead({ property: { state: 'NV', zip: '89501' } });
    await lifecycle(F, ['score']);
    all = [A, B, C, D, E, F];
  });
  afterAll(async () => api?.close());

  describe('NDJSON and CSV round-trip against the ledger', () => {
    it('NDJSON events (the defaults): every event of every lead, as in the ledger file, leads in creation order', async () => {
      const res = await exportText('/v1/exports/leads');

      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
      expect(res.headers['x-export-id']).toMatch(UUID);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="leads-events-${res.headers['x-export-id']}.ndjson"`);
      const rows = ndjson(res.text);
      const expected = leadEventsInFile(all);
      expect(rows).toHaveLength(expected.length);
      expect(rows).toStrictEqual(expected.map(rowWithPii));
      // Leads in the order they were created, each lead's events in revision order.
      expect(unique(rows.map((r) => r.leadId))).toEqual(all.map((l) => l.leadId));
    });

    it('CSV events: the same rows; data and metadata as JSON text; the chain link of each event', async () => {
      const res = await exportText('/v1/exports/leads?format=csv');

      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.text.split('\n')[0]).toBe(EVENT_CSV_COLUMNS.join(','));
      const records: Record<string, string>[] = parseCsv(res.text, { columns: true });
      const expected = leadEventsInFile(all);
      expect(records).toHaveLength(expected.length);
      records.forEach((record, i) => {
        const event = expected[i];
        expect(Object.keys(record)).toEqual(EVENT_CSV_COLUMNS);
        expect({ ...record, data: JSON.parse(record.data), metadata: JSON.parse(record.metadata), pii: record.pii && JSON.parse(record.pii) }).toStrictEqual({
          leadId: event.data.leadId,
          position: String(event.position),
          revision: String(event.revision),
          eventId: event.event_id,
          type: event.type,
          schemaVersion: String(event.schema_version),
          recordedAt: event.recorded_at,
          correlationId: event.metadata.correlationId,
          causationId: event.metadata.causationId,
          commandId: event.metadata.commandId,
          actor: event.metadata.actor,
          hash: event.hash,
          prevHash: event.prev_hash,
          data: event.data,
          metadata: event.metadata,
          pii: event.type === 'LeadCreated' ? contactOf(event.data.leadId) : '',
        });
      });
      expect(records.every((r) => /^[0-9a-f]{64}$/.test(r.hash) && /^[0-9a-f]{64}$/.test(r.prevHash))).toBe(true);
    });

    it('summary, NDJSON and CSV: one row per lead, the same values in both, matching the ledger and GET /v1/leads/:id', async () => {
      const json = ndjson((await exportText('/v1/exports/leads?include=summary')).text);
      const csvRes = await exportText('/v1/exports/leads?include=summary&format=csv');
      const csv: Record<string, string>[] = parseCsv(csvRes.text, { columns: true });

      expect(json.map((r) => r.leadId)).toEqual(all.map((l) => l.leadId));
      expect(csv).toEqual(json.map(asCsvStrings));
      for (const row of json) {
        const events = api.eventsInFile(`lead-${row.leadId}`) as FileEvent[];
        const created = events[0].data;
        const scored = events.filter((e) => e.type === 'LeadScored').pop()?.data;
        const summary = (await api.http.get(`/v1/leads/${row.leadId}`).expect(200)).body;
        const at = (type: string, field: string) => events.filter((e) => e.type === type).pop()?.data[field] ?? null;
        const failed = events.filter((e) => e.type === 'LeadDeliveryFailed');
        const routedAfterFailure = events.filter((e) => e.type === 'LeadRouted').pop();
        expect(row).toStrictEqual({
          leadId: row.leadId,
          status: summary.status,
          marketId: events.filter((e) => e.type === 'LeadRouted').pop()?.data.marketId ?? created.marketId,
          officerId: summary.officerId,
          createdAt: created.createdAt,
          routedAt: summary.officerId === null ? null : routedAfterFailure!.data.routedAt,
          deliveredAt: at('LeadDelivered', 'deliveredAt'),
          creditedAt: at('LeadCredited', 'creditedAt'),
          score: scored?.score ?? null,
          grade: scored?.grade ?? null,
          campaign: created.source.campaign,
          vendor: created.source.vendor,
          firstName: contactOf(row.leadId).firstName,
          lastName: contactOf(row.leadId).lastName,
          phone: contactOf(row.leadId).phone,
          email: contactOf(row.leadId).email,
          state: created.property.state,
          zip: created.property.zip,
          loanType: created.loan.type,
          loanProgram: created.loan.program,
          loanAmount: created.loan.amount,
          creditTier: created.creditTier,
          consentTcpa: created.consent.tcpa,
          consentCapturedAt: created.consent.capturedAt,
          consentIp: contactOf(row.leadId).consentIp,
          failedOfficerIds: failed.map((e) => e.data.officerId),
          revision: events.length - 1,
          lastPosition: String(events[events.length - 1].position),
          borrowerRef: created.borrowerRef,
          piiStatus: 'revealed',
          erasedAt: null,
        });
      }
      expect(Object.fromEntries(json.map((r) => [r.leadId, r.status]))).toEqual({
        [A.leadId]: 'credited',
        [B.leadId]: 'delivered',
        [C.leadId]: 'new',
        [D.leadId]: 'scored',
        [E.leadId]: 'routed',
        [F.leadId]: 'scored',
      });
    });

    it('an export with no matching lead is a header-only CSV, or an empty NDJSON body', async () => {
      const csv = await exportText('/v1/exports/leads?format=csv&officerId=nobody');
      const json = await exportText('/v1/exports/leads?officerId=nobody');
      expect(csv.text).toBe(`${EVENT_CSV_COLUMNS.join(',')}\n`);
      expect(json.text).toBe('');
    });
  });

  describe('filters', () => {
    it.each([
      ['officerId (the officer holding the lead now)', () => `officerId=${ada}`, () => [A, E]],
      ['another officer', () => `officerId=${bo}`, () => [B]],
      ['marketId (named or routed)', () => `marketId=${dfw}`, () => [A, C, D]],
      ['status', () => 'status=scored', () => [D, F]],
      ['status new', () => 'status=new', () => [C]],
      ['from (inclusive)', () => `from=${DAY2}`, () => [C, D, E, F]],
      ['to (exclusive)', () => `to=${DAY2}`, () => [A, B]],
      ['a date range given as days (UTC)', () => 'from=2026-11-03&to=2026-11-04', () => [A, B]],
      ['a zoned time', () => `from=${encodeURIComponent('2026-11-05T04:00:00-06:00')}`, () => [C, D, E, F]],
      ['all of them together', () => `officerId=${ada}&marketId=${phx}&status=routed&from=2026-11-05&to=2026-11-06`, () => [E]],
      ['nothing matching', () => `officerId=${bo}&status=credited`, () => []],
    ])('%s', async (_name, query, leads) => {
      const expected = leads();
      const events = ndjson((await exportText(`/v1/exports/leads?${query()}`).then(ok)).text);
      const summary = ndjson((await exportText(`/v1/exports/leads?${query()}&include=summary`).then(ok)).text);

      expect(summary.map((r) => r.leadId)).toEqual(expected.map((l) => l.leadId));
      expect(events).toStrictEqual(leadEventsInFile(expected).map(rowWithPii));
    });
  });

  describe('redaction', () => {
    it('masks phone, email, names, consent ip and borrower keys; everything else is as in the ledger', async () => {
      const res = await exportText('/v1/exports/leads?redact=true').then(ok);
      const rows = ndjson(res.text);

      const expected = leadEventsInFile(all).map(ndjsonRowOf);
      // Contact details are sealed in the ledger (LeadCreated v2): the export masks them in `pii`, beside the data as stored.
      expect(rows).toHaveLength(expected.length);
      rows.forEach((row, i) => {
        const original = expected[i];
        const lead = all.find((l) => l.leadId === row.leadId)!;
        const data = structuredClone(original.data);
        if (data.borrower) {
          data.borrower = {
            firstName: `${lead.firstName[0]}.`,
            lastName: `${lead.lastName[0]}.`,
            phone: `+1******${lead.phone.slice(-4)}`,
            email: `${lead.email[0]}***@example.com`,
          };
        }
        if (data.consent?.ip) data.consent.ip = '203.0.*.*';
        if (data.borrowerKeys) data.borrowerKeys = ['phone:redacted', 'email:redacted'];
        const pii = {
          firstName: `${lead.firstName[0]}.`,
          lastName: `${lead.lastName[0]}.`,
          phone: `+1******${lead.phone.slice(-4)}`,
          email: `${lead.email[0]}***@example.com`,
          consentIp: '203.0.*.*',
        };
        expect(row).toStrictEqual({ ...original, data, ...(original.type === 'LeadCreated' && { pii }) });
      });
      // No contact detail, and no hash of one, appears anywhere in the body.
      for (const lead of all) {
        expect(res.text).not.toContain(lead.phone.slice(2));
        expect(res.text).not.toContain(lead.email);
        expect(res.text).not.toContain(lead.firstName);
      }
      for (const key of leadEventsInFile(all).flatMap((e) => (e.data.borrowerKeys as string[] | undefined) ?? [])) {
        expect(res.text).not.toContain(key.split(':')[1]);
      }
      expect(res.text).not.toContain('203.0.113.7');
    });

    it('masks the summary the same way, in CSV too', async () => {
      const csv: Record<string, string>[] = parseCsv((await exportText('/v1/exports/leads?redact=true&include=summary&format=csv').then(ok)).text, { columns: true });
      const plain: Record<string, string>[] = parseCsv((await exportText('/v1/exports/leads?include=summary&format=csv').then(ok)).text, { columns: true });

      expect(csv).toHaveLength(all.length);
      csv.forEach((row, i) => {
        const lead = all[i];
        expect(row).toEqual({
          ...plain[i],
          firstName: `${lead.firstName[0]}.`,
          lastName: `${lead.lastName[0]}.`,
          phone: `+1******${lead.phone.slice(-4)}`,
          email: `${lead.email[0]}***@example.com`,
          consentIp: '203.0.*.*',
        });
      });
    });
  });

  describe('every export is recorded in the ledger', () => {
    it('LeadsExportStarted before the body (who, what, when), LeadsExportCompleted after it (counts and sha256 of the body)', async () => {
      const correlationId = `corr-${randomUUID()}`;
      const res = await exportText(`/v1/exports/leads?format=csv&officerId=${ada}&status=routed&from=2026-11-05&redact=true`, correlationId).then(ok);

      const exportId = res.headers['x-export-id'];
      const events = api.eventsInFile(`export-${exportId}`) as FileEvent[];
      expect(events.map((e) => [e.type, e.revision, e.schema_version])).toEqual([
        ['LeadsExportStarted', 0, 1],
        ['LeadsExportCompleted', 1, 1],
      ]);
      const [started, completed] = events;
      expect(res.headers['x-export-position']).toBe(String(started.position));
      expect(started.data).toStrictEqual({
        exportId,
        actor: ADMIN,
        filters: { from: '2026-11-05T00:00:00.000Z', to: null, officerId: ada, marketId: null, status: 'routed' },
        format: 'csv',
        include: 'events',
        redacted: true,
        via: 'http',
        startedAt: DAY2,
      });
      expect(started.recorded_at).toBe(DAY2);
      const body = Buffer.from(res.text, 'utf8');
      expect(completed.data).toStrictEqual({
        exportId,
        leads: 1,
        rows: api.eventsInFile(`lead-${E.leadId}`).length,
        bytes: body.length,
        sha256: createHash('sha256').update(body).digest('hex'),
        completedAt: DAY2,
      });
      for (const event of events) {
        expect(event.metadata).toStrictEqual({ correlationId, causationId: expect.any(String), commandId: exportId, actor: ADMIN });
      }
      expect(completed.metadata.causationId).toBe(started.event_id);
      // Hash-chained like every other stream.
      expect(completed.prev_hash).toBe(started.hash);

      const record = await api.http.get(`/v1/exports/${exportId}`).expect(200);
      expect(record.body).toStrictEqual({
        exportId,
        status: 'completed',
        actor: ADMIN,
        via: 'http',
        filters: started.data.filters,
        format: 'csv',
        include: 'events',
        redacted: true,
        startedAt: DAY2,
        position: String(started.position),
        completedAt: DAY2,
        abortedAt: null,
        reason: null,
        leads: 1,
        rows: completed.data.rows,
        bytes: body.length,
        sha256: completed.data.sha256,
      });
    });

    it('GET /v1/exports/:id: 404 for an unknown export, 400 for a malformed id', async () => {
      expectError(await api.http.get(`/v1/exports/${randomUUID()}`), 404, 'EXPORT_NOT_FOUND');
      expectError(await api.http.get('/v1/exports/not-a-uuid'), 400, 'VALIDATION_FAILED');
    });

    it('an output that fails half-way is recorded as LeadsExportAborted, with what was written', async () => {
      const ledger = api.app.get<Ledger>(LEDGER);
      const failing = new Writable({
        highWaterMark: 1,
        write(_chunk, _encoding, done) {
          done(new Error('disk full'));
        },
      });
      const request = parseExportRequest({});
      await expect(exportLeads({ ...request, ledger, actor: 'cli:tester', via: 'cli', output: failing })).rejects.toThrow('disk full');

      const [started, aborted] = api.eventsInFile().filter((e) => e.stream.startsWith('export-')).slice(-2);
      expect(started.type).toBe('LeadsExportStarted');
      expect(started.data).toMatchObject({ actor: 'cli:tester', via: 'cli' });
      expect(aborted.type).toBe('LeadsExportAborted');
      expect(aborted.stream).toBe(started.stream);
      expect(aborted.data).toMatchObject({ exportId: started.data.exportId, reason: 'the export failed: disk full' });
      expect(aborted.data.bytes).toBeGreaterThan(0);
      expect(aborted.data.rows).toBeLessThanOrEqual(leadEventsInFile(all).length);
      expect((await api.http.get(`/v1/exports/${started.data.exportId}`).expect(200)).body).toMatchObject({ status: 'aborted', sha256: null });
    });

    it('is a snapshot as of its LeadsExportStarted: events appended after it are not in the export', async () => {
      const ledger = api.app.get<Ledger>(LEDGER);
      const readModels = api.app.get(ReadModels);
      const readModel = { store: api.app.get<ReadStore>(READ_STORE), waitFor: (position: bigint) => readModels.waitFor(position) };
      const lead = await createLead({ marketId: dfw, property: { state: 'TX', zip: '75204' } });
      const request = parseExportRequest({ status: 'new', include: 'summary' });

      // The export starts (its snapshot fixed) while the lead is new; the lead is routed before the
      // rows are written, and the read models have seen the route (the lead no longer matches there).
      const started = await beginLeadsExport({ ...request, ledger, readModel, actor: 'test', via: 'test' });
      await lifecycle(lead, ['score', ['route', bo]]);
      await readModels.catchUpWithLedger();
      const asOfStart = ndjson(await collect((out) => started.writeTo(out)));
      const now = ndjson(await collect((out) => exportLeads({ ...request, ledger, readModel, actor: 'test', via: 'test', output: out })));

      expect(asOfStart.map((r) => [r.leadId, r.status, r.officerId, r.revision])).toEqual([
        [C.leadId, 'new', null, 0],
        [lead.leadId, 'new', null, 0],
      ]);
      expect(now.map((r) => r.leadId)).toEqual([C.leadId]);
    });

    it('the read-model path (HTTP) and the ledger-scan path (CLI) give the same bytes for the same ledger', async () => {
      const ledger = api.app.get<Ledger>(LEDGER);
      for (const query of [{}, { format: 'csv' }, { include: 'summary', format: 'csv', redact: 'true' }, { officerId: ada }, { status: 'scored', from: '2026-11-04' }]) {
        const http = await exportText(`/v1/exports/leads?${new URLSearchParams(query as Record<string, string>)}`).then(ok);
        // As `lead-ledger export --pii`: the same key store as the API's admin key (pii:read) reads.
        const pii = { reader: api.app.get(PiiVault), canRead: true };
        const cli = await collect((out) => exportLeads({ ...parseExportRequest(query), ledger, actor: 'cli:tester', via: 'cli', output: out, pii }));
        expect(cli).toBe(http.text);
      }
    });
  });

  describe('streaming with backpressure', () => {
    const bulk = 4000;

    beforeAll(async () => {
      // 4,000 more leads (appended straight to the ledger, for speed), ~3 KB of NDJSON each.
      const ledger = api.app.get<Ledger>(LEDGER);
      for (let i = 0; i < bulk; i += 500) await Promise.all(Array.from({ length: Math.min(500, bulk - i) }, () => appendRawLead(ledger)));
      await api.app.get(ReadModels).catchUpWithLedger();
    });

    it('an output that stops taking data stops the export: only what the stream buffers hold is read from the ledger', async () => {
      const ledger = api.app.get<Ledger>(LEDGER);
      let written = 0;
      const stalled = new Writable({
        write(chunk: Buffer, _encoding, done) {
          written += chunk.length;
          if (written < 64 * 1024) done(); // then never again: a reader that stopped reading
        },
      });
      let leadsRead = 0;
      const controller = new AbortController();
      const running = exportLeads({
        ...parseExportRequest({ from: DAY2 }),
        ledger,
        actor: 'test',
        via: 'test',
        output: stalled,
        signal: controller.signal,
        onProgress: ({ leads }) => (leadsRead = leads),
      });

      await new Promise((resolve) => setTimeout(resolve, 300));
      const readWhileStalled = leadsRead;
      await new Promise((resolve) => setTimeout(resolve, 300));
      controller.abort();
      await expect(running).rejects.toMatchObject({ name: 'AbortError' });

      // ~64 KB taken, plus the pipeline's buffers (16 rows + 3 × 16 KB): tens of leads out of 4,000.
      expect(readWhileStalled).toBeGreaterThan(0);
      expect(readWhileStalled).toBeLessThan(100);
      expect(leadsRead).toBe(readWhileStalled);
      const aborted = api.eventsInFile().filter((e) => e.type === 'LeadsExportAborted').pop()!;
      expect(aborted.data.reason).toBe('aborted by the caller');
      // The lead whose rows were waiting to go out when the export stopped counts too.
      expect([leadsRead, leadsRead + 1]).toContain(aborted.data.leads);
    });

    it('a client that disconnects mid-body leaves the export recorded as aborted, not completed', async () => {
      const { exportId, received } = await readThenDisconnect(`/v1/exports/leads?from=${DAY2}`, 64 * 1024, 200);

      const aborted = await eventually(() => api.eventsInFile(`export-${exportId}`).find((e) => e.type !== 'LeadsExportStarted'));
      expect(aborted?.type).toBe('LeadsExportAborted');
      expect(aborted!.data.reason).toBe('the output was closed before the export finished (e.g. the client disconnected)');
      expect(received).toBeGreaterThan(0);
      // Beyond our own small buffers, only the kernel's socket buffers held data the client never read.
      expect(aborted!.data.rows).toBeLessThan(bulk);
    });
  });

  describe('bad input: 400, and nothing is appended', () => {
    it.each([
      ['an unknown format', 'format=xml', 'format'],
      ['an unknown include', 'include=everything', 'include'],
      ['an unknown status', 'status=lost', 'status'],
      ['redact other than true/false', 'redact=yes', 'redact'],
      ['an officer id that is not a slug', 'officerId=Ada%20Lovelace', 'officerId'],
      ['a market id that is not a slug', 'marketId=DFW!', 'marketId'],
      ['a time without a zone', 'from=2026-11-03T10:00:00', 'from'],
      ['a day that does not exist', 'to=2026-02-30', 'to'],
      ['not a time at all', 'from=yesterday', 'from'],
      ['to before from', 'from=2026-11-05&to=2026-11-04', 'to'],
      ['an empty range', 'from=2026-11-05&to=2026-11-05', 'to'],
      ['an unknown parameter', 'officer=ada', 'officer'],
      ['a repeated parameter', 'status=new&status=scored', 'status'],
    ])('%s', async (_name, query, field) => {
      const before = api.countEvents();

      const res = await api.http.get(`/v1/exports/leads?${query}`);

      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(api.countEvents()).toBe(before);
    });

    it('401 without an API key, and nothing appended', async () => {
      const before = api.countEvents();
      expectError(await api.anonymous.get('/v1/exports/leads'), 401, 'UNAUTHENTICATED');
      expect(api.countEvents()).toBe(before);
    });
  });

  // --- helpers -------------------------------------------------------------------------------

  async function setClock(now: string) {
    await api.http.put('/v1/admin/clock').send({ now }).expect(200);
  }

  async function createLead(overrides: Record<string, unknown>): Promise<Lead> {
    // Every borrower distinct, or the repeat-borrower rule would refuse a route.
    const n = String(nextPhone++);
    const names = ['Sarah', 'Miguel', 'Priya', 'Tom', 'Olu', 'Wen', 'Zoe'];
    const firstName = names[Math.floor(Math.random() * names.length)] + n;
    const lastName = `Lee${n}`;
    const borrower = { firstName, lastName, phone: `+1214555${n}`, email: `${firstName.toLowerCase()}.${randomUUID().slice(0, 6)}@example.com` };
    const res = await api.http.post('/v1/leads').send(aLeadBody({ borrower, ...overrides })).expect(201);
    return { leadId: res.body.leadId, ...borrower };
  }

  type Step = 'score' | 'credit' | ['route' | 'deliver' | 'fail', string];

  async function lifecycle(lead: Lead, steps: Step[]) {
    for (const step of steps) {
      const base = `/v1/leads/${lead.leadId}`;
      if (step === 'score') await api.http.post(`${base}/score`).send({ score: 81, grade: 'B', reasons: ['verified'] }).expect(200);
      else if (step === 'credit') await api.http.post(`${base}/credit`).send({ reason: 'duplicate', note: 'seen before' }).expect(200);
      else if (step[0] === 'route') await api.http.post(`${base}/route`).send({ officerId: step[1], reason: 'test setup' }).expect(200);
      else if (step[0] === 'deliver') await api.http.post(`${base}/deliver`).send({ officerId: step[1], channel: 'crm', receipt: 'r-1' }).expect(200);
      else await api.http.post(`${base}/delivery-failures`).send({ officerId: step[1], reason: 'webhook 500' }).expect(200);
    }
  }

  /** GET with the body as text whatever its content type (supertest only buffers text/* and JSON). */
  function exportText(path: string, correlationId?: string): Promise<Response & { text: string }> {
    let request = api.http.get(path);
    if (correlationId) request = request.set('x-correlation-id', correlationId);
    return request
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done(null, text));
      })
      .then((res) => Object.assign(res, { text: res.body as string }));
  }

  /** A LeadCreated for a new lead on DAY2+1h, appended straight to the ledger (no HTTP). */
  async function appendRawLead(ledger: Ledger) {
    const leadId = randomUUID();
    const { borrower, ...body } = aLeadBody({ marketId: dfw });
    const data = { ...body, leadId, borrower: { ...borrower, firstName: 'Bulk', email: `${leadId}@example.com` }, borrowerKeys: [], createdAt: '2026-11-05T11:00:00.000Z', padding: 'x'.repeat(2500) };
    const metadata = { correlationId: leadId, causationId: leadId, commandId: leadId, actor: 'test' };
    await ledger.append(`lead-${leadId}`, [{ type: 'LeadCreated', schemaVersion: 1, data, recordedAt: data.createdAt, metadata }], { expectedRevision: 'no_stream' });
  }

  /** GETs `path`, reads `bytes` of the body, stops reading for `pauseMs`, then disconnects. */
  async function readThenDisconnect(path: string, bytes: number, pauseMs: number): Promise<{ exportId: string; received: number }> {
    // supertest listens per request; this needs a server that stays up (app.close() closes it).
    const server = api.app.getHttpServer();
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { address, port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const request = httpGet({ host: address, port, path, headers: { authorization: `Bearer ${api.adminKey}` } }, (response) => {
        expect(response.statusCode).toBe(200);
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received < bytes) return;
          response.pause();
          response.removeAllListeners('data');
          setTimeout(() => {
            request.destroy();
            resolve({ exportId: String(response.headers['x-export-id']), received });
          }, pauseMs);
        });
      });
      request.on('error', (error) => ((error as { code?: string }).code === 'ECONNRESET' ? undefined : reject(error)));
    });
  }

  /** What an export shows a pii:read key beside a LeadCreated: the borrower as created (aLeadBody's consent ip). */
  function contactOf(leadId: string) {
    const { firstName, lastName, phone, email } = all.find((lead) => lead.leadId === leadId)!;
    return { firstName, lastName, phone, email, consentIp: '203.0.113.7' };
  }

  function rowWithPii(event: FileEvent) {
    return { ...ndjsonRowOf(event), ...(event.type === 'LeadCreated' && { pii: contactOf(event.data.leadId) }) };
  }

  function leadEventsInFile(leads: Lead[]): FileEvent[] {
    return leads.flatMap((lead) => api.eventsInFile(`lead-${lead.leadId}`) as FileEvent[]);
  }
});

function ok<T extends Response>(res: T): T {
  expect(res.status).toBe(200);
  return res;
}

function ndjson(text: string): any[] {
  if (text === '') return [];
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n').map((line) => JSON.parse(line));
}

function ndjsonRowOf(event: FileEvent) {
  return {
    leadId: event.data.leadId,
    position: String(event.position),
    revision: event.revision,
    eventId: event.event_id,
    type: event.type,
    schemaVersion: event.schema_version,
    recordedAt: event.recorded_at,
    data: event.data,
    metadata: event.metadata,
    hash: event.hash,
    prevHash: event.prev_hash,
  };
}

/** A summary row as CSV writes it: null empty, booleans and numbers as text, the list joined with ";". */
function asCsvStrings(row: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(row).map(([key, value]) => [key, value === null ? '' : Array.isArray(value) ? value.join(';') : String(value)]),
  );
}

async function eventually<T>(probe: () => T | undefined, timeoutMs = 3000): Promise<T | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function expectError(res: Response, status: number, code: string) {
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(res.body).toEqual({ code, message: expect.stringMatching(/\S/), details: expect.any(Array) });
}

/** Everything `write` writes into a Writable, as text. */
async function collect(write: (output: Writable) => Promise<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await write(output);
  return Buffer.concat(chunks).toString('utf8');
}
