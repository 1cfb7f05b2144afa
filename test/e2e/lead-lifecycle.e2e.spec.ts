import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { aLeadBody, RunningApp, startApp } from '../support/app-harness';

/** The one time the manual clock shows in this file (credit-window tests move it forward from here). */
const now = '2026-11-03T14:00:00.000Z';
const DAY_MS = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ADMIN = 'key:admin';
const OFFICER_ADA = 'officer-ada';
const OFFICER_BO = 'officer-bo';
const CSV_COLUMNS = [
  ...['position', 'revision', 'eventId', 'type', 'schemaVersion', 'recordedAt', 'correlationId', 'causationId', 'commandId', 'actor', 'data', 'metadata'],
  ...['stream', 'hash', 'prevHash', 'leafIndex', 'leafHash', 'auditPath', 'treeSize', 'rootHash', 'pii'],
];

type FileEvent = ReturnType<RunningApp['eventsInFile']>[number] & { event_id: string; schema_version: number; hash: string; prev_hash: string };

let phoneCounter = 1000;

describe('lead lifecycle (e2e, embedded ledger)', () => {
  let api: RunningApp;
  let leadId: string;

  beforeAll(async () => {
    api = await startApp({ env: { CLOCK: 'manual' } });
    await setClock(api, now);
    await onboardOfficers(api, [OFFICER_ADA, OFFICER_BO]);
  });
  afterAll(async () => api?.close());
  beforeEach(() => {
    leadId = randomUUID();
  });

  describe('the happy path: create → score → route → deliver → credit', () => {
    it('answers every step with the new revision and position, and the ledger file holds exactly those five events', async () => {
      // given
      const correlationId = `corr-${leadId}`;
      const body = aLeadBody({
        leadId,
        borrower: { firstName: 'Sarah', lastName: 'Lee', phone: '(214) 555-0199', email: 'Sarah.Lee@Example.COM' },
      });
      const routeReason = 'borrower asked for Ada by name';

      // when
      const created = await api.http.post('/v1/leads').set('x-correlation-id', correlationId).send(body);
      const scored = await api.http
        .post(`/v1/leads/${leadId}/score`)
        .set('x-correlation-id', correlationId)
        .send({ score: 87, grade: 'A', reasons: ['verified income'], model: 'acme-v3' });
      const routed = await api.http.post(`/v1/leads/${leadId}/route`).set('x-correlation-id', correlationId).send({ officerId: OFFICER_ADA, reason: routeReason });
      const delivered = await api.http
        .post(`/v1/leads/${leadId}/deliver`)
        .set('x-correlation-id', correlationId)
        .send({ officerId: OFFICER_ADA, channel: 'webhook', receipt: 'hook-202-abc' });
      const credited = await api.http
        .post(`/v1/leads/${leadId}/credit`)
        .set('x-correlation-id', correlationId)
        .send({ reason: 'disconnected_number', note: 'number out of service' });

      // then: the HTTP answers
      const events = fileEvents(leadId);
      expect(events.map((e) => e.type)).toEqual(['LeadCreated', 'LeadScored', 'LeadRouted', 'LeadDelivered', 'LeadCredited']);
      expect(events.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
      expect(created.status).toBe(201);
      expect(created.body).toStrictEqual({ leadId, revision: 0, position: String(events[0].position), borrowerRef: events[0].data.borrowerRef });
      expect(created.headers.etag).toBe('"0"');
      expect(scored.status).toBe(200);
      expect(scored.body).toStrictEqual({ leadId, revision: 1, position: String(events[1].position) });
      expect(scored.headers.etag).toBe('"1"');
      expect(routed.status).toBe(200);
      expect(routed.body).toStrictEqual({
        leadId,
        officerId: OFFICER_ADA,
        decision: { rule: 'override', reason: routeReason, by: ADMIN, at: now },
        revision: 2,
        position: String(events[2].position),
      });
      expect(routed.headers.etag).toBe('"2"');
      expect(delivered.status).toBe(200);
      expect(delivered.body).toStrictEqual({ leadId, revision: 3, position: String(events[3].position) });
      expect(delivered.headers.etag).toBe('"3"');
      expect(credited.status).toBe(200);
      expect(credited.body).toStrictEqual({ leadId, revision: 4, position: String(events[4].position) });
      expect(credited.headers.etag).toBe('"4"');

      // then: the ledger file
      for (let i = 1; i < events.length; i++) expect(events[i].position).toBeGreaterThan(events[i - 1].position);
      // LeadCreated is schema version 2: the borrower's contact details and the consent ip are sealed.
      expect(events.every((e) => e.stream === `lead-${leadId}` && e.schema_version === (e.type === 'LeadCreated' ? 2 : 1) && e.recorded_at === now)).toBe(true);
      const { ip, ...consentWithoutIp } = body.consent as { ip: string };
      expect(events[0].data).toMatchObject({
        leadId,
        marketId: null,
        source: body.source,
        borrowerRef: created.body.borrowerRef,
        property: body.property,
        loan: body.loan,
        creditTier: 'good',
        consent: consentWithoutIp,
        createdAt: now,
      });
      expect(events[0].data.borrower).toBeUndefined();
      expect(events[0].data.consent.ip).toBeUndefined();
      // Opened for this admin key (pii:read): stored normalised.
      expect((await api.http.get(`/v1/leads/${leadId}`)).body.borrower).toEqual({ firstName: 'Sarah', lastName: 'Lee', phone: '+12145550199', email: 'sarah.lee@example.com', consentIp: ip });
      expect(events[1].data).toMatchObject({ leadId, score: 87, grade: 'A', reasons: ['verified income'], model: 'acme-v3', scoredAt: now });
      expect(events[2].data).toMatchObject({ leadId, officerId: OFFICER_ADA, routedAt: now });
      expect(events[2].data.decision).toStrictEqual({ rule: 'override', reason: routeReason, by: ADMIN, at: now });
      expect(events[3].data).toMatchObject({ leadId, officerId: OFFICER_ADA, channel: 'webhook', receipt: 'hook-202-abc', deliveredAt: now });
      expect(events[4].data).toMatchObject({ leadId, officerId: OFFICER_ADA, reason: 'disconnected_number', note: 'number out of service', creditedAt: now });
      for (const event of events) {
        expect(event.metadata).toStrictEqual({
          correlationId,
          causationId: event.metadata.commandId,
          commandId: expect.stringMatching(UUID),
          requestHash: expect.stringMatching(/^[0-9a-f]{64}$/),
          actor: ADMIN,
        });
      }
      expect(new Set(events.map((e) => e.metadata.commandId)).size).toBe(5);
      expect(new Set(events.map((e) => e.metadata.requestHash)).size).toBe(5);
    });

    it('without x-correlation-id, each request gets its own generated correlation id', async () => {
      // given / when
      await createScoredLead(leadId);

      // then
      const [created, scored] = fileEvents(leadId);
      expect(created.metadata.correlationId).toMatch(UUID);
      expect(scored.metadata.correlationId).toMatch(UUID);
      expect(scored.metadata.correlationId).not.toBe(created.metadata.correlationId);
    });

    it('GET /v1/leads/:id summarises the credited lead, with its revision as ETag', async () => {
      // given
      await createDeliveredLead(leadId, OFFICER_ADA);
      expect((await api.http.post(`/v1/leads/${leadId}/credit`).send({ reason: 'fake_identity' })).status).toBe(200);

      // when
      const res = await api.http.get(`/v1/leads/${leadId}`);

      // then
      const events = fileEvents(leadId);
      const created = events[0].data;
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('"4"');
      expect(res.body).toMatchObject({
        leadId,
        status: 'credited',
        marketId: null,
        property: created.property,
        loan: created.loan,
        creditTier: created.creditTier,
        source: created.source,
        score: 72,
        officerId: OFFICER_ADA,
        failedOfficerIds: [],
        createdAt: now,
        deliveredAt: now,
        revision: 4,
        position: String(events[4].position),
      });
    });

    it('GET /v1/leads/:id/history lists every event in order, identical to the ledger file, as json, ndjson and csv', async () => {
      // given: a note that needs CSV quoting
      await createDeliveredLead(leadId, OFFICER_ADA);
      const note = 'said "wrong number", twice\nthen hung up';
      expect((await api.http.post(`/v1/leads/${leadId}/credit`).send({ reason: 'other', note })).status).toBe(200);
      const expected = fileEvents(leadId).map((e) => ({
        position: String(e.position),
        revision: e.revision,
        eventId: e.event_id,
        stream: `lead-${leadId}`,
        type: e.type,
        schemaVersion: e.schema_version,
        recordedAt: e.recorded_at,
        data: e.data,
        metadata: e.metadata,
        hash: e.hash,
        prevHash: e.prev_hash,
        // The borrower's contact details, opened for this admin key (pii:read), beside the sealed data.
        ...(e.type === 'LeadCreated' && { pii: { firstName: 'Sam', lastName: 'Rivera', phone: expect.stringMatching(/^\+1214555/), email: expect.stringMatching(/^lead-\d+@example\.com$/), consentIp: '203.0.113.7' } }),
      }));
      expect(expected.map((e) => e.type)).toEqual(['LeadCreated', 'LeadScored', 'LeadRouted', 'LeadDelivered', 'LeadCredited']);

      // when
      const asDefault = await api.http.get(`/v1/leads/${leadId}/history`);
      const asJson = await api.http.get(`/v1/leads/${leadId}/history?format=json`);
      const asNdjson = await api.http.get(`/v1/leads/${leadId}/history?format=ndjson`);
      const asCsv = await api.http.get(`/v1/leads/${leadId}/history?format=csv`);

      // then: json, with the proof against a digest recorded in the ledger (test/e2e/audit-proof.e2e.spec.ts verifies proofs)
      expect(asJson.status).toBe(200);
      expect(asJson.headers['content-type']).toMatch(/^application\/json/);
      const { proof } = asJson.body;
      const digestRow = api.eventsInFile('ledger-digests').find((e) => e.position === Number(proof.digest.position));
      expect(digestRow).toMatchObject({ type: 'LedgerDigestRecorded', data: { treeSize: proof.digest.treeSize, rootHash: proof.digest.rootHash } });
      const inclusions = expected.map((e) => ({
        position: e.position,
        leafIndex: expect.any(Number),
        leafHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        auditPath: expect.any(Array),
      }));
      expect(asJson.body).toStrictEqual({ leadId, events: expected, proof: { digest: expect.objectContaining({ treeSize: expect.any(Number) }), inclusions } });
      expect(asDefault.status).toBe(200);
      expect(asDefault.body).toStrictEqual(asJson.body);

      // then: ndjson, one event per line (with its inclusion proof), then the digest, newline-terminated
      expect(asNdjson.status).toBe(200);
      expect(asNdjson.headers['content-type']).toMatch(/^application\/x-ndjson/);
      expect(asNdjson.text.endsWith('\n')).toBe(true);
      expect(asNdjson.text.slice(0, -1).split('\n').map((line) => JSON.parse(line))).toStrictEqual([
        ...expected.map((e, i) => ({ ...e, leafIndex: proof.inclusions[i].leafIndex, leafHash: proof.inclusions[i].leafHash, auditPath: proof.inclusions[i].auditPath })),
        { type: 'proof', digest: proof.digest },
      ]);

      // then: csv, a header row, one row per event and a last row for the digest
      expect(asCsv.status).toBe(200);
      expect(asCsv.headers['content-type']).toMatch(/^text\/csv/);
      const [header, ...rows] = parseCsv(asCsv.text);
      expect(header).toEqual(CSV_COLUMNS);
      expect(rows).toHaveLength(expected.length + 1);
      rows.slice(0, -1).forEach((row, i) => {
        const e = expected[i];
        expect(row.slice(0, 10)).toEqual([
          e.position,
          String(e.revision),
          e.eventId,
          e.type,
          String(e.schemaVersion),
          e.recordedAt,
          e.metadata.correlationId,
          e.metadata.causationId,
          e.metadata.commandId,
          e.metadata.actor,
        ]);
        expect(JSON.parse(row[10])).toStrictEqual(e.data);
        expect(JSON.parse(row[11])).toStrictEqual(e.metadata);
        expect(row.slice(12, 20)).toEqual([e.stream, e.hash, e.prevHash, String(proof.inclusions[i].leafIndex), proof.inclusions[i].leafHash, proof.inclusions[i].auditPath.join('|'), '', '']);
        expect(row[20] === '' ? undefined : JSON.parse(row[20])).toEqual(asJson.body.events[i].pii);
      });
      expect(JSON.parse(rows[4][10]).note).toBe(note);
      const digest = rows[rows.length - 1];
      expect(digest[3]).toBe('LedgerDigest');
      expect([digest[0], digest[2]]).toEqual([proof.digest.position, proof.digest.eventId]);
      expect(digest.slice(-3)).toEqual([String(proof.digest.treeSize), proof.digest.rootHash, '']);
    });
  });

  describe('creating', () => {
    it('uses the leadId given in the body; creating it again is 409 LEAD_EXISTS and appends nothing', async () => {
      // given
      const first = await api.http.post('/v1/leads').send(leadBody(leadId));
      const countAfterFirst = api.countEvents();

      // when
      const second = await api.http.post('/v1/leads').send(leadBody(leadId, { creditTier: 'fair' }));

      // then
      expect(first.status).toBe(201);
      expect(first.body.leadId).toBe(leadId);
      expectRefusal(second, 409, 'LEAD_EXISTS');
      expect(api.countEvents()).toBe(countAfterFirst);
      const events = fileEvents(leadId);
      expect(events.map((e) => [e.type, e.revision, e.data.creditTier])).toEqual([['LeadCreated', 0, 'good']]);
    });

    it('stores an upper-case leadId in lower case, so the same lead cannot be created twice by changing case', async () => {
      // when
      const upper = await api.http.post('/v1/leads').send(leadBody(leadId.toUpperCase()));
      const lower = await api.http.post('/v1/leads').send(leadBody(leadId));

      // then
      expect(upper.status).toBe(201);
      expect(upper.body.leadId).toBe(leadId);
      expectRefusal(lower, 409, 'LEAD_EXISTS');
      expect(fileEvents(leadId).map((e) => e.type)).toEqual(['LeadCreated']);
      expect(api.eventsInFile(`lead-${leadId.toUpperCase()}`)).toEqual([]);
    });

    it('without a leadId, generates a fresh UUID for each lead', async () => {
      // when
      const a = await api.http.post('/v1/leads').send(leadBody(undefined));
      const b = await api.http.post('/v1/leads').send(leadBody(undefined));

      // then
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(a.body.leadId).toMatch(UUID);
      expect(b.body.leadId).toMatch(UUID);
      expect(a.body.leadId).not.toBe(b.body.leadId);
      expect(fileEvents(a.body.leadId).map((e) => e.type)).toEqual(['LeadCreated']);
      expect(fileEvents(b.body.leadId).map((e) => e.type)).toEqual(['LeadCreated']);
    });

    it('refuses TCPA consent that is false: 422 CONSENT_REQUIRED, nothing appended', async () => {
      // given
      const before = api.countEvents();

      // when
      const res = await api.http.post('/v1/leads').send(leadBody(leadId, { consent: { tcpa: false, capturedAt: '2026-11-01T15:04:05Z' } }));

      // then
      expectRefusal(res, 422, 'CONSENT_REQUIRED');
      expect(res.body.details).toEqual([{ field: 'consent.tcpa', message: 'must be true' }]);
      expect(api.countEvents()).toBe(before);
      expect(fileEvents(leadId)).toEqual([]);
      expectRefusal(await api.http.get(`/v1/leads/${leadId}`), 404, 'LEAD_NOT_FOUND');
    });

    it('refuses TCPA consent without its capture time: 422 CONSENT_REQUIRED, nothing appended', async () => {
      // given
      const before = api.countEvents();

      // when
      const res = await api.http.post('/v1/leads').send(leadBody(leadId, { consent: { tcpa: true, text: 'I agree to be contacted.' } }));

      // then
      expectRefusal(res, 422, 'CONSENT_REQUIRED');
      expect(res.body.details).toEqual([{ field: 'consent.capturedAt', message: 'required' }]);
      expect(api.countEvents()).toBe(before);
      expect(fileEvents(leadId)).toEqual([]);
    });
  });

  describe('refusals that depend on the lead state', () => {
    it('after a delivery failure the lead can be routed to another officer and delivered there', async () => {
      // given
      await createRoutedLead(leadId, OFFICER_ADA);

      // when
      const failed = await api.http.post(`/v1/leads/${leadId}/delivery-failures`).send({ officerId: OFFICER_ADA, reason: 'webhook answered 500' });
      const rerouted = await api.http.post(`/v1/leads/${leadId}/route`).send({ officerId: OFFICER_BO, reason: 'Ada unreachable' });
      const delivered = await api.http.post(`/v1/leads/${leadId}/deliver`).send({ officerId: OFFICER_BO, channel: 'email' });

      // then
      const events = fileEvents(leadId);
      expect(events.map((e) => [e.revision, e.type])).toEqual([
        [0, 'LeadCreated'],
        [1, 'LeadScored'],
        [2, 'LeadRouted'],
        [3, 'LeadDeliveryFailed'],
        [4, 'LeadRouted'],
        [5, 'LeadDelivered'],
      ]);
      expect(failed.status).toBe(200);
      expect(failed.body).toStrictEqual({ leadId, revision: 3, position: String(events[3].position) });
      expect(events[3].data).toMatchObject({ leadId, officerId: OFFICER_ADA, reason: 'webhook answered 500', failedAt: now });
      expect(rerouted.status).toBe(200);
      expect(rerouted.body).toStrictEqual({
        leadId,
        officerId: OFFICER_BO,
        decision: { rule: 'override', reason: 'Ada unreachable', by: ADMIN, at: now },
        revision: 4,
        position: String(events[4].position),
      });
      expect(events[4].data.officerId).toBe(OFFICER_BO);
      expect(delivered.status).toBe(200);
      expect(events[5].data).toMatchObject({ leadId, officerId: OFFICER_BO, channel: 'email', deliveredAt: now });
      expect(events[5].data).not.toHaveProperty('receipt');
      const summary = await api.http.get(`/v1/leads/${leadId}`);
      expect(summary.body).toMatchObject({ status: 'delivered', officerId: OFFICER_BO, failedOfficerIds: [OFFICER_ADA], revision: 5 });
    });

    it('refuses to deliver to an officer other than the routed one: 409 WRONG_OFFICER', async () => {
      // given
      await createRoutedLead(leadId, OFFICER_ADA);
      // when / then
      await expectRefusedWithNothingAppended(api.http.post(`/v1/leads/${leadId}/deliver`).send({ officerId: OFFICER_BO, channel: 'sms' }), 409, 'WRONG_OFFICER');
    });

    it('refuses a second delivery: 409 LEAD_ALREADY_DELIVERED', async () => {
      // given
      await createDeliveredLead(leadId, OFFICER_ADA);
      // when / then
      await expectRefusedWithNothingAppended(
        api.http.post(`/v1/leads/${leadId}/deliver`).send({ officerId: OFFICER_ADA, channel: 'webhook' }),
        409,
        'LEAD_ALREADY_DELIVERED',
      );
    });

    it('refuses a second route of a routed lead: 409 LEAD_ALREADY_ROUTED', async () => {
      // given
      await createRoutedLead(leadId, OFFICER_ADA);
      // when / then
      await expectRefusedWithNothingAppended(
        api.http.post(`/v1/leads/${leadId}/route`).send({ officerId: OFFICER_BO, reason: 'second opinion' }),
        409,
        'LEAD_ALREADY_ROUTED',
      );
      expect(fileEvents(leadId).filter((e) => e.type === 'LeadRouted').map((e) => e.data.officerId)).toEqual([OFFICER_ADA]);
    });

    it('refuses to credit an undelivered lead: 409 LEAD_NOT_DELIVERED', async () => {
      // given
      await createRoutedLead(leadId, OFFICER_ADA);
      // when / then
      await expectRefusedWithNothingAppended(api.http.post(`/v1/leads/${leadId}/credit`).send({ reason: 'duplicate' }), 409, 'LEAD_NOT_DELIVERED');
    });

    it('refuses a second credit: 409 LEAD_ALREADY_CREDITED', async () => {
      // given
      await createDeliveredLead(leadId, OFFICER_ADA);
      expect((await api.http.post(`/v1/leads/${leadId}/credit`).send({ reason: 'duplicate' })).status).toBe(200);
      // when / then
      await expectRefusedWithNothingAppended(api.http.post(`/v1/leads/${leadId}/credit`).send({ reason: 'duplicate' }), 409, 'LEAD_ALREADY_CREDITED');
      expect(fileEvents(leadId).filter((e) => e.type === 'LeadCredited')).toHaveLength(1);
    });

    it('refuses to rescore a routed lead: 409 LEAD_ALREADY_ROUTED', async () => {
      // given
      await createRoutedLead(leadId, OFFICER_ADA);
      // when / then
      await expectRefusedWithNothingAppended(api.http.post(`/v1/leads/${leadId}/score`).send({ score: 10 }), 409, 'LEAD_ALREADY_ROUTED');
    });

    it('refuses to route an unscored lead: 422 LEAD_NOT_SCORED', async () => {
      // given
      expect((await api.http.post('/v1/leads').send(leadBody(leadId))).status).toBe(201);
      // when / then
      await expectRefusedWithNothingAppended(
        api.http.post(`/v1/leads/${leadId}/route`).send({ officerId: OFFICER_ADA, reason: 'hot lead' }),
        422,
        'LEAD_NOT_SCORED',
      );
    });

    it('refuses an automatic route ({}) it cannot decide: 422 AUTOMATIC_ROUTING_UNAVAILABLE, or NO_MARKET once the rule exists (no market covers TX 75201 here)', async () => {
      // given
      await createScoredLead(leadId);
      const before = api.countEvents();

      // when
      const res = await api.http.post(`/v1/leads/${leadId}/route`).send({});

      // then
      expect(res.status).toBe(422);
      expect(['AUTOMATIC_ROUTING_UNAVAILABLE', 'NO_MARKET']).toContain(res.body.code);
      expectRefusal(res, 422, res.body.code);
      expect(api.countEvents()).toBe(before);
      expect(fileEvents(leadId).map((e) => e.type)).toEqual(['LeadCreated', 'LeadScored']);
    });
  });

  describe('unknown leads and authentication', () => {
    it('answers 404 LEAD_NOT_FOUND for an unknown lead on score, GET and history, appending nothing', async () => {
      // given
      const before = api.countEvents();

      // when
      const score = await api.http.post(`/v1/leads/${leadId}/score`).send({ score: 50 });
      const summary = await api.http.get(`/v1/leads/${leadId}`);
      const history = await api.http.get(`/v1/leads/${leadId}/history`);

      // then
      expectRefusal(score, 404, 'LEAD_NOT_FOUND');
      expectRefusal(summary, 404, 'LEAD_NOT_FOUND');
      expectRefusal(history, 404, 'LEAD_NOT_FOUND');
      expect(api.countEvents()).toBe(before);
    });

    it('answers 401 UNAUTHENTICATED without a key, with an unknown key, or with a non-Bearer scheme, appending nothing', async () => {
      // given
      await createScoredLead(leadId);
      const before = api.countEvents();
      const wrongKey = `Bearer ${api.adminKey}x`;

      // when
      const answers = [
        await api.anonymous.post('/v1/leads').send(leadBody(randomUUID())),
        await api.anonymous.get(`/v1/leads/${leadId}`),
        await api.anonymous.post(`/v1/leads/${leadId}/route`).send({ officerId: OFFICER_ADA, reason: 'no key' }),
        await api.anonymous.post('/v1/leads').set('authorization', wrongKey).send(leadBody(randomUUID())),
        await api.anonymous.get(`/v1/leads/${leadId}/history`).set('authorization', wrongKey),
        await api.anonymous.get(`/v1/leads/${leadId}`).set('authorization', `Basic ${api.adminKey}`),
      ];

      // then
      for (const res of answers) expectRefusal(res, 401, 'UNAUTHENTICATED');
      expect(api.countEvents()).toBe(before);
    });
  });

  describe('If-Match', () => {
    it('accepts a command whose If-Match is the current revision, quoted (the ETag as read) or bare', async () => {
      // given
      expect((await api.http.post('/v1/leads').send(leadBody(leadId))).status).toBe(201);
      const read = await api.http.get(`/v1/leads/${leadId}`);

      // when
      const scored = await api.http.post(`/v1/leads/${leadId}/score`).set('if-match', read.headers.etag).send({ score: 64 });
      const routed = await api.http.post(`/v1/leads/${leadId}/route`).set('if-match', '1').send({ officerId: OFFICER_ADA, reason: 'checked' });

      // then
      expect(read.headers.etag).toBe('"0"');
      expect(scored.status).toBe(200);
      expect(scored.body.revision).toBe(1);
      expect(routed.status).toBe(200);
      expect(routed.body.revision).toBe(2);
      expect(fileEvents(leadId).map((e) => e.type)).toEqual(['LeadCreated', 'LeadScored', 'LeadRouted']);
    });

    it('refuses a stale If-Match: 409 REVISION_MISMATCH, nothing appended', async () => {
      // given: the caller read revision 0, then somebody scored the lead
      await createScoredLead(leadId);
      // when / then
      await expectRefusedWithNothingAppended(
        api.http.post(`/v1/leads/${leadId}/route`).set('if-match', '"0"').send({ officerId: OFFICER_ADA, reason: 'stale read' }),
        409,
        'REVISION_MISMATCH',
      );
    });

    it('refuses a malformed If-Match: 400 VALIDATION_FAILED on the If-Match field, nothing appended', async () => {
      // given
      await createScoredLead(leadId);
      // when
      const res = await expectRefusedWithNothingAppended(
        api.http.post(`/v1/leads/${leadId}/route`).set('if-match', 'latest').send({ officerId: OFFICER_ADA, reason: 'bad header' }),
        400,
        'VALIDATION_FAILED',
      );
      // then
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['If-Match']);
    });
  });

  describe('credit window (CLOCK=manual)', () => {
    let clocked: RunningApp;
    afterEach(async () => clocked?.close());

    it('accepts a credit exactly 14 days after delivery, and refuses one 14 days and 1 second after: 422 CREDIT_WINDOW_CLOSED', async () => {
      // given: two leads delivered at `now`
      clocked = await startApp({ env: { CLOCK: 'manual' } });
      await onboardOfficers(clocked, [OFFICER_ADA, OFFICER_BO]);
      const atEdge = leadId;
      const pastEdge = randomUUID();
      await setClock(clocked, now);
      await createDeliveredLead(atEdge, OFFICER_ADA, clocked);
      await createDeliveredLead(pastEdge, OFFICER_BO, clocked);
      const edge = new Date(Date.parse(now) + 14 * DAY_MS).toISOString();
      const oneSecondLate = new Date(Date.parse(now) + 14 * DAY_MS + 1000).toISOString();

      // when
      await setClock(clocked, edge);
      const accepted = await clocked.http.post(`/v1/leads/${atEdge}/credit`).send({ reason: 'out_of_market' });
      await setClock(clocked, oneSecondLate);
      const before = clocked.countEvents();
      const refused = await clocked.http.post(`/v1/leads/${pastEdge}/credit`).send({ reason: 'out_of_market' });

      // then
      expect(accepted.status).toBe(200);
      const credited = clocked.eventsInFile(`lead-${atEdge}`).at(-1)!;
      expect(credited.type).toBe('LeadCredited');
      expect(credited.data.creditedAt).toBe(edge);
      expect(credited.recorded_at).toBe(edge);
      expectRefusal(refused, 422, 'CREDIT_WINDOW_CLOSED');
      expect(refused.body.message).toContain(edge);
      expect(clocked.countEvents()).toBe(before);
      expect(clocked.eventsInFile(`lead-${pastEdge}`).map((e) => e.type)).toEqual(['LeadCreated', 'LeadScored', 'LeadRouted', 'LeadDelivered']);
    });

    it('uses CREDIT_WINDOW_DAYS when it is set', async () => {
      // given
      clocked = await startApp({ env: { CLOCK: 'manual', CREDIT_WINDOW_DAYS: '2' } });
      await setClock(clocked, now);
      await onboardOfficers(clocked, [OFFICER_ADA]);
      await createDeliveredLead(leadId, OFFICER_ADA, clocked);
      await setClock(clocked, new Date(Date.parse(now) + 2 * DAY_MS + 1000).toISOString());
      const before = clocked.countEvents();

      // when
      const res = await clocked.http.post(`/v1/leads/${leadId}/credit`).send({ reason: 'fake_identity' });

      // then
      expectRefusal(res, 422, 'CREDIT_WINDOW_CLOSED');
      expect(clocked.countEvents()).toBe(before);
    });
  });

  describe('restart', () => {
    let first: RunningApp | undefined;
    let second: RunningApp | undefined;
    afterEach(async () => {
      await second?.close();
      if (!second) await first?.close();
      first = second = undefined;
    });

    it('keeps every event: after stop() and a start on the same data dir the history is identical and the lead can move on', async () => {
      // given
      first = await startApp();
      await onboardOfficers(first, [OFFICER_ADA]);
      await createDeliveredLead(leadId, OFFICER_ADA, first);
      const historyBefore = await first.http.get(`/v1/leads/${leadId}/history`);
      const summaryBefore = await first.http.get(`/v1/leads/${leadId}`);
      await first.stop();

      // when
      second = await startApp({ dataDir: first.dataDir });
      const historyAfter = await second.http.get(`/v1/leads/${leadId}/history`);
      const summaryAfter = await second.http.get(`/v1/leads/${leadId}`);
      const credited = await second.http.post(`/v1/leads/${leadId}/credit`).send({ reason: 'already_in_loan' });

      // then
      expect(second.adminKey).toBe(first.adminKey);
      expect(historyBefore.status).toBe(200);
      expect(historyBefore.body.events).toHaveLength(4);
      expect(historyAfter.status).toBe(200);
      expect(historyAfter.body).toStrictEqual(historyBefore.body);
      expect(summaryAfter.body).toStrictEqual(summaryBefore.body);
      expect(credited.status).toBe(200);
      expect(credited.body.revision).toBe(4);
      expect(second.eventsInFile(`lead-${leadId}`).map((e) => e.type)).toEqual(['LeadCreated', 'LeadScored', 'LeadRouted', 'LeadDelivered', 'LeadCredited']);
    });
  });

  // ---- helpers ----

  function fileEvents(id: string, app: RunningApp = api): FileEvent[] {
    return app.eventsInFile(`lead-${id}`) as FileEvent[];
  }

  /** A valid create body with a borrower of its own (so leads never look like one repeat borrower). */
  function leadBody(id: string | undefined, overrides: Record<string, unknown> = {}) {
    phoneCounter += 1;
    return aLeadBody({
      ...(id !== undefined && { leadId: id }),
      borrower: { firstName: 'Sam', lastName: 'Rivera', phone: `+1214555${phoneCounter}`, email: `lead-${phoneCounter}@example.com` },
      ...overrides,
    });
  }

  async function createScoredLead(id: string, app: RunningApp = api) {
    expect((await app.http.post('/v1/leads').send(leadBody(id))).status).toBe(201);
    expect((await app.http.post(`/v1/leads/${id}/score`).send({ score: 72 })).status).toBe(200);
  }

  async function createRoutedLead(id: string, officerId: string, app: RunningApp = api) {
    await createScoredLead(id, app);
    expect((await app.http.post(`/v1/leads/${id}/route`).send({ officerId, reason: 'test setup' })).status).toBe(200);
  }

  async function createDeliveredLead(id: string, officerId: string, app: RunningApp = api) {
    await createRoutedLead(id, officerId, app);
    expect((await app.http.post(`/v1/leads/${id}/deliver`).send({ officerId, channel: 'crm' })).status).toBe(200);
  }

  /**
   * Overrides name an existing, active, licensed officer (contract). Where the service has no
   * officer endpoint yet (404), overrides accept any officer slug and there is nothing to set up.
   */
  async function onboardOfficers(app: RunningApp, officerIds: string[]) {
    for (const officerId of officerIds) {
      const res = await app.http.put(`/v1/officers/${officerId}`).send({ name: `Officer ${officerId}`, nmlsId: '1000001', licensedStates: ['TX'], active: true });
      expect([200, 201, 404]).toContain(res.status);
    }
  }

  async function setClock(app: RunningApp, time: string) {
    const res = await app.http.put('/v1/admin/clock').send({ now: time });
    expect(res.status).toBe(200);
    expect(res.body.now).toBe(time);
  }

  function expectRefusal(res: Response, status: number, code: string) {
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(res.body).toEqual({ code, message: expect.stringMatching(/\S/), details: expect.any(Array) });
  }

  async function expectRefusedWithNothingAppended(request: PromiseLike<Response>, status: number, code: string): Promise<Response> {
    const before = api.countEvents();
    const streamBefore = fileEvents(leadId);
    const res = await request;
    expectRefusal(res, status, code);
    expect(api.countEvents()).toBe(before);
    expect(fileEvents(leadId)).toEqual(streamBefore);
    return res;
  }

  /** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. */
  function parseCsv(text: string): string[][] {
    const rows: string[][] = [];
    let row: string[] = [];
    let field = '';
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (quoted) {
        if (ch !== '"') field += ch;
        else if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') {
        row.push(field);
        field = '';
      } else if (ch === '\n' || ch === '\r') {
        if (ch === '\r' && text[i + 1] === '\n') i++;
        row.push(field);
        rows.push(row);
        row = [];
        field = '';
      } else field += ch;
    }
    if (field !== '' || row.length > 0) {
      row.push(field);
      rows.push(row);
    }
    return rows;
  }
});
