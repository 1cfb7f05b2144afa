import { randomUUID } from 'node:crypto';
import { aLeadBody, RunningApp, startApp } from '../support/app-harness';
import { burst, BurstResponse } from './support/http-burst';

const OFFICER_ADA = 'officer-ada';
const CONFLICT_CODES = ['LEAD_ALREADY_ROUTED', 'CONCURRENT_WRITE'];
const RACING_OFFICERS = Array.from({ length: 50 }, (_, i) => `officer-${String(i).padStart(2, '0')}`);

let phoneCounter = 3000;

describe('concurrent commands on one lead (e2e, embedded ledger)', () => {
  let api: RunningApp;
  let leadId: string;

  beforeAll(async () => {
    api = await startApp();
    await onboardOfficers([OFFICER_ADA, ...RACING_OFFICERS]);
  });
  afterAll(async () => api?.close());
  beforeEach(() => {
    leadId = randomUUID();
  });

  it('50 parallel routes to 50 officers: exactly one 200, 49 409s, and the one LeadRouted in the file names the winner', async () => {
    // given
    await createScoredLead(leadId);
    const officers = RACING_OFFICERS;
    const before = api.countEvents();

    // when
    const answers = await burst(
      api,
      officers.map((officerId) => ({ method: 'POST', path: `/v1/leads/${leadId}/route`, body: { officerId, reason: `race entry ${officerId}` } })),
    );

    // then
    const winners = answers.filter((r) => r.status === 200);
    const losers = answers.filter((r) => r.status !== 200);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(49);
    for (const res of losers) expectConflict(res, CONFLICT_CODES);
    expect(api.countEvents()).toBe(before + 1);
    const routed = api.eventsInFile(`lead-${leadId}`).filter((e) => e.type === 'LeadRouted');
    expect(routed).toHaveLength(1);
    const [winner] = winners;
    expect(officers).toContain(winner.body.officerId);
    expect(routed[0].data.officerId).toBe(winner.body.officerId);
    expect(routed[0].data.decision.reason).toBe(`race entry ${winner.body.officerId}`);
    expect(winner.body).toMatchObject({ leadId, revision: 2, position: String(routed[0].position) });
    const summary = await api.http.get(`/v1/leads/${leadId}`);
    expect(summary.body).toMatchObject({ status: 'routed', officerId: winner.body.officerId, revision: 2 });
  });

  it('20 parallel credits of one delivered lead: one 200, 19 409s, one LeadCredited', async () => {
    // given
    await createScoredLead(leadId);
    expect((await api.http.post(`/v1/leads/${leadId}/route`).send({ officerId: OFFICER_ADA, reason: 'setup' })).status).toBe(200);
    expect((await api.http.post(`/v1/leads/${leadId}/deliver`).send({ officerId: OFFICER_ADA, channel: 'sms' })).status).toBe(200);
    const before = api.countEvents();

    // when
    const answers = await burst(
      api,
      Array.from({ length: 20 }, (_, i) => ({ method: 'POST', path: `/v1/leads/${leadId}/credit`, body: { reason: 'other', note: `claim ${i}` } })),
    );

    // then
    const winners = answers.filter((r) => r.status === 200);
    const losers = answers.filter((r) => r.status !== 200);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    for (const res of losers) expectConflict(res, ['LEAD_ALREADY_CREDITED', 'CONCURRENT_WRITE']);
    expect(api.countEvents()).toBe(before + 1);
    const credited = api.eventsInFile(`lead-${leadId}`).filter((e) => e.type === 'LeadCredited');
    expect(credited).toHaveLength(1);
    expect(winners[0].body).toStrictEqual({ leadId, revision: 4, position: String(credited[0].position) });
  });

  it('20 parallel creates of different leads all succeed, each with its own stream and position', async () => {
    // given
    const leadIds = [leadId, ...Array.from({ length: 19 }, () => randomUUID())];
    const before = api.countEvents();

    // when
    const answers = await burst(
      api,
      leadIds.map((id) => ({ method: 'POST', path: '/v1/leads', body: leadBody(id) })),
    );

    // then
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(api.countEvents()).toBe(before + 20);
    expect(new Set(answers.map((r) => r.body.position)).size).toBe(20);
    answers.forEach((res, i) => {
      const [created] = api.eventsInFile(`lead-${leadIds[i]}`);
      expect(res.body).toStrictEqual({ leadId: leadIds[i], revision: 0, position: String(created.position), borrowerRef: created.data.borrowerRef });
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

  function leadBody(id: string) {
    phoneCounter += 1;
    return aLeadBody({
      leadId: id,
      borrower: { firstName: 'Lee', lastName: 'Park', phone: `+1469555${phoneCounter}`, email: `race-${phoneCounter}@example.com` },
    });
  }

  async function createScoredLead(id: string) {
    expect((await api.http.post('/v1/leads').send(leadBody(id))).status).toBe(201);
    expect((await api.http.post(`/v1/leads/${id}/score`).send({ score: 90 })).status).toBe(200);
  }

  function expectConflict(res: BurstResponse, codes: string[]) {
    expect(res.status).toBe(409);
    expect(codes).toContain(res.body.code);
    expect(res.body).toEqual({ code: res.body.code, message: expect.stringMatching(/\S/), details: expect.any(Array) });
  }
});
