import { randomUUID } from 'node:crypto';
import { aLeadBody, RunningApp, startApp } from '../support/app-harness';

/**
 * Automatic routing over real HTTP on a real embedded ledger, with the manual clock. Each test
 * opens its own market(s) and officers, so tests don't share pace.
 */
describe('routing: furthest behind pace, exclusively', () => {
  let api: RunningApp;
  beforeAll(async () => {
    api = await startApp({ env: { CLOCK: 'manual' } });
    await api.http.put('/v1/admin/clock').send({ now: '2026-11-10T15:00:00Z' }).expect(200);
  });
  afterAll(async () => api.close());

  it('given two officers on pace at zero, when leads arrive, then each goes to the one with the larger relative shortfall', async () => {
    const market = await givenMarket();
    const [small, big] = [await givenOfficer(), await givenOfficer()];
    await givenAllocation(small, market, { leads: 30 });
    await givenAllocation(big, market, { leads: 60 });

    // Equal shortfall (both at net 0) is a tie: the larger absolute deficit (the 60-lead account) wins.
    const first = await routeNewLead(market);
    expect(first.status).toBe(200);
    expect(first.body.officerId).toBe(big);
    expect(first.body.decision).toMatchObject({ rule: 'furthest-behind-pace', ruleVersion: 1, winner: big, marketId: market, month: '2026-11' });
    expect(first.body.decision.candidates.map((c: { officerId: string }) => c.officerId).sort()).toEqual([small, big].sort());
    // Now the big account is one lead closer to pace; the small one is relatively further behind.
    const second = await routeNewLead(market);
    expect(second.body.officerId).toBe(small);

    const candidate = second.body.decision.candidates.find((c: { officerId: string }) => c.officerId === big);
    expect(candidate).toMatchObject({ allocation: 60, net: 1 });
    expect(candidate.deficit).toBeCloseTo(candidate.expected - 1, 9);
    expect(candidate.shortfall).toBeCloseTo(candidate.deficit / 60, 9);

    const [routed] = api.eventsInFile(`lead-${second.body.leadId}`).filter((e) => e.type === 'LeadRouted');
    expect(routed.data.decision).toEqual(second.body.decision);
    expect(routed.data.allocation).toEqual({ officerId: small, month: '2026-11', marketId: market });
  });

  it('never puts an officer past allocation or a lead with two officers: 500 concurrent routes over 200 leads', async () => {
    await setClock('2026-11-29T23:00:00Z');
    const market = await givenMarket();
    const officers = [await givenOfficer(), await givenOfficer(), await givenOfficer(), await givenOfficer()];
    for (const officer of officers) await givenAllocation(officer, market, { leads: 8 });
    const leadIds: string[] = [];
    for (let i = 0; i < 200; i++) leadIds.push(await givenScoredLead(market));

    const requests = Array.from({ length: 500 }, (_, i) => api.http.post(`/v1/leads/${leadIds[i % 200]}/route`).send({}));
    const responses = await Promise.all(requests);

    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.every((s) => s === 200 || s === 409 || s === 422)).toBe(true);
    const routedEvents = leadIds.flatMap((id) => api.eventsInFile(`lead-${id}`).filter((e) => e.type === 'LeadRouted'));
    // Capacity is exactly 4 × 8 (near month end nobody is held back by pace).
    expect(routedEvents).toHaveLength(32);
    expect(statuses.filter((s) => s === 200)).toHaveLength(32);
    expect(new Set(routedEvents.map((e) => e.data.leadId)).size).toBe(32);
    const perOfficer = countBy(routedEvents.map((e) => e.data.officerId as string));
    for (const officer of officers) expect(perOfficer[officer]).toBe(8);

    const pace = await api.http.get(`/v1/allocations/2026-11?marketId=${market}`).expect(200);
    for (const row of pace.body.officers) expect(row).toMatchObject({ allocation: 8, assigned: 8, net: 8 });
    await setClock('2026-11-30T00:00:00Z');
  }, 60_000);

  it('counts a credited lead as owed again: the officer gets a real lead in its place', async () => {
    const market = await givenMarket();
    const officer = await givenOfficer();
    await givenAllocation(officer, market, { leads: 1 });

    const first = await routeNewLead(market);
    expect(first.body.officerId).toBe(officer);
    const refused = await routeNewLead(market);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('NO_ELIGIBLE_OFFICER');
    expect(refused.body.details).toEqual([expect.objectContaining({ officerId: officer, reasons: expect.arrayContaining(['ALLOCATION_MET']) })]);

    await api.http.post(`/v1/leads/${first.body.leadId}/deliver`).send({ officerId: officer, channel: 'crm' }).expect(200);
    await api.http.post(`/v1/leads/${first.body.leadId}/credit`).send({ reason: 'disconnected_number' }).expect(200);
    const again = await api.http.post(`/v1/leads/${refused.leadId}/route`).send({}).expect(200);
    expect(again.body.officerId).toBe(officer);

    const pace = await api.http.get(`/v1/allocations/2026-11?marketId=${market}`).expect(200);
    expect(pace.body.officers).toEqual([expect.objectContaining({ officerId: officer, assigned: 2, delivered: 1, credited: 1, net: 1 })]);
  });

  it('records an unroutable lead once per distinct outcome and routes it later when capacity appears', async () => {
    const market = await givenMarket();
    const leadId = await givenScoredLead(market);
    const before = api.countEvents();

    const refused = await api.http.post(`/v1/leads/${leadId}/route`).send({});
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'NO_ELIGIBLE_OFFICER', decision: { refusal: 'NO_ALLOCATIONS', winner: null } });
    expect(api.countEvents()).toBe(before + 1);
    expect(api.eventsInFile(`lead-${leadId}`).map((e) => e.type)).toEqual(['LeadCreated', 'LeadScored', 'LeadUnroutable']);
    // Asking again with nothing changed records nothing new.
    await api.http.post(`/v1/leads/${leadId}/route`).send({}).expect(422);
    expect(api.countEvents()).toBe(before + 1);

    const officer = await givenOfficer();
    await givenAllocation(officer, market, { leads: 20 });
    const routed = await api.http.post(`/v1/leads/${leadId}/route`).send({}).expect(200);
    expect(routed.body.officerId).toBe(officer);
  });

  it('re-routes after a failed delivery, never to the officer who failed, and corrects the accounting', async () => {
    const market = await givenMarket();
    const [a, b] = [await givenOfficer(), await givenOfficer()];
    await givenAllocation(a, market, { leads: 50 });
    await givenAllocation(b, market, { leads: 10 });

    const first = await routeNewLead(market);
    const holder = first.body.officerId as string;
    const other = holder === a ? b : a;
    await api.http.post(`/v1/leads/${first.body.leadId}/delivery-failures`).send({ officerId: holder, reason: 'webhook 500' }).expect(200);

    const again = await api.http.post(`/v1/leads/${first.body.leadId}/route`).send({}).expect(200);
    expect(again.body.officerId).toBe(other);
    expect(again.body.decision.excluded).toEqual([expect.objectContaining({ officerId: holder, reasons: expect.arrayContaining(['PREVIOUSLY_ROUTED']) })]);

    const pace = await api.http.get(`/v1/allocations/2026-11?marketId=${market}`).expect(200);
    const rows = Object.fromEntries(pace.body.officers.map((row: { officerId: string }) => [row.officerId, row]));
    expect(rows[holder]).toMatchObject({ assigned: 0, net: 0 });
    expect(rows[other]).toMatchObject({ assigned: 1, net: 1 });

    await api.http.post(`/v1/leads/${first.body.leadId}/deliver`).send({ officerId: other, channel: 'email' }).expect(200);
    const afterDelivery = await api.http.post(`/v1/leads/${first.body.leadId}/route`).send({});
    expect(afterDelivery.status).toBe(409);
    expect(afterDelivery.body.code).toBe('LEAD_ALREADY_DELIVERED');
  });

  it('never gives a repeat borrower to a second officer, in the same market or another', async () => {
    const dfw = await givenMarket();
    const hou = await givenMarket();
    const [a, b] = [await givenOfficer(), await givenOfficer()];
    await givenAllocation(a, dfw, { leads: 100 });
    await givenAllocation(b, dfw, { leads: 100 });
    await givenAllocation(b, hou, { leads: 100 }, '2026-12');
    const borrower = { firstName: 'Rita', lastName: 'Moss', phone: uniquePhone('214'), email: `rita.${randomUUID()}@example.com` };

    const first = await routeNewLead(dfw, { borrower });
    const holder = first.body.officerId as string;
    const other = holder === a ? b : a;

    // Same phone, different email format: still the same borrower; goes to the holder though the other is as far behind.
    const repeat = await routeNewLead(dfw, { borrower: { ...borrower, email: `other.${randomUUID()}@example.com`, phone: borrower.phone.replace('+1', '') } });
    expect(repeat.status).toBe(200);
    expect(repeat.body.officerId).toBe(holder);
    expect(repeat.body.decision.repeatBorrower).toMatchObject({ leadId: first.body.leadId, officerId: holder });

    // The holder pauses: the borrower is refused rather than handed to the other officer.
    await api.http.post(`/v1/officers/${holder}/allocations/2026-11/pause`).send({ reason: 'vacation' }).expect(200);
    const refused = await routeNewLead(dfw, { borrower: { ...borrower, phone: uniquePhone('972') } });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('NO_ELIGIBLE_OFFICER');
    expect(refused.body.details[0]).toMatchObject({ reasons: ['DUPLICATE_BORROWER'] });
    const override = await api.http.post(`/v1/leads/${refused.leadId}/route`).send({ officerId: other, reason: 'try anyway' });
    expect(override.status).toBe(422);
    expect(api.eventsInFile(`lead-${refused.leadId}`).filter((e) => e.type === 'LeadRouted')).toEqual([]);

    const everyRoute = [first.body.leadId, repeat.body.leadId, refused.leadId].flatMap((id) =>
      api.eventsInFile(`lead-${id}`).filter((e) => e.type === 'LeadRouted'),
    );
    expect(new Set(everyRoute.map((e) => e.data.officerId))).toEqual(new Set([holder]));
    void hou;
  });

  it('resolves a lead without a marketId to the market covering its property, the most specific ZIP prefix first', async () => {
    const state = 'OK';
    const wholeState = await givenMarket({ states: [state] });
    const tulsa = await givenMarket({ states: [state], zipPrefixes: ['741'] });
    const [statewide, local] = [await givenOfficer([state]), await givenOfficer([state])];
    await givenAllocation(statewide, wholeState, { leads: 10 });
    await givenAllocation(local, tulsa, { leads: 10 });

    const inTulsa = await routeNewLead(null, { property: { state, zip: '74103' } });
    expect(inTulsa.status).toBe(200);
    expect(inTulsa.body).toMatchObject({ officerId: local, decision: { marketId: tulsa } });
    const inOklahomaCity = await routeNewLead(null, { property: { state, zip: '73102' } });
    expect(inOklahomaCity.body).toMatchObject({ officerId: statewide, decision: { marketId: wholeState } });
    const nowhere = await routeNewLead(null, { property: { state: 'VT', zip: '05401' } });
    expect(nowhere.status).toBe(422);
    expect(nowhere.body.code).toBe('NO_MARKET');
  });

  // --- helpers -------------------------------------------------------------------------------

  async function setClock(now: string) {
    await api.http.put('/v1/admin/clock').send({ now }).expect(200);
  }

  async function givenMarket(overrides: Record<string, unknown> = {}) {
    const marketId = `m-${digits(8)}`;
    await api.http
      .put(`/v1/markets/${marketId}`)
      .send({ name: `Market ${marketId}`, states: ['TX'], seatCap: 10, timeZone: 'America/Chicago', ...overrides })
      .expect((res) => expect([200, 201]).toContain(res.status));
    return marketId;
  }

  async function givenOfficer(licensedStates = ['TX']) {
    const officerId = `lo-${digits(8)}`;
    await api.http
      .put(`/v1/officers/${officerId}`)
      .send({ name: `Officer ${officerId}`, nmlsId: digits(7), licensedStates, active: true })
      .expect((res) => expect([200, 201]).toContain(res.status));
    return officerId;
  }

  async function givenAllocation(officerId: string, marketId: string, body: Record<string, unknown>, month = '2026-11') {
    await api.http
      .put(`/v1/officers/${officerId}/allocations/${month}`)
      .send({ marketId, ...body })
      .expect((res) => expect([200, 201]).toContain(res.status));
  }

  async function givenScoredLead(marketId: string | null, overrides: Record<string, unknown> = {}) {
    const borrower = { firstName: 'Sam', lastName: 'Lee', phone: uniquePhone('214'), email: `sam.${randomUUID()}@example.com` };
    const created = await api.http.post('/v1/leads').send(aLeadBody({ ...(marketId && { marketId }), borrower, ...overrides })).expect(201);
    await api.http.post(`/v1/leads/${created.body.leadId}/score`).send({ score: 80 }).expect(200);
    return created.body.leadId as string;
  }

  async function routeNewLead(marketId: string | null, overrides: Record<string, unknown> = {}) {
    const leadId = await givenScoredLead(marketId, overrides);
    const response = await api.http.post(`/v1/leads/${leadId}/route`).send({});
    return Object.assign(response, { leadId });
  }
});

/**
 * A phone number no other lead in this file has. The repeat-borrower rule keys on phones, so a
 * random collision would turn an unrelated lead into a repeat borrower (a flaky refusal).
 */
let phonesIssued = 0;

function digits(n: number): string {
  return Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');
}

function uniquePhone(areaCode: string): string {
  phonesIssued += 1;
  return `+1${areaCode}555${String(1000 + phonesIssued).padStart(4, '0')}`;
}

function countBy(values: string[]): Record<string, number> {
  return values.reduce<Record<string, number>>((acc, value) => ({ ...acc, [value]: (acc[value] ?? 0) + 1 }), {});
}
