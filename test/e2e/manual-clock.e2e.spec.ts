import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { aLeadBody, RunningApp, startApp } from '../support/app-harness';

/** The one fixed time this file starts the manual clock at; later times are offsets from it. */
const now = '2026-11-03T14:00:00.000Z';
const HOUR_MS = 3_600_000;
const OFFICER_ADA = 'officer-ada';
const CLOCK_STREAM = 'clock-manual';

const later = (ms: number) => new Date(Date.parse(now) + ms).toISOString();

let phoneCounter = 5000;

describe('manual clock (e2e, embedded ledger)', () => {
  describe('with CLOCK=manual', () => {
    let api: RunningApp;
    let restarted: RunningApp | undefined;
    let leadId: string;

    beforeEach(async () => {
      leadId = randomUUID();
      api = await startApp({ env: { CLOCK: 'manual' } });
    });
    afterEach(async () => {
      if (restarted) await restarted.close();
      else await api.close();
      restarted = undefined;
    });

    it('PUT sets the time (200 with now) and records ManualClockSet; GET reads it back', async () => {
      // given: a fresh ledger, the clock not set yet
      const unset = await api.http.get('/v1/admin/clock');

      // when
      const put = await api.http.put('/v1/admin/clock').send({ now: '2026-11-03T14:00:00Z' });
      const get = await api.http.get('/v1/admin/clock');

      // then
      expect(unset.status).toBe(200);
      expect(unset.body).toMatchObject({ mode: 'manual', set: false });
      const events = api.eventsInFile(CLOCK_STREAM);
      expect(events).toHaveLength(1);
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ now, revision: 0, position: String(events[0].position) });
      expect(get.status).toBe(200);
      expect(get.body).toMatchObject({ mode: 'manual', now, set: true });
      expect(events[0]).toMatchObject({ type: 'ManualClockSet', revision: 0, recorded_at: now, data: { now, previous: null } });
      expect(events[0].metadata).toMatchObject({ actor: 'key:admin' });
      expect(api.countEvents()).toBe(1);
    });

    it('stores a time given with an offset as UTC', async () => {
      // when
      const put = await api.http.put('/v1/admin/clock').send({ now: '2026-11-03T08:00:00-06:00' });

      // then
      expect(put.status).toBe(200);
      expect(put.body.now).toBe(now);
      expect((await api.http.get('/v1/admin/clock')).body.now).toBe(now);
      expect(api.eventsInFile(CLOCK_STREAM).map((e) => e.data.now)).toEqual([now]);
    });

    it("stamps every event's recordedAt and its own time field with the clock's current time", async () => {
      // given
      await onboardOfficer();

      // when: each step at its own clock time
      await setClock(now);
      await expectStatus(api.http.post('/v1/leads').send(leadBody()), 201);
      await setClock(later(1 * HOUR_MS));
      await expectStatus(api.http.post(`/v1/leads/${leadId}/score`).send({ score: 77 }), 200);
      await setClock(later(2 * HOUR_MS));
      const routed = await expectStatus(api.http.post(`/v1/leads/${leadId}/route`).send({ officerId: OFFICER_ADA, reason: 'clock test' }), 200);
      await setClock(later(3 * HOUR_MS));
      await expectStatus(api.http.post(`/v1/leads/${leadId}/deliver`).send({ officerId: OFFICER_ADA, channel: 'email' }), 200);
      await setClock(later(4 * HOUR_MS));
      await expectStatus(api.http.post(`/v1/leads/${leadId}/credit`).send({ reason: 'duplicate' }), 200);

      // then
      const events = api.eventsInFile(`lead-${leadId}`);
      expect(events.map((e) => [e.type, e.recorded_at])).toEqual([
        ['LeadCreated', now],
        ['LeadScored', later(1 * HOUR_MS)],
        ['LeadRouted', later(2 * HOUR_MS)],
        ['LeadDelivered', later(3 * HOUR_MS)],
        ['LeadCredited', later(4 * HOUR_MS)],
      ]);
      expect(events[0].data.createdAt).toBe(now);
      expect(events[1].data.scoredAt).toBe(later(1 * HOUR_MS));
      expect(events[2].data.routedAt).toBe(later(2 * HOUR_MS));
      expect(events[2].data.decision.at).toBe(later(2 * HOUR_MS));
      expect(routed.body.decision.at).toBe(later(2 * HOUR_MS));
      expect(events[3].data.deliveredAt).toBe(later(3 * HOUR_MS));
      expect(events[4].data.creditedAt).toBe(later(4 * HOUR_MS));
      const summary = await api.http.get(`/v1/leads/${leadId}`);
      expect(summary.body).toMatchObject({ createdAt: now, deliveredAt: later(3 * HOUR_MS) });
    });

    it('judges consent time against the manual clock: captured after the clock’s now (beyond 5 min skew) is 422 CONSENT_IN_FUTURE', async () => {
      // given
      await setClock(now);
      const before = api.countEvents();

      // when
      const res = await api.http.post('/v1/leads').send(leadBody({ consent: { tcpa: true, capturedAt: later(HOUR_MS), text: 'I agree.' } }));

      // then
      expectRefusal(res, 422, 'CONSENT_IN_FUTURE');
      expect(api.countEvents()).toBe(before);
    });

    it('refuses to move backwards: 409 CLOCK_BACKWARDS, nothing appended, the time unchanged', async () => {
      // given
      await setClock(later(HOUR_MS));
      const before = api.countEvents();

      // when
      const back = await api.http.put('/v1/admin/clock').send({ now });
      const oneMsBack = await api.http.put('/v1/admin/clock').send({ now: later(HOUR_MS - 1) });

      // then
      expectRefusal(back, 409, 'CLOCK_BACKWARDS');
      expectRefusal(oneMsBack, 409, 'CLOCK_BACKWARDS');
      expect(api.countEvents()).toBe(before);
      expect((await api.http.get('/v1/admin/clock')).body.now).toBe(later(HOUR_MS));
    });

    it('accepts setting the current time again and appends nothing', async () => {
      // given
      await setClock(now);
      const before = api.countEvents();

      // when
      const same = await api.http.put('/v1/admin/clock').send({ now });

      // then
      expect(same.status).toBe(200);
      expect(same.body.now).toBe(now);
      expect(api.countEvents()).toBe(before);
    });

    it('keeps its time across a restart: GET after restart, and moving back is still refused', async () => {
      // given
      await setClock(now);
      await setClock(later(24 * HOUR_MS));
      await api.stop();

      // when
      restarted = await startApp({ dataDir: api.dataDir, env: { CLOCK: 'manual' } });
      const get = await restarted.http.get('/v1/admin/clock');
      const back = await restarted.http.put('/v1/admin/clock').send({ now });
      const created = await restarted.http.post('/v1/leads').send(leadBody());

      // then
      expect(get.status).toBe(200);
      expect(get.body).toMatchObject({ mode: 'manual', now: later(24 * HOUR_MS), set: true });
      expectRefusal(back, 409, 'CLOCK_BACKWARDS');
      expect(created.status).toBe(201);
      expect(restarted.eventsInFile(`lead-${leadId}`)[0]).toMatchObject({ recorded_at: later(24 * HOUR_MS), data: { createdAt: later(24 * HOUR_MS) } });
      expect(restarted.eventsInFile(CLOCK_STREAM).map((e) => e.data)).toEqual([
        { now, previous: null },
        { now: later(24 * HOUR_MS), previous: now },
      ]);
    });

    it.each<[string, unknown]>([
      ['not a time', { now: 'yesterday' }],
      ['an impossible date', { now: '2026-02-30T10:00:00Z' }],
      ['a number', { now: 1_793_714_400_000 }],
      ['an empty string', { now: '' }],
      ['missing', {}],
    ])('refuses an invalid now (%s): 400 VALIDATION_FAILED on now, nothing appended', async (_, body) => {
      // given
      await setClock(now);
      const before = api.countEvents();

      // when
      const res = await api.http.put('/v1/admin/clock').send(body as object);

      // then
      expectRefusal(res, 400, 'VALIDATION_FAILED');
      expect([...new Set(res.body.details.map((d: { field: string }) => d.field))]).toEqual(['now']);
      expect(api.countEvents()).toBe(before);
      expect((await api.http.get('/v1/admin/clock')).body.now).toBe(now);
    });

    it('refuses a time without a zone (it would be read in the server’s local time zone): 400 VALIDATION_FAILED on now', async () => {
      // given
      await setClock(now);
      const before = api.countEvents();

      // when: 15:00 where? UTC, Chicago and Berlin give three different instants
      const res = await api.http.put('/v1/admin/clock').send({ now: '2026-11-03T15:00:00' });

      // then
      expectRefusal(res, 400, 'VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['now']);
      expect(api.countEvents()).toBe(before);
    });

    it('refuses an unknown field next to now: 400 VALIDATION_FAILED', async () => {
      // when
      const res = await api.http.put('/v1/admin/clock').send({ now, speed: 2 });

      // then
      expectRefusal(res, 400, 'VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['speed']);
      expect(api.countEvents()).toBe(0);
    });

    it('needs a key: 401 UNAUTHENTICATED for GET and PUT without one', async () => {
      // when
      const get = await api.anonymous.get('/v1/admin/clock');
      const put = await api.anonymous.put('/v1/admin/clock').send({ now });

      // then
      expectRefusal(get, 401, 'UNAUTHENTICATED');
      expectRefusal(put, 401, 'UNAUTHENTICATED');
      expect(api.countEvents()).toBe(0);
    });

    // ---- helpers ----

    async function setClock(time: string) {
      const res = await api.http.put('/v1/admin/clock').send({ now: time });
      expect(res.status).toBe(200);
      expect(res.body.now).toBe(time);
    }

    function leadBody(overrides: Record<string, unknown> = {}) {
      phoneCounter += 1;
      return aLeadBody({
        leadId,
        borrower: { firstName: 'Joe', lastName: 'Doe', phone: `+1512555${phoneCounter}`, email: `clock-${phoneCounter}@example.com` },
        ...overrides,
      });
    }

    /** Overrides name an existing officer (contract); where there is no officer endpoint yet (404) there is nothing to set up. */
    async function onboardOfficer() {
      const res = await api.http.put(`/v1/officers/${OFFICER_ADA}`).send({ name: 'Ada', nmlsId: '1000001', licensedStates: ['TX'], active: true });
      expect([200, 201, 404]).toContain(res.status);
    }
  });

  describe('with the default system clock', () => {
    let api: RunningApp;
    beforeAll(async () => (api = await startApp()));
    afterAll(async () => api?.close());

    it('has no clock endpoints: GET and PUT /v1/admin/clock are 404, nothing appended', async () => {
      // when
      const get = await api.http.get('/v1/admin/clock');
      const put = await api.http.put('/v1/admin/clock').send({ now });

      // then
      expectRefusal(get, 404, 'NOT_FOUND');
      expectRefusal(put, 404, 'NOT_FOUND');
      expect(api.countEvents()).toBe(0);
    });
  });

  // ---- helpers (shared) ----

  async function expectStatus(request: PromiseLike<Response>, status: number): Promise<Response> {
    const res = await request;
    expect(res.status).toBe(status);
    return res;
  }

  function expectRefusal(res: Response, status: number, code: string) {
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(res.body).toEqual({ code, message: expect.stringMatching(/\S/), details: expect.any(Array) });
  }
});
