import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { aLeadBody, RunningApp, startApp } from '../support/app-harness';
import { burst, BurstResponse } from './support/http-burst';

const OFFICER_ADA = 'officer-ada';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type LeadState = 'new' | 'scored' | 'routed' | 'delivered';

let phoneCounter = 2000;

describe('Idempotency-Key (e2e, embedded ledger)', () => {
  let api: RunningApp;
  let leadId: string;
  let key: string;

  beforeAll(async () => {
    api = await startApp();
    await onboardOfficers([OFFICER_ADA]);
  });
  afterAll(async () => api?.close());
  beforeEach(() => {
    leadId = randomUUID();
    key = `key-${randomUUID()}`;
  });

  describe('a retry with the same key and the same body', () => {
    it('create without a leadId: the same 201 and body (the same leadId), marked as replayed, and one LeadCreated', async () => {
      // given
      const body = leadBody(undefined);
      const before = api.countEvents();

      // when
      const first = await api.http.post('/v1/leads').set('idempotency-key', key).send(body);
      const afterFirst = api.countEvents();
      const retry = await api.http.post('/v1/leads').set('idempotency-key', key).send(body);

      // then
      expect(first.status).toBe(201);
      expect(first.body.leadId).toMatch(UUID);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(retry.status).toBe(201);
      expect(retry.body).toStrictEqual(first.body);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.headers.etag).toBe(first.headers.etag);
      expect(afterFirst).toBe(before + 1);
      expect(api.countEvents()).toBe(afterFirst);
      const events = api.eventsInFile(`lead-${first.body.leadId}`);
      expect(events.map((e) => e.type)).toEqual(['LeadCreated']);
      expect(events[0].metadata).toMatchObject({ idempotencyKey: key, commandId: key, causationId: key });
      expect(first.body.position).toBe(String(events[0].position));
    });

    it('a retry with the same body whose keys come in another order is still the same request', async () => {
      // given
      const body = leadBody(undefined);
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const first = await api.http.post('/v1/leads').set('idempotency-key', key).send(body);
      const afterFirst = api.countEvents();

      // when
      const retry = await api.http.post('/v1/leads').set('idempotency-key', key).send(reordered);

      // then
      expect(retry.status).toBe(201);
      expect(retry.body).toStrictEqual(first.body);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(api.countEvents()).toBe(afterFirst);
    });

    it.each<{ command: string; state: LeadState; path: string; body: object; event: string }>([
      { command: 'score', state: 'new', path: 'score', body: { score: 81, grade: 'B', reasons: ['stable job'] }, event: 'LeadScored' },
      { command: 'route', state: 'scored', path: 'route', body: { officerId: OFFICER_ADA, reason: 'regional expert' }, event: 'LeadRouted' },
      { command: 'deliver', state: 'routed', path: 'deliver', body: { officerId: OFFICER_ADA, channel: 'webhook', receipt: 'r-1' }, event: 'LeadDelivered' },
      { command: 'credit', state: 'delivered', path: 'credit', body: { reason: 'duplicate', note: 'seen last week' }, event: 'LeadCredited' },
    ])('$command: the same status and body, marked as replayed, and one $event', async ({ state, path, body, event }) => {
      // given
      await leadIn(state, leadId);
      const before = api.countEvents();

      // when
      const first = await api.http.post(`/v1/leads/${leadId}/${path}`).set('idempotency-key', key).send(body);
      const afterFirst = api.countEvents();
      const retry = await api.http.post(`/v1/leads/${leadId}/${path}`).set('idempotency-key', key).send(body);

      // then
      expect(first.status).toBe(200);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(retry.status).toBe(first.status);
      expect(retry.body).toStrictEqual(first.body);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.headers.etag).toBe(first.headers.etag);
      expect(afterFirst).toBe(before + 1);
      expect(api.countEvents()).toBe(afterFirst);
      const events = api.eventsInFile(`lead-${leadId}`);
      expect(events.filter((e) => e.type === event)).toHaveLength(1);
      expect(events.at(-1)!.metadata.idempotencyKey).toBe(key);
      expect(first.body).toMatchObject({ leadId, revision: events.at(-1)!.revision, position: String(events.at(-1)!.position) });
    });

    it('is replayed with its original answer even after the lead has moved on', async () => {
      // given: scored with a key, then routed
      await leadIn('new', leadId);
      const first = await api.http.post(`/v1/leads/${leadId}/score`).set('idempotency-key', key).send({ score: 55 });
      expect((await api.http.post(`/v1/leads/${leadId}/route`).send({ officerId: OFFICER_ADA, reason: 'moved on' })).status).toBe(200);
      const before = api.countEvents();

      // when
      const retry = await api.http.post(`/v1/leads/${leadId}/score`).set('idempotency-key', key).send({ score: 55 });

      // then
      expect(retry.status).toBe(200);
      expect(retry.body).toStrictEqual(first.body);
      expect(retry.body.revision).toBe(1);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(api.countEvents()).toBe(before);
    });

    it('is still replayed after a restart (the key lives in the ledger)', async () => {
      // given
      const first = await startApp();
      let second: RunningApp | undefined;
      try {
        const body = leadBody(undefined);
        const created = await first.http.post('/v1/leads').set('idempotency-key', key).send(body);
        await first.stop();

        // when
        second = await startApp({ dataDir: first.dataDir });
        const retry = await second.http.post('/v1/leads').set('idempotency-key', key).send(body);
        const reused = await second.http.post('/v1/leads').set('idempotency-key', key).send({ ...body, creditTier: 'poor' });

        // then
        expect(created.status).toBe(201);
        expect(retry.status).toBe(201);
        expect(retry.body).toStrictEqual(created.body);
        expect(retry.headers['idempotent-replayed']).toBe('true');
        expectRefusal(reused, 422, 'IDEMPOTENCY_KEY_REUSED');
        expect(second.countEvents()).toBe(1);
      } finally {
        if (second) await second.close();
        else await first.close();
      }
    });
  });

  describe('the same key for a different request', () => {
    it('create with a different body: 422 IDEMPOTENCY_KEY_REUSED, nothing appended', async () => {
      // given
      const first = await api.http.post('/v1/leads').set('idempotency-key', key).send(leadBody(undefined));
      const before = api.countEvents();

      // when
      const reused = await api.http.post('/v1/leads').set('idempotency-key', key).send({ ...leadBody(undefined), creditTier: 'poor' });

      // then
      expect(first.status).toBe(201);
      expectRefusal(reused, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(reused.body.details).toEqual([{ field: 'Idempotency-Key', message: expect.stringMatching(/\S/) }]);
      expect(api.countEvents()).toBe(before);
      expect(api.eventsInFile(`lead-${first.body.leadId}`)).toHaveLength(1);
    });

    it('score with a different body: 422 IDEMPOTENCY_KEY_REUSED, nothing appended', async () => {
      // given
      await leadIn('new', leadId);
      expect((await api.http.post(`/v1/leads/${leadId}/score`).set('idempotency-key', key).send({ score: 40 })).status).toBe(200);
      const before = api.countEvents();

      // when
      const reused = await api.http.post(`/v1/leads/${leadId}/score`).set('idempotency-key', key).send({ score: 41 });

      // then
      expectRefusal(reused, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(api.countEvents()).toBe(before);
      expect(api.eventsInFile(`lead-${leadId}`).map((e) => [e.type, e.data.score])).toEqual([
        ['LeadCreated', undefined],
        ['LeadScored', 40],
      ]);
    });

    it('the same body on a different lead: 422 IDEMPOTENCY_KEY_REUSED, nothing appended to the second lead', async () => {
      // given
      const otherLeadId = randomUUID();
      await leadIn('new', leadId);
      await leadIn('new', otherLeadId);
      expect((await api.http.post(`/v1/leads/${leadId}/score`).set('idempotency-key', key).send({ score: 70 })).status).toBe(200);
      const before = api.countEvents();

      // when
      const reused = await api.http.post(`/v1/leads/${otherLeadId}/score`).set('idempotency-key', key).send({ score: 70 });

      // then
      expectRefusal(reused, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(api.countEvents()).toBe(before);
      expect(api.eventsInFile(`lead-${otherLeadId}`).map((e) => e.type)).toEqual(['LeadCreated']);
    });

    it('another command on the same lead: 422 IDEMPOTENCY_KEY_REUSED, nothing appended', async () => {
      // given
      await leadIn('new', leadId);
      expect((await api.http.post(`/v1/leads/${leadId}/score`).set('idempotency-key', key).send({ score: 70 })).status).toBe(200);
      const before = api.countEvents();

      // when
      const reused = await api.http.post(`/v1/leads/${leadId}/route`).set('idempotency-key', key).send({ officerId: OFFICER_ADA, reason: 'same key' });

      // then
      expectRefusal(reused, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(api.countEvents()).toBe(before);
    });
  });

  describe('concurrent duplicates', () => {
    it('10 parallel identical creates with one key: all the same 201 body, exactly one LeadCreated', async () => {
      // given
      const body = leadBody(undefined);
      const before = api.countEvents();

      // when
      const answers = await burst(
        api,
        Array.from({ length: 10 }, () => ({ method: 'POST', path: '/v1/leads', headers: { 'idempotency-key': key }, body })),
      );

      // then
      expect(answers.map((r) => r.status)).toEqual(Array(10).fill(201));
      for (const res of answers) expect(res.body).toStrictEqual(answers[0].body);
      expect(answers.filter((r) => r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
      expect(answers.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
      expect(api.countEvents()).toBe(before + 1);
      const events = api.eventsInFile(`lead-${answers[0].body.leadId}`);
      expect(events.map((e) => e.type)).toEqual(['LeadCreated']);
      expect(answers[0].body).toStrictEqual({ leadId: answers[0].body.leadId, revision: 0, position: String(events[0].position), borrowerRef: events[0].data.borrowerRef });
    });

    it('10 parallel identical routes with one key: all the same 200 body, exactly one LeadRouted', async () => {
      // given
      await leadIn('scored', leadId);
      const before = api.countEvents();

      // when
      const answers = await burst(
        api,
        Array.from({ length: 10 }, () => ({
          method: 'POST',
          path: `/v1/leads/${leadId}/route`,
          headers: { 'idempotency-key': key },
          body: { officerId: OFFICER_ADA, reason: 'burst' },
        })),
      );

      // then
      expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
      for (const res of answers) expect(res.body).toStrictEqual(answers[0].body);
      expect(answers[0].body).toMatchObject({ leadId, officerId: OFFICER_ADA, revision: 2 });
      expect(api.countEvents()).toBe(before + 1);
      expect(api.eventsInFile(`lead-${leadId}`).filter((e) => e.type === 'LeadRouted')).toHaveLength(1);
    });

    it('10 parallel scores of one lead with one key but different bodies: one success, nine 422 IDEMPOTENCY_KEY_REUSED, one event', async () => {
      // given
      await leadIn('new', leadId);
      const before = api.countEvents();

      // when
      const answers = await burst(
        api,
        Array.from({ length: 10 }, (_, i) => ({ method: 'POST', path: `/v1/leads/${leadId}/score`, headers: { 'idempotency-key': key }, body: { score: 10 + i } })),
      );

      // then
      const accepted = answers.filter((r) => r.status === 200);
      expect(accepted).toHaveLength(1);
      for (const res of answers.filter((r) => r.status !== 200)) expectRefusal(res, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(api.countEvents()).toBe(before + 1);
      const scored = api.eventsInFile(`lead-${leadId}`).filter((e) => e.type === 'LeadScored');
      expect(scored).toHaveLength(1);
      expect(accepted[0].body).toStrictEqual({ leadId, revision: 1, position: String(scored[0].position) });
    });

    it('one key sent in parallel to 10 different leads: one success, nine 422 IDEMPOTENCY_KEY_REUSED, one event', async () => {
      // given
      const leadIds = [leadId, ...Array.from({ length: 9 }, () => randomUUID())];
      for (const id of leadIds) await leadIn('new', id);
      const before = api.countEvents();

      // when
      const answers = await burst(
        api,
        leadIds.map((id) => ({ method: 'POST', path: `/v1/leads/${id}/score`, headers: { 'idempotency-key': key }, body: { score: 33 } })),
      );

      // then
      expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
      const refused = answers.filter((r) => r.status !== 200);
      expect(refused).toHaveLength(9);
      for (const res of refused) expectRefusal(res, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(api.countEvents()).toBe(before + 1);
    });
  });

  // ---- helpers ----

  /**
   * Overrides name an existing, active, licensed officer (contract). Where the service has no
   * officer endpoint yet (404), overrides accept any officer slug and there is nothing to set up.
   */
  async function onboardOfficers(officerIds: string[]) {
    for (const officerId of officerIds) {
      const res = await api.http.put(`/v1/officers/${officerId}`).send({ name: `Officer ${officerId}`, nmlsId: '1000001', licensedStates: ['TX'], active: true });
      expect([200, 201, 404]).toContain(res.status);
    }
  }

  function leadBody(id: string | undefined) {
    phoneCounter += 1;
    return aLeadBody({
      ...(id !== undefined && { leadId: id }),
      borrower: { firstName: 'Ana', lastName: 'Ortiz', phone: `+1972555${phoneCounter}`, email: `idem-${phoneCounter}@example.com` },
    });
  }

  /** Takes a fresh lead to the given state without Idempotency-Keys. */
  async function leadIn(state: LeadState, id: string) {
    expect((await api.http.post('/v1/leads').send(leadBody(id))).status).toBe(201);
    if (state === 'new') return;
    expect((await api.http.post(`/v1/leads/${id}/score`).send({ score: 66 })).status).toBe(200);
    if (state === 'scored') return;
    expect((await api.http.post(`/v1/leads/${id}/route`).send({ officerId: OFFICER_ADA, reason: 'setup' })).status).toBe(200);
    if (state === 'routed') return;
    expect((await api.http.post(`/v1/leads/${id}/deliver`).send({ officerId: OFFICER_ADA, channel: 'crm' })).status).toBe(200);
  }

  function expectRefusal(res: Response | BurstResponse, status: number, code: string) {
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(res.body).toEqual({ code, message: expect.stringMatching(/\S/), details: expect.any(Array) });
  }
});
