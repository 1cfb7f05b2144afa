import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { newApiKeySecret, sha256Hex } from '../../apps/api/src/auth/api-key-config';
import { runExport } from '../../apps/cli/src/commands/export.command';
import { SqliteDataKeyStore } from '../../libs/pii/src/sqlite-key-store';
import { fromJson, verifyHistory } from '../support/independent-verifier';
import { aLeadBody, RunningApp, startApp } from '../support/app-harness';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin', 'lead-ledger.js');
const NOW = '2026-11-10T15:00:00.000Z';
const MONTH = '2026-11';
const run = promisify(execFile);

/**
 * Crypto-shredding end to end, over real HTTP on a real embedded ledger file: the ledger never
 * holds a borrower's contact details in plaintext; `pii:read` opens them; erasing the borrower
 * destroys the data key, after which no view shows them to anyone, while routing facts, the
 * repeat-borrower rule and `lead-ledger verify` (a separate process) are unaffected.
 */
describe('borrower PII erasure (e2e, embedded ledger)', () => {
  const admin = { id: 'admin', secret: newApiKeySecret(), scopes: ['admin'] };
  // Reads history, summaries and exports, but holds neither pii:read nor pii:erase.
  const auditor = { id: 'auditor', secret: newApiKeySecret(), scopes: ['audit:read', 'audit:export', 'leads:read'] };
  // A borrower whose details are easy to find in raw bytes, and unlike any other test's.
  const rita = { firstName: 'Zephyrine', lastName: 'Quillfeather', phone: '+12145559187', email: 'zephyrine.quillfeather@example.org' };
  const ritaIp = '198.51.100.213';
  let api: RunningApp;
  let dataDir: string;
  let borrowerRef: string;
  let holder: string;
  const leads: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lead-ledger-erasure-'));
    writeFileSync(join(dataDir, 'admin-api-key'), `${admin.secret}\n`, { mode: 0o600 });
    api = await startApp({ dataDir, env: keysEnv() });
    await api.http.put('/v1/admin/clock').send({ now: NOW }).expect(200);
    await api.http.put('/v1/markets/dfw').send({ name: 'Dallas-Fort Worth', states: ['TX'], seatCap: 5, timeZone: 'America/Chicago' }).expect(201);
    for (const officerId of ['lo-ana', 'lo-bo']) {
      await api.http.put(`/v1/officers/${officerId}`).send({ name: officerId, nmlsId: '123456', licensedStates: ['TX'], active: true }).expect(201);
      await api.http.put(`/v1/officers/${officerId}/allocations/${MONTH}`).send({ marketId: 'dfw', leads: 40 }).expect(201);
    }
    // given: two leads of one borrower (the second with another email: the same phone is the same borrower), both routed and delivered
    for (const email of [rita.email, 'z.q.second@example.org']) {
      const created = await api.http
        .post('/v1/leads')
        .send(aLeadBody({ marketId: 'dfw', borrower: { ...rita, email }, consent: { tcpa: true, capturedAt: '2026-11-10T14:58:00Z', text: 'I agree to be contacted.', ip: ritaIp } }))
        .expect(201);
      leads.push(created.body.leadId);
      borrowerRef ??= created.body.borrowerRef;
      expect(created.body.borrowerRef).toBe(borrowerRef);
      await api.http.post(`/v1/leads/${created.body.leadId}/score`).send({ score: 80 }).expect(200);
      const routed = await api.http.post(`/v1/leads/${created.body.leadId}/route`).send({}).expect(200);
      holder ??= routed.body.officerId;
      // The repeat borrower goes to the officer who has them.
      expect(routed.body.officerId).toBe(holder);
      await api.http.post(`/v1/leads/${created.body.leadId}/deliver`).send({ officerId: holder, channel: 'crm' }).expect(200);
    }
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the contact details out of the ledger file: its bytes (and its WAL) hold ciphertext, HMAC keys and the ref only', () => {
    const bytes = ['ledger.db', 'ledger.db-wal'].filter((file) => existsSync(join(dataDir, file))).map((file) => readFileSync(join(dataDir, file)).toString('latin1'));
    expect(bytes.length).toBeGreaterThan(0);
    for (const text of bytes) {
      for (const secret of [rita.firstName, rita.lastName, rita.phone, rita.phone.slice(2), rita.email, 'z.q.second@example.org', ritaIp]) {
        expect(text).not.toContain(secret);
      }
    }
    const created = api.eventsInFile(`lead-${leads[0]}`)[0];
    expect(created).toMatchObject({ type: 'LeadCreated', schema_version: 2 });
    expect(created.data.borrower).toBeUndefined();
    expect(created.data.consent.ip).toBeUndefined();
    expect(created.data.sealedBorrower).toMatchObject({ alg: 'A256GCM', borrowerRef, keyId: expect.stringMatching(/^dk_/) });
    expect(created.data.borrowerKeys).toEqual([expect.stringMatching(/^phone:[0-9a-f]{64}$/), expect.stringMatching(/^email:[0-9a-f]{64}$/)]);
  });

  it('shows the contact details to a key with pii:read only, in the history, the summary and exports', async () => {
    const withPii = await api.http.get(`/v1/leads/${leads[0]}/history`).expect(200);
    expect(withPii.body.events[0].pii).toEqual({ ...rita, consentIp: ritaIp });
    expect(verifyHistory(fromJson(withPii.body))).toEqual([]);
    // The independent verifier (written from docs/ledger-format.md) notices plaintext put back into a v2 event.
    const tampered = structuredClone(withPii.body);
    tampered.events[0].data.borrower = rita;
    expect(verifyHistory(fromJson(tampered))).toEqual(expect.arrayContaining([expect.stringMatching(/hash does not match/), expect.stringMatching(/plaintext borrower/)]));
    const summary = await api.http.get(`/v1/leads/${leads[0]}`).expect(200);
    expect(summary.body).toMatchObject({ borrowerRef, borrower: { ...rita, consentIp: ritaIp }, officerId: holder, status: 'delivered' });

    const asAuditor = (path: string) => api.anonymous.get(path).set('authorization', `Bearer ${auditor.secret}`);
    const withoutPii = await asAuditor(`/v1/leads/${leads[0]}/history`).expect(200);
    expect(withoutPii.body.events[0].pii).toEqual({ redacted: true });
    expect(verifyHistory(fromJson(withoutPii.body))).toEqual([]);
    expect((await asAuditor(`/v1/leads/${leads[0]}`).expect(200)).body.borrower).toEqual({ redacted: true });
    const auditorExport = await asAuditor('/v1/exports/leads?include=summary').expect(200);
    for (const text of [JSON.stringify(withoutPii.body), auditorExport.text]) {
      expect(text).not.toContain(rita.firstName);
      expect(text).not.toContain(rita.email);
    }
  });

  it('refuses erasure to a key without pii:erase, a malformed ref and an unknown ref, appending nothing', async () => {
    const before = api.countEvents();
    const body = { reason: 'borrower asked to be forgotten' };
    const forbidden = await api.anonymous.post(`/v1/borrowers/${borrowerRef}/erase`).set('authorization', `Bearer ${auditor.secret}`).send(body);
    expect(forbidden.status).toBe(403);
    const malformed = await api.http.post('/v1/borrowers/not-a-ref/erase').send(body);
    expect(malformed.status).toBe(400);
    expect(malformed.body.details).toEqual([expect.objectContaining({ field: 'borrowerRef' })]);
    const unknown = await api.http.post(`/v1/borrowers/${'0'.repeat(32)}/erase`).send(body);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('BORROWER_NOT_FOUND');
    const noReason = await api.http.post(`/v1/borrowers/${borrowerRef}/erase`).send({});
    expect(noReason.status).toBe(400);
    expect(api.countEvents()).toBe(before);
  });

  describe('after erasure', () => {
    let erased: { borrowerRef: string; erasedAt: string; keyIds: string[]; revision: number; position: string };

    beforeAll(async () => {
      await api.http.put('/v1/admin/clock').send({ now: '2026-11-12T09:00:00.000Z' }).expect(200);
      const res = await api.http
        .post(`/v1/borrowers/${borrowerRef}/erase`)
        .set('idempotency-key', 'dsr-2026-0042')
        .send({ reason: 'borrower asked to be forgotten', requestReference: 'DSR-2026-0042' })
        .expect(200);
      erased = res.body;
    }, 60_000);

    it('answers with the destroyed key and records BorrowerErased in borrower-<ref>, with no personal data', () => {
      const keyId = api.eventsInFile(`lead-${leads[0]}`)[0].data.sealedBorrower.keyId;
      expect(erased).toEqual({ borrowerRef, erasedAt: '2026-11-12T09:00:00.000Z', keyIds: [keyId], revision: 0, position: expect.stringMatching(/^\d+$/) });
      const [event, ...more] = api.eventsInFile(`borrower-${borrowerRef}`);
      expect(more).toEqual([]);
      expect(event).toMatchObject({
        type: 'BorrowerErased',
        schema_version: 1,
        data: { borrowerRef, keyIds: [keyId], erasedAt: '2026-11-12T09:00:00.000Z', reason: 'borrower asked to be forgotten', requestReference: 'DSR-2026-0042', by: 'key:admin' },
      });
      const keyStore = readFileSync(join(dataDir, 'pii-keys.db')).toString('latin1');
      expect(keyStore).toContain(keyId); // the tombstone stays; the wrapped key is gone (libs/pii int specs)
    });

    it('shows the PII as erased everywhere, even to pii:read, and the history still verifies independently', async () => {
      const gone = { erased: true, erasedAt: '2026-11-12T09:00:00.000Z' };
      for (const leadId of leads) {
        const history = await api.http.get(`/v1/leads/${leadId}/history`).expect(200);
        expect(history.body.events[0].pii).toEqual(gone);
        expect(verifyHistory(fromJson(history.body))).toEqual([]);
        const csv = await api.http.get(`/v1/leads/${leadId}/history?format=csv`).expect(200);
        const summary = await api.http.get(`/v1/leads/${leadId}`).expect(200);
        expect(summary.body).toMatchObject({ borrowerRef, borrower: gone, officerId: holder, status: 'delivered' });
        for (const text of [JSON.stringify(history.body), csv.text, JSON.stringify(summary.body)]) expectNoPii(text);
      }
      const events = await api.http.get('/v1/exports/leads?include=events').expect(200);
      const created = events.text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
        .filter((row) => leads.includes(row.leadId) && row.type === 'LeadCreated');
      expect(created.map((row) => row.pii)).toEqual([gone, gone]);
      const summaries = await api.http.get('/v1/exports/leads?include=summary&format=csv').expect(200);
      expect(summaries.text).toContain(`${borrowerRef},erased,2026-11-12T09:00:00.000Z`);
      for (const text of [events.text, summaries.text]) expectNoPii(text);
    });

    it('lead-ledger export shows the erasure with --pii, and no contact details without it', async () => {
      const withPii = join(dataDir, 'with-pii.csv');
      const without = join(dataDir, 'without-pii.csv');
      const quiet = { stdout: process.stdout, stderr: { write: () => true } as never };
      expect(await runExport({ dataDir, include: 'summary', format: 'csv', redact: false, pii: true, output: withPii }, quiet)).toBe(0);
      expect(await runExport({ dataDir, include: 'summary', format: 'csv', redact: false, output: without }, quiet)).toBe(0);
      expect(readFileSync(withPii, 'utf8')).toContain(`${borrowerRef},erased,2026-11-12T09:00:00.000Z`);
      expect(readFileSync(without, 'utf8')).toContain(`${borrowerRef},redacted,`);
      for (const file of [withPii, without]) expectNoPii(readFileSync(file, 'utf8'));
    });

    it('keeps the routing facts, and the repeat-borrower rule still refuses a second officer', async () => {
      const routed = api.eventsInFile(`lead-${leads[0]}`).find((event) => event.type === 'LeadRouted')!;
      expect(routed.data).toMatchObject({ officerId: holder, decision: { rule: 'furthest-behind-pace' } });
      const other = holder === 'lo-ana' ? 'lo-bo' : 'lo-ana';
      const again = await api.http
        .post('/v1/leads')
        .send(aLeadBody({ marketId: 'dfw', borrower: { ...rita, email: 'z.q.third@example.org' } }))
        .expect(201);
      expect(again.body.borrowerRef).toBe(borrowerRef);
      await api.http.post(`/v1/leads/${again.body.leadId}/score`).send({ score: 80 }).expect(200);
      const before = api.countEvents();
      const refused = await api.http.post(`/v1/leads/${again.body.leadId}/route`).send({ officerId: other, reason: 'asked for the other officer' });
      expect(refused.status).toBe(422);
      expect(refused.body.details).toEqual([expect.objectContaining({ reasons: ['DUPLICATE_BORROWER'] })]);
      expect(api.countEvents()).toBe(before);
      // The new lead has a new data key: the borrower came back, and only what was erased is gone.
      expect((await api.http.get(`/v1/leads/${again.body.leadId}`).expect(200)).body.borrower).toMatchObject({ firstName: rita.firstName });
    });

    it('a repeat with the same Idempotency-Key replays the 200; without it is 409 ALREADY_ERASED; nothing appended', async () => {
      const before = api.countEvents();
      const replay = await api.http
        .post(`/v1/borrowers/${borrowerRef}/erase`)
        .set('idempotency-key', 'dsr-2026-0042')
        .send({ reason: 'borrower asked to be forgotten', requestReference: 'DSR-2026-0042' })
        .expect(200);
      expect(replay.body).toEqual(erased);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      // The third lead (made after the erasure) has a live key: erase that first, then nothing is left.
      await api.http.post(`/v1/borrowers/${borrowerRef}/erase`).send({ reason: 'again' }).expect(200);
      const afterSecond = api.countEvents();
      const twice = await api.http.post(`/v1/borrowers/${borrowerRef}/erase`).send({ reason: 'again' });
      expect(twice.status).toBe(409);
      expect(twice.body.code).toBe('ALREADY_ERASED');
      expect(api.countEvents()).toBe(afterSecond);
      expect(afterSecond).toBe(before + 1);
    });

    it('lead-ledger verify (a separate process) still passes: chain, digests, exclusivity, pace', async () => {
      await api.http.post('/v1/ledger/digests').send({}).expect(201);
      const { stdout } = await run(process.execPath, [BIN, 'verify', '--data-dir', dataDir, '--json', '--workers', '0', '--pii'], {
        cwd: tmpdir(),
        env: { ...withoutLedgerEnv(), LEAD_LEDGER_FROM_SOURCE: '1' },
        timeout: 120_000,
      });
      const report = JSON.parse(stdout);
      expect(report).toMatchObject({ ok: true, violations: [] });
      expect(report.merkle.verified).toBe(report.merkle.digests);
      // --pii: every sealed envelope either opens or was erased (this borrower's three leads were)
      expect(report.pii).toMatchObject({ unreadable: [], plaintextV1: 0 });
      expect(report.pii.erased).toBeGreaterThanOrEqual(3);
      expect(report.pii.readable + report.pii.erased).toBe(report.pii.sealed);
      expectNoPii(stdout);
    }, 180_000);
  });

  it('records an erasure interrupted between destroying the key and recording it, at the next start', async () => {
    // given: a borrower whose key is destroyed while the service is down (as if it crashed right after destroying)
    const other = await api.http
      .post('/v1/leads')
      .send(aLeadBody({ marketId: 'dfw', borrower: { firstName: 'Odalys', lastName: 'Brightwater', phone: '+12145558833', email: 'odalys@example.org' } }))
      .expect(201);
    const ref = other.body.borrowerRef;
    await api.stop();
    // (A backup of the key store from before the erasure, for the restore below.)
    const backup = join(dataDir, 'pii-keys.backup.db');
    copyFileSync(join(dataDir, 'pii-keys.db'), backup);
    const store = new SqliteDataKeyStore(join(dataDir, 'pii-keys.db'));
    const destroyed = await store.destroy(ref, { actor: 'key:admin', reason: 'interrupted request', correlationId: randomUUID() }, '2026-11-12T10:00:00.000Z');
    await store.close();
    expect(destroyed).toHaveLength(1);
    // when: the service starts again
    api = await startApp({ dataDir, env: keysEnv() });
    // then: the erasure is in the ledger, marked as recovered, and the lead reads as erased
    expect(api.eventsInFile(`borrower-${ref}`).map((event) => event.data)).toEqual([
      { borrowerRef: ref, keyIds: destroyed, erasedAt: '2026-11-12T10:00:00.000Z', reason: 'interrupted request', by: 'key:admin', recovered: true },
    ]);
    expect((await api.http.get(`/v1/leads/${other.body.leadId}`).expect(200)).body.borrower).toEqual({ erased: true, erasedAt: '2026-11-12T10:00:00.000Z' });
    expect((await api.http.post(`/v1/borrowers/${ref}/erase`).send({ reason: 'again' })).status).toBe(409);

    // given: the old key-store backup, which still holds the erased key, is restored while the service is down
    await api.stop();
    copyFileSync(backup, join(dataDir, 'pii-keys.db'));
    const restored = new SqliteDataKeyStore(join(dataDir, 'pii-keys.db'));
    expect((await restored.get(destroyed[0]))!.wrappedKey).not.toBeNull();
    await restored.close();
    // when: it starts
    api = await startApp({ dataDir, env: keysEnv() });
    // then: the key the ledger says was erased is destroyed again, and nothing new is recorded
    expect((await api.http.get(`/v1/leads/${other.body.leadId}`).expect(200)).body.borrower).toMatchObject({ erased: true });
    expect(api.eventsInFile(`borrower-${ref}`)).toHaveLength(1);
  }, 120_000);

  function expectNoPii(text: string) {
    for (const secret of [rita.firstName, rita.lastName, rita.phone, rita.email, ritaIp]) expect(text).not.toContain(secret);
  }

  function keysEnv(): Record<string, string> {
    const entries = [admin, auditor].map((key) => ({ id: key.id, sha256: sha256Hex(key.secret), scopes: key.scopes }));
    return { API_KEYS: JSON.stringify(entries), CLOCK: 'manual', RATE_LIMIT_PER_MINUTE: '0' };
  }
});

function withoutLedgerEnv(): NodeJS.ProcessEnv {
  const { LEDGER_URL: _url, DATA_DIR: _dir, ...rest } = process.env;
  return rest;
}

describe('the TCPA consent gate over HTTP (e2e, embedded ledger, manual clock)', () => {
  let api: RunningApp;

  beforeAll(async () => {
    api = await startApp({ env: { CLOCK: 'manual', CONSENT_MAX_AGE_DAYS: '7', RATE_LIMIT_PER_MINUTE: '0' } });
    await api.http.put('/v1/admin/clock').send({ now: NOW }).expect(200);
    await api.http.put('/v1/markets/dfw').send({ name: 'Dallas-Fort Worth', states: ['TX'], seatCap: 5, timeZone: 'America/Chicago' }).expect(201);
    await api.http.put('/v1/officers/lo-cy').send({ name: 'Cy', nmlsId: '123456', licensedStates: ['TX'], active: true }).expect(201);
    await api.http.put(`/v1/officers/lo-cy/allocations/${MONTH}`).send({ marketId: 'dfw', leads: 40 }).expect(201);
  }, 60_000);
  afterAll(async () => api?.close());

  it('refuses to route (override or automatic) a lead whose consent is older than CONSENT_MAX_AGE_DAYS: 422 CONSENT_INVALID naming the field, nothing appended', async () => {
    // given: consent captured 8 days before now, a lead created and scored now
    const created = await api.http
      .post('/v1/leads')
      .send(aLeadBody({ marketId: 'dfw', borrower: { firstName: 'Ines', lastName: 'Okafor', phone: '+12145557711', email: 'ines@example.org' }, consent: { tcpa: true, capturedAt: '2026-11-02T14:59:59Z', text: 'I agree.' } }))
      .expect(201);
    const leadId = created.body.leadId;
    await api.http.post(`/v1/leads/${leadId}/score`).send({ score: 70 }).expect(200);
    const before = api.countEvents();
    // when
    const override = await api.http.post(`/v1/leads/${leadId}/route`).send({ officerId: 'lo-cy', reason: 'asked for Cy' });
    const automatic = await api.http.post(`/v1/leads/${leadId}/route`).send({});
    // then
    for (const res of [override, automatic]) {
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({
        code: 'CONSENT_INVALID',
        details: [{ field: 'consent.capturedAt', reason: 'EXPIRED', message: expect.stringContaining('more than 7 days before now') }],
      });
    }
    expect(api.countEvents()).toBe(before);
    // The evidence stays in LeadCreated, as it was given.
    expect(api.eventsInFile(`lead-${leadId}`)[0].data.consent).toEqual({ tcpa: true, capturedAt: '2026-11-02T14:59:59Z', text: 'I agree.' });
  });

  it('routes the same kind of lead while its consent is within the maximum age', async () => {
    const created = await api.http
      .post('/v1/leads')
      .send(aLeadBody({ marketId: 'dfw', borrower: { firstName: 'Ines', lastName: 'Okafor', phone: '+12145557712', email: 'ines2@example.org' }, consent: { tcpa: true, capturedAt: '2026-11-03T15:00:01Z', text: 'I agree.' } }))
      .expect(201);
    await api.http.post(`/v1/leads/${created.body.leadId}/score`).send({ score: 70 }).expect(200);
    await api.http.post(`/v1/leads/${created.body.leadId}/route`).send({ officerId: 'lo-cy', reason: 'asked for Cy' }).expect(200);
  });
});
