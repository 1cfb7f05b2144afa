import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { RunningApp, startApp } from '../support/app-harness';
import { burst } from './support/http-burst';

/** The one fixed time the main suite runs at (manual clock): 2026-11-02 06:00 in Chicago. */
const now = '2026-11-02T12:00:00.000Z';
const month = '2026-11';
/** November 2026 in America/Chicago: CDT (UTC-5) at its start, CST (UTC-6) after 1 November. */
const november = { from: '2026-11-01T05:00:00.000Z', to: '2026-12-01T06:00:00.000Z' };
const HOUR_MS = 3_600_000;

describe('reference data (e2e, embedded ledger)', () => {
  let api: RunningApp;

  beforeAll(async () => {
    api = await startApp({ env: { CLOCK: 'manual' } });
    await setClock(api, now);
  });
  afterAll(async () => api?.close());

  describe('PUT /v1/markets/:marketId', () => {
    it('opens a new market: 201 with the settings and defaults, one MarketOpened', async () => {
      // given
      const marketId = slug('dfw');

      // when
      const res = await api.http.put(`/v1/markets/${marketId}`).send({ name: 'Dallas-Fort Worth', states: ['TX', 'OK'], seatCap: 5, timeZone: 'America/Chicago' });

      // then
      const [opened] = api.eventsInFile(`market-${marketId}`);
      const settings = {
        marketId,
        name: 'Dallas-Fort Worth',
        states: ['OK', 'TX'],
        zipPrefixes: [],
        seatCap: 5,
        timeZone: 'America/Chicago',
        paceTolerance: null,
        dedupeWindowDays: 30,
      };
      expect(res.status).toBe(201);
      expect(res.headers.etag).toBe('"0"');
      expect(res.body).toStrictEqual({ ...settings, revision: 0, position: String(opened.position) });
      expect(api.eventsInFile(`market-${marketId}`)).toHaveLength(1);
      expect(opened).toMatchObject({ type: 'MarketOpened', revision: 0, data: { ...settings, openedAt: now }, recorded_at: now });
    });

    it('changes a market: 200 and MarketChanged with the whole new set; GET reads it back', async () => {
      // given
      const marketId = await aMarket({ seatCap: 5 });

      // when
      const res = await api.http
        .put(`/v1/markets/${marketId}`)
        .send({ name: 'DFW', states: ['TX'], zipPrefixes: ['761', '750'], seatCap: 8, timeZone: 'America/Chicago', paceTolerance: 2, dedupeWindowDays: 45 });
      const get = await api.http.get(`/v1/markets/${marketId}`);

      // then
      const settings = { marketId, name: 'DFW', states: ['TX'], zipPrefixes: ['750', '761'], seatCap: 8, timeZone: 'America/Chicago', paceTolerance: 2, dedupeWindowDays: 45 };
      const events = api.eventsInFile(`market-${marketId}`);
      expect(res.status).toBe(200);
      expect(res.body).toStrictEqual({ ...settings, revision: 1, position: String(events[1].position) });
      expect(events.map((e) => e.type)).toEqual(['MarketOpened', 'MarketChanged']);
      expect(events[1].data).toStrictEqual({ ...settings, changedAt: now });
      expect(get.status).toBe(200);
      expect(get.headers.etag).toBe('"1"');
      expect(get.body).toStrictEqual({ ...settings, revision: 1, position: String(events[1].position) });
    });

    it('records nothing for identical settings (states in another order): 200 with the current revision', async () => {
      // given
      const marketId = await aMarket({ states: ['TX', 'OK'] });
      const before = api.countEvents();

      // when
      const res = await api.http.put(`/v1/markets/${marketId}`).send(aMarketBody({ states: ['OK', 'TX'] }));

      // then
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ marketId, states: ['OK', 'TX'], revision: 0 });
      expect(api.countEvents()).toBe(before);
    });

    it('honours If-Match (409 REVISION_MISMATCH) and replays an Idempotency-Key (same status and body, nothing appended)', async () => {
      // given
      const marketId = slug('okc');
      const key = randomUUID();
      const first = await api.http.put(`/v1/markets/${marketId}`).set('idempotency-key', key).send(aMarketBody());
      const before = api.countEvents();

      // when
      const replay = await api.http.put(`/v1/markets/${marketId}`).set('idempotency-key', key).send(aMarketBody());
      const stale = await api.http.put(`/v1/markets/${marketId}`).set('if-match', '"3"').send(aMarketBody({ seatCap: 9 }));

      // then
      expect(first.status).toBe(201);
      expect(replay.status).toBe(201);
      expect(replay.body).toStrictEqual(first.body);
      expectRefusal(stale, 409, 'REVISION_MISMATCH');
      expect(api.countEvents()).toBe(before);
    });

    it('GET of an unknown market is 404 MARKET_NOT_FOUND', async () => {
      expectRefusal(await api.http.get(`/v1/markets/${slug('nowhere')}`), 404, 'MARKET_NOT_FOUND');
    });
  });

  describe('PUT /v1/officers/:officerId', () => {
    it('onboards (201), changes (200), and records nothing for the same profile (200); GET reads it back', async () => {
      // given
      const officerId = slug('ada');
      const profile = { name: 'Ada Lovelace', nmlsId: '1000001', licensedStates: ['TX'], active: true };

      // when
      const onboarded = await api.http.put(`/v1/officers/${officerId}`).send(profile);
      const changed = await api.http.put(`/v1/officers/${officerId}`).send({ ...profile, licensedStates: ['TX', 'OK'], active: false });
      const same = await api.http.put(`/v1/officers/${officerId}`).send({ ...profile, licensedStates: ['OK', 'TX'], active: false });
      const get = await api.http.get(`/v1/officers/${officerId}`);

      // then
      const events = api.eventsInFile(`officer-${officerId}`);
      expect(events.map((e) => e.type)).toEqual(['OfficerOnboarded', 'OfficerChanged']);
      expect(events[0].data).toStrictEqual({ officerId, ...profile, onboardedAt: now });
      expect(events[1].data).toStrictEqual({ officerId, ...profile, licensedStates: ['OK', 'TX'], active: false, changedAt: now });
      expect(onboarded.status).toBe(201);
      expect(onboarded.body).toStrictEqual({ officerId, ...profile, revision: 0, position: String(events[0].position) });
      expect(changed.status).toBe(200);
      expect(changed.body).toStrictEqual({ officerId, ...profile, licensedStates: ['OK', 'TX'], active: false, revision: 1, position: String(events[1].position) });
      expect(same.status).toBe(200);
      expect(same.body).toStrictEqual(changed.body);
      expect(get.status).toBe(200);
      expect(get.body).toStrictEqual(changed.body);
    });

    it('GET of an unknown officer is 404 OFFICER_NOT_FOUND', async () => {
      expectRefusal(await api.http.get(`/v1/officers/${slug('nobody')}`), 404, 'OFFICER_NOT_FOUND');
    });
  });

  describe('PUT /v1/officers/:officerId/allocations/:month', () => {
    it('contracts a mid-month allocation: activeFrom is local midnight of startsOn in the market zone', async () => {
      // given
      const marketId = await aMarket();
      const officerId = await anOfficer();
      const filters = { loanTypes: ['refinance', 'purchase'], minLoanAmount: 100000, maxLoanAmount: 900000, creditTiers: ['good'], minScore: 40, states: ['TX'] };

      // when
      const res = await contract(officerId, { marketId, leads: 40, startsOn: '2026-11-15', filters });

      // then
      const terms = {
        officerId,
        month,
        marketId,
        leads: 40,
        startsOn: '2026-11-15',
        filters: { ...filters, loanTypes: ['purchase', 'refinance'] },
        monthWindow: november,
        activeFrom: '2026-11-15T06:00:00.000Z',
      };
      const events = api.eventsInFile(`allocation-${officerId}.${month}`);
      expect(res.status).toBe(201);
      expect(res.headers.etag).toBe('"0"');
      expect(res.body).toStrictEqual({ ...terms, paused: false, cancelled: false, revision: 0, position: String(events[0].position) });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'AllocationContracted', data: { ...terms, contractedAt: now } });
    });

    it('changes the terms (200, AllocationChanged) and records nothing for the same terms again (200)', async () => {
      // given
      const marketId = await aMarket();
      const officerId = await anOfficer();
      expect((await contract(officerId, { marketId, leads: 40 })).status).toBe(201);

      // when
      const changed = await contract(officerId, { marketId, leads: 55, filters: { creditTiers: ['good', 'excellent'] } });
      const same = await contract(officerId, { marketId, leads: 55, filters: { creditTiers: ['excellent', 'good'] } });

      // then
      const events = api.eventsInFile(`allocation-${officerId}.${month}`);
      expect(events.map((e) => e.type)).toEqual(['AllocationContracted', 'AllocationChanged']);
      expect(events[1].data).toStrictEqual({
        officerId,
        month,
        marketId,
        leads: 55,
        startsOn: null,
        filters: { creditTiers: ['excellent', 'good'] },
        monthWindow: november,
        activeFrom: november.from,
        changedAt: now,
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ leads: 55, revision: 1, position: String(events[1].position) });
      expect(same.status).toBe(200);
      expect(same.body).toStrictEqual(changed.body);
    });

    it.each([
      ['an unknown officer', 404, 'OFFICER_NOT_FOUND', async () => ({ officerId: slug('ghost'), body: { marketId: await aMarket(), leads: 10 } })],
      ['an unknown market', 422, 'UNKNOWN_MARKET', async () => ({ officerId: await anOfficer(), body: { marketId: slug('atlantis'), leads: 10 } })],
      ['an officer licensed in none of the market\'s states', 422, 'NOT_LICENSED_IN_MARKET', async () => ({ officerId: await anOfficer(['CA']), body: { marketId: await aMarket(), leads: 10 } })],
      ['state filters outside the market', 422, 'FILTER_STATES_OUTSIDE_MARKET', async () => ({ officerId: await anOfficer(), body: { marketId: await aMarket(), leads: 10, filters: { states: ['TX', 'CA'] } } })],
      ['a minimum loan amount above the maximum', 422, 'FILTER_LOAN_AMOUNT_RANGE_EMPTY', async () => ({ officerId: await anOfficer(), body: { marketId: await aMarket(), leads: 10, filters: { minLoanAmount: 5e5, maxLoanAmount: 4e5 } } })],
      ['startsOn that is not a day of the month', 422, 'STARTS_OUTSIDE_MONTH', async () => ({ officerId: await anOfficer(), body: { marketId: await aMarket(), leads: 10, startsOn: '2026-11-31' } })],
      ['startsOn in the next month', 422, 'STARTS_OUTSIDE_MONTH', async () => ({ officerId: await anOfficer(), body: { marketId: await aMarket(), leads: 10, startsOn: '2026-12-01' } })],
      ['a month that has ended', 422, 'MONTH_ENDED', async () => ({ officerId: await anOfficer(), body: { marketId: await aMarket(), leads: 10 }, month: '2026-10' })],
    ])('refuses %s (%i %s) and appends nothing', async (_, status, code, setup) => {
      // given
      const { officerId, body, month: theMonth = month }: { officerId: string; body: object; month?: string } = await setup();
      const before = api.countEvents();

      // when
      const res = await contract(officerId, body, theMonth);

      // then
      expectRefusal(res, status, code);
      expect(api.countEvents()).toBe(before);
    });

    it('refuses to move an allocation to another market (409 ALLOCATION_MARKET_FIXED)', async () => {
      // given
      const [dfw, okc] = [await aMarket(), await aMarket()];
      const officerId = await anOfficer();
      expect((await contract(officerId, { marketId: dfw, leads: 10 })).status).toBe(201);
      const before = api.countEvents();

      // when
      const res = await contract(officerId, { marketId: okc, leads: 10 });

      // then
      expectRefusal(res, 409, 'ALLOCATION_MARKET_FIXED');
      expect(api.countEvents()).toBe(before);
    });
  });

  describe('pause, resume and cancel', () => {
    it('pause → 409 on a second pause → resume → 409 on a second resume → cancel → 409 on anything after', async () => {
      // given
      const marketId = await aMarket();
      const officerId = await anOfficer();
      expect((await contract(officerId, { marketId, leads: 20 })).status).toBe(201);
      const path = `/v1/officers/${officerId}/allocations/${month}`;

      // when / then
      const paused = await api.http.post(`${path}/pause`).send({ reason: 'on vacation' });
      expect(paused.status).toBe(200);
      expect(paused.body).toMatchObject({ officerId, month, marketId, paused: true, cancelled: false, revision: 1 });
      expectRefusal(await api.http.post(`${path}/pause`).send({ reason: 'again' }), 409, 'ALLOCATION_PAUSED');

      const resumed = await api.http.post(`${path}/resume`).send({});
      expect(resumed.status).toBe(200);
      expect(resumed.body).toMatchObject({ paused: false, cancelled: false, revision: 2 });
      expectRefusal(await api.http.post(`${path}/resume`).send({}), 409, 'ALLOCATION_NOT_PAUSED');

      const cancelled = await api.http.post(`${path}/cancel`).send({ reason: 'left the company' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ paused: false, cancelled: true, revision: 3 });
      expectRefusal(await api.http.post(`${path}/cancel`).send({ reason: 'again' }), 409, 'ALLOCATION_CANCELLED');
      expectRefusal(await api.http.post(`${path}/pause`).send({ reason: 'again' }), 409, 'ALLOCATION_CANCELLED');
      expectRefusal(await api.http.post(`${path}/resume`).send({}), 409, 'ALLOCATION_CANCELLED');
      expectRefusal(await contract(officerId, { marketId, leads: 20 }), 409, 'ALLOCATION_CANCELLED');

      const events = api.eventsInFile(`allocation-${officerId}.${month}`);
      expect(events.map((e) => [e.type, e.data])).toEqual([
        ['AllocationContracted', expect.anything()],
        ['AllocationPaused', { officerId, month, marketId, reason: 'on vacation', pausedAt: now }],
        ['AllocationResumed', { officerId, month, marketId, resumedAt: now }],
        ['AllocationCancelled', { officerId, month, marketId, reason: 'left the company', cancelledAt: now }],
      ]);
    });

    it.each(['pause', 'resume', 'cancel'])('%s of an allocation that does not exist is 404 ALLOCATION_NOT_FOUND', async (action) => {
      const officerId = await anOfficer();
      const res = await api.http.post(`/v1/officers/${officerId}/allocations/${month}/${action}`).send(action === 'resume' ? {} : { reason: 'why not' });
      expectRefusal(res, 404, 'ALLOCATION_NOT_FOUND');
    });
  });

  describe('the seat cap', () => {
    it('refuses the cap+1st officer (409); a change takes no second seat; a cancellation frees a seat', async () => {
      // given
      const marketId = await aMarket({ seatCap: 2 });
      const [ada, bo, cy] = [await anOfficer(), await anOfficer(), await anOfficer()];
      expect((await contract(ada, { marketId, leads: 10 })).status).toBe(201);
      expect((await contract(bo, { marketId, leads: 10 })).status).toBe(201);

      // when / then
      const before = api.countEvents();
      expectRefusal(await contract(cy, { marketId, leads: 10 }), 409, 'SEAT_CAP_REACHED');
      expect(api.countEvents()).toBe(before);

      expect((await contract(ada, { marketId, leads: 25 })).status).toBe(200);
      expectRefusal(await contract(cy, { marketId, leads: 10 }), 409, 'SEAT_CAP_REACHED');

      expect((await api.http.post(`/v1/officers/${bo}/allocations/${month}/cancel`).send({ reason: 'left' })).status).toBe(200);
      expect((await contract(cy, { marketId, leads: 10 })).status).toBe(201);
      expectRefusal(await contract(bo, { marketId, leads: 10 }), 409, 'ALLOCATION_CANCELLED');
    });

    it('holds under concurrency: seatCap 3, 12 officers at once → 3 contracted, 9 SEAT_CAP_REACHED, 3 events', async () => {
      // given
      const marketId = await aMarket({ seatCap: 3 });
      const officers: string[] = [];
      for (let i = 0; i < 12; i++) officers.push(await anOfficer());

      // when
      const answers = await burst(
        api,
        officers.map((officerId) => ({ method: 'PUT' as const, path: `/v1/officers/${officerId}/allocations/${month}`, body: { marketId, leads: 10 } })),
      );

      // then
      const won = answers.filter((res) => res.status === 201);
      const lost = answers.filter((res) => res.status !== 201);
      expect(won).toHaveLength(3);
      expect(lost).toHaveLength(9);
      for (const res of lost) expect({ status: res.status, code: res.body.code }).toEqual({ status: 409, code: 'SEAT_CAP_REACHED' });
      const contracted = api.eventsInFile().filter((e) => e.type === 'AllocationContracted' && e.data.marketId === marketId);
      expect(contracted).toHaveLength(3);
      expect(contracted.map((e) => e.data.officerId).sort()).toEqual(won.map((res) => res.body.officerId).sort());
      const table = await api.http.get(`/v1/allocations/${month}`).query({ marketId });
      expect(table.body.officers).toHaveLength(3);
    });

    it('the same contract sent 5 times at once: one 201, four 200 no-ops, one event', async () => {
      // given
      const marketId = await aMarket({ seatCap: 1 });
      const officerId = await anOfficer();

      // when
      const answers = await burst(
        api,
        Array.from({ length: 5 }, () => ({ method: 'PUT' as const, path: `/v1/officers/${officerId}/allocations/${month}`, body: { marketId, leads: 10 } })),
      );

      // then
      expect(answers.map((res) => res.status).sort()).toEqual([200, 200, 200, 200, 201]);
      expect(api.eventsInFile(`allocation-${officerId}.${month}`)).toHaveLength(1);
    });
  });

  describe('bad input: 400 with the field, nothing appended', () => {
    const market = (id = 'good-market') => `/v1/markets/${id}`;
    const officer = (id = 'good-officer') => `/v1/officers/${id}`;
    const allocation = (id = 'good-officer', m = month) => `/v1/officers/${id}/allocations/${m}`;
    const marketBody = (overrides: object = {}) => ({ name: 'M', states: ['TX'], seatCap: 2, timeZone: 'America/Chicago', ...overrides });
    const officerBody = (overrides: object = {}) => ({ name: 'O', nmlsId: '123456', licensedStates: ['TX'], active: true, ...overrides });
    const allocationBody = (overrides: object = {}) => ({ marketId: 'good-market', leads: 10, ...overrides });

    it.each([
      ['market: an unknown time zone', 'put', market(), marketBody({ timeZone: 'Mars/Olympus' }), 'timeZone'],
      ['market: no states', 'put', market(), marketBody({ states: [] }), 'states'],
      ['market: a repeated state', 'put', market(), marketBody({ states: ['TX', 'TX'] }), 'states'],
      ['market: not a state', 'put', market(), marketBody({ states: ['XX'] }), 'states'],
      ['market: seatCap 0', 'put', market(), marketBody({ seatCap: 0 }), 'seatCap'],
      ['market: a fractional seatCap', 'put', market(), marketBody({ seatCap: 1.5 }), 'seatCap'],
      ['market: a ZIP prefix with letters', 'put', market(), marketBody({ zipPrefixes: ['75a'] }), 'zipPrefixes'],
      ['market: a 6-digit ZIP prefix', 'put', market(), marketBody({ zipPrefixes: ['750011'] }), 'zipPrefixes'],
      ['market: a negative paceTolerance', 'put', market(), marketBody({ paceTolerance: -1 }), 'paceTolerance'],
      ['market: dedupeWindowDays 366', 'put', market(), marketBody({ dedupeWindowDays: 366 }), 'dedupeWindowDays'],
      ['market: no name', 'put', market(), marketBody({ name: undefined }), 'name'],
      ['market: an unknown field', 'put', market(), marketBody({ colour: 'blue' }), 'colour'],
      ['market: an id that is not a slug', 'put', market('DFW'), marketBody(), 'marketId'],
      ['officer: nmlsId as a number', 'put', officer(), officerBody({ nmlsId: 123456 }), 'nmlsId'],
      ['officer: a 13-digit nmlsId', 'put', officer(), officerBody({ nmlsId: '1234567890123' }), 'nmlsId'],
      ['officer: active as a string', 'put', officer(), officerBody({ active: 'yes' }), 'active'],
      ['officer: not a state', 'put', officer(), officerBody({ licensedStates: ['Texas'] }), 'licensedStates'],
      ['officer: an id that is not a slug', 'put', officer('Ada Lovelace'), officerBody(), 'officerId'],
      ['allocation: leads 0', 'put', allocation(), allocationBody({ leads: 0 }), 'leads'],
      ['allocation: leads 100001', 'put', allocation(), allocationBody({ leads: 100001 }), 'leads'],
      ['allocation: leads as a string', 'put', allocation(), allocationBody({ leads: '40' }), 'leads'],
      ['allocation: no marketId', 'put', allocation(), allocationBody({ marketId: undefined }), 'marketId'],
      ['allocation: startsOn not a date', 'put', allocation(), allocationBody({ startsOn: '15/11/2026' }), 'startsOn'],
      ['allocation: minScore 101', 'put', allocation(), allocationBody({ filters: { minScore: 101 } }), 'filters.minScore'],
      ['allocation: an unknown loan type', 'put', allocation(), allocationBody({ filters: { loanTypes: ['mortgage'] } }), 'filters.loanTypes'],
      ['allocation: an empty credit tier list', 'put', allocation(), allocationBody({ filters: { creditTiers: [] } }), 'filters.creditTiers'],
      ['allocation: an unknown filter', 'put', allocation(), allocationBody({ filters: { colour: 'blue' } }), 'filters.colour'],
      ['allocation: a month that is not YYYY-MM', 'put', allocation('good-officer', '2026-13'), allocationBody(), 'month'],
      ['pause: no reason', 'post', `${allocation()}/pause`, {}, 'reason'],
      ['cancel: a blank reason', 'post', `${allocation()}/cancel`, { reason: '  ' }, 'reason'],
      ['resume: an unknown field', 'post', `${allocation()}/resume`, { reason: 'x' }, 'reason'],
    ])('%s', async (_, method, path, body, field) => {
      // given
      const before = api.countEvents();

      // when
      const res = await (method === 'put' ? api.http.put(path) : api.http.post(path)).send(body);

      // then
      expectRefusal(res, 400, 'VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(api.countEvents()).toBe(before);
    });

    it.each([
      ['no marketId', `/v1/allocations/${month}`, 'marketId'],
      ['a marketId that is not a slug', `/v1/allocations/${month}?marketId=DFW`, 'marketId'],
      ['a month that is not YYYY-MM', '/v1/allocations/nov?marketId=dfw', 'month'],
    ])('pace table: %s', async (_, path, field) => {
      const res = await api.http.get(path);
      expectRefusal(res, 400, 'VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('pace table of an unknown market is 404 MARKET_NOT_FOUND', async () => {
      expectRefusal(await api.http.get(`/v1/allocations/${month}`).query({ marketId: slug('nowhere') }), 404, 'MARKET_NOT_FOUND');
    });
  });

  // ---- helpers ----

  async function aMarket(overrides: object = {}): Promise<string> {
    const marketId = slug('mkt');
    const res = await api.http.put(`/v1/markets/${marketId}`).send(aMarketBody(overrides));
    expect(res.status).toBe(201);
    return marketId;
  }

  async function anOfficer(licensedStates: string[] = ['TX']): Promise<string> {
    return onboard(api, licensedStates);
  }

  function contract(officerId: string, body: object, theMonth = month) {
    return api.http.put(`/v1/officers/${officerId}/allocations/${theMonth}`).send(body);
  }
});

describe('the allocation-pace table (e2e, manual clock)', () => {
  let api: RunningApp;

  beforeAll(async () => (api = await startApp({ env: { CLOCK: 'manual' } })));
  afterAll(async () => api?.close());

  it('shows each allocation\'s pace as of the clock: mid-month start, whole month, paused time, cancelled', async () => {
    // given: a Chicago market on 2 November, with four allocations
    await setClock(api, '2026-11-02T12:00:00Z');
    const marketId = slug('dfw');
    expect((await api.http.put(`/v1/markets/${marketId}`).send(aMarketBody({ seatCap: 10 }))).status).toBe(201);
    const [ada, bo, cy, di] = [await onboard(api), await onboard(api), await onboard(api), await onboard(api)];
    const path = (officerId: string) => `/v1/officers/${officerId}/allocations/${month}`;
    expect((await api.http.put(path(ada)).send({ marketId, leads: 40, startsOn: '2026-11-15' })).status).toBe(201);
    expect((await api.http.put(path(bo)).send({ marketId, leads: 60 })).status).toBe(201);
    expect((await api.http.put(path(cy)).send({ marketId, leads: 30 })).status).toBe(201);
    expect((await api.http.put(path(di)).send({ marketId, leads: 12 })).status).toBe(201);
    // cy is paused for two days, then again from the 20th (still paused); di is cancelled
    await setClock(api, '2026-11-10T06:00:00Z');
    expect((await api.http.post(`${path(cy)}/pause`).send({ reason: 'vacation' })).status).toBe(200);
    await setClock(api, '2026-11-12T06:00:00Z');
    expect((await api.http.post(`${path(cy)}/resume`).send({})).status).toBe(200);
    await setClock(api, '2026-11-20T06:00:00Z');
    expect((await api.http.post(`${path(cy)}/pause`).send({ reason: 'sick' })).status).toBe(200);
    expect((await api.http.post(`${path(di)}/cancel`).send({ reason: 'left' })).status).toBe(200);
    await setClock(api, '2026-11-23T06:00:00Z');

    // when
    const res = await api.http.get(`/v1/allocations/${month}`).query({ marketId });

    // then
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ month, marketId, asOf: '2026-11-23T06:00:00.000Z' });
    const rows = Object.fromEntries(res.body.officers.map((row: { officerId: string }) => [row.officerId, row]));
    expect(res.body.officers.map((row: { officerId: string }) => row.officerId)).toEqual([ada, bo, cy, di].sort());
    const zero = { assigned: 0, delivered: 0, credited: 0, net: 0, lastDeliveredAt: null };
    // ada: active from 15 Nov 06:00Z (local midnight) to 1 Dec 06:00Z = 384 h, 192 h elapsed → exactly half
    expect(rows[ada]).toStrictEqual({
      officerId: ada,
      marketId,
      allocation: 40,
      startsOn: '2026-11-15',
      activeFrom: '2026-11-15T06:00:00.000Z',
      paused: false,
      cancelled: false,
      ...zero,
      expected: 20,
      deficit: 20,
      shortfall: 0.5,
      paceRatio: 0,
      behindBy: 20,
    });
    // bo: the whole month is 721 h (the month starts in CDT and ends in CST); 529 h elapsed
    expect(rows[bo]).toMatchObject({ allocation: 60, activeFrom: november.from, paused: false, ...zero, behindBy: 44 });
    expect(rows[bo].expected).toBeCloseTo((60 * 529) / 721, 9);
    expect(rows[bo].shortfall).toBeCloseTo(529 / 721, 9);
    // cy: 48 h paused and resumed, 72 h paused so far: the window is 601 h, of which 409 h elapsed
    expect(rows[cy]).toMatchObject({ allocation: 30, paused: true, cancelled: false, ...zero, behindBy: 20 });
    expect(rows[cy].expected).toBeCloseTo((30 * 409) / 601, 9);
    expect(rows[cy].deficit).toBeCloseTo((30 * 409) / 601, 9);
    expect(rows[di]).toMatchObject({ allocation: 12, cancelled: true });
    expect(HOUR_MS * 721).toBe(Date.parse(november.to) - Date.parse(november.from));
  });
});

// ---- shared helpers ----

function slug(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

function aMarketBody(overrides: object = {}) {
  return { name: 'Dallas-Fort Worth', states: ['TX', 'OK'], seatCap: 5, timeZone: 'America/Chicago', ...overrides };
}

async function onboard(api: RunningApp, licensedStates: string[] = ['TX']): Promise<string> {
  const officerId = slug('lo');
  const res = await api.http.put(`/v1/officers/${officerId}`).send({ name: `Officer ${officerId}`, nmlsId: '1000001', licensedStates, active: true });
  expect(res.status).toBe(201);
  return officerId;
}

async function setClock(api: RunningApp, time: string) {
  const res = await api.http.put('/v1/admin/clock').send({ now: time });
  expect(res.status).toBe(200);
}

function expectRefusal(res: Response, status: number, code: string) {
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(res.body).toEqual({ code, message: expect.stringMatching(/\S/), details: expect.any(Array) });
}
