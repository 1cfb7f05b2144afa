import type { Server } from 'node:http';
import { allocationBody, leadBody, marketBody, MONTH, NOW, officerBody } from './support/fixtures';
import { InProcessApp, startInProcessApp } from './support/in-process-app';
import { intFromEnv, writeResults } from './support/results';
import { RawRequest, RawResponse, simultaneously } from '../support/simultaneous-http';

/**
 * Conflicting commands sent at the same instant over real HTTP (every socket connected first, then
 * every request written in one tick) against the real app on a real embedded ledger file. Each
 * race asserts the answers AND the events in the file, per lead.
 *
 * RACE_SCALE (default 1) multiplies the number of contenders; at 1 there are 1,125 requests.
 */
const SCALE = intFromEnv('RACE_SCALE', 1) || 1;
const ERROR_CODE = /^[A-Z][A-Z0-9_]*$/;

describe(`races: ${1125 * SCALE - 25 * (SCALE - 1)} conflicting commands at the same instant (real HTTP, embedded ledger)`, () => {
  let api: InProcessApp;
  let server: Server;
  let borrowerSeq = 0;
  const outcomes: Record<string, unknown> = {};
  const everyAnswer: RawResponse[] = [];

  beforeAll(async () => {
    api = await startInProcessApp({ CLOCK: 'manual', DIGEST_EVERY_EVENTS: '1000000000' });
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    server = api.app.getHttpServer();
    await must('PUT', '/v1/admin/clock', { now: NOW });
  }, 60_000);
  afterAll(async () => {
    writeResults('race', { scale: SCALE, requests: everyAnswer.length, over499: everyAnswer.filter((r) => r.status >= 500).length, races: outcomes });
    await api?.close();
  });
  afterEach(() => {
    // No race may ever produce a 5xx, and every refusal has the error shape.
    expect(everyAnswer.filter((r) => r.status >= 500).map((r) => `${r.status} ${JSON.stringify(r.body)}`)).toEqual([]);
    for (const answer of everyAnswer.filter((r) => r.status >= 400)) expect(errorShapeProblem(answer)).toBeNull();
  });

  it(`(a) ${100 * SCALE} simultaneous automatic routes of each of 3 leads: exactly one 200 per lead, the rest 409, one LeadRouted each`, async () => {
    // given
    await givenMarketWithOfficers('race-a', 'TX', [['ra-1', 1000], ['ra-2', 1000]]);
    const leads = await givenScoredLeads(3, 'race-a');
    const perLead = 100 * SCALE;

    // when
    const answers = await race(leads.flatMap((leadId) => Array.from({ length: perLead }, (_, i) => routeRequest(leadId, i))));

    // then
    const summary = leads.map((leadId, l) => {
      const mine = answers.slice(l * perLead, (l + 1) * perLead);
      const winners = mine.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      expect(mine.filter((r) => r.status !== 200).map((r) => r.status)).toEqual(Array(perLead - 1).fill(409));
      const events = api.ledger.stream(`lead-${leadId}`);
      expect(events.map((e) => e.type)).toEqual(['LeadCreated', 'LeadScored', 'LeadRouted']);
      expect(events[2].data.officerId).toBe(winners[0].body.officerId);
      expect(winners[0].body).toMatchObject({ leadId, revision: 2, position: String(events[2].position) });
      return { leadId, ok: 1, conflicts: countBy(mine.filter((r) => r.status === 409).map((r) => r.body.code)) };
    });
    outcomes.sameLeadRoutes = { requests: answers.length, leads: summary };
  }, 120_000);

  it(`(b) ${300 * SCALE} leads racing for the last 3 slots: exactly 3 routed, every other lead refused, nobody past allocation`, async () => {
    // given two officers with 2 and 1 slots left (filled by override, which counts toward the allocation)
    await givenMarketWithOfficers('race-b', 'TX', [['rb-1', 10], ['rb-2', 6]]);
    for (const [officerId, used] of [['rb-1', 8], ['rb-2', 5]] as const) {
      for (const leadId of await givenScoredLeads(used, 'race-b')) await must('POST', `/v1/leads/${leadId}/route`, { officerId, reason: 'fill before the race' });
    }
    const contenders = await givenScoredLeads(300 * SCALE, 'race-b');

    // when
    const answers = await race(contenders.map((leadId, i) => routeRequest(leadId, i)));

    // then exactly the remaining slots are filled
    const winners = answers.filter((r) => r.status === 200);
    expect(winners).toHaveLength(3);
    expect(countBy(winners.map((r) => r.body.officerId))).toEqual({ 'rb-1': 2, 'rb-2': 1 });
    const losers = answers.filter((r) => r.status !== 200);
    for (const loser of losers) {
      expect([409, 422]).toContain(loser.status);
      if (loser.status === 422) expect(loser.body.code).toBe('NO_ELIGIBLE_OFFICER');
    }
    // and in the file: each winner has one LeadRouted; each loser none (and at most one LeadUnroutable)
    contenders.forEach((leadId, i) => {
      const types = api.ledger.stream(`lead-${leadId}`).map((e) => e.type);
      if (answers[i].status === 200) expect(types).toEqual(['LeadCreated', 'LeadScored', 'LeadRouted']);
      else expect(types.filter((t) => t === 'LeadRouted')).toEqual([]);
      expect(types.filter((t) => t === 'LeadUnroutable').length).toBeLessThanOrEqual(1);
    });
    const routedInMarket = api.ledger.all().filter((e) => e.type === 'LeadRouted' && e.data.allocation?.marketId === 'race-b');
    expect(countBy(routedInMarket.map((e) => e.data.officerId))).toEqual({ 'rb-1': 10, 'rb-2': 6 });
    const pace = await must('GET', `/v1/allocations/${MONTH}?marketId=race-b`);
    for (const row of pace.body.officers) expect(row.net).toBe(row.allocation);
    outcomes.lastSlots = { requests: answers.length, slotsLeft: 3, routed: winners.length, refusedByStatus: countBy(losers.map((r) => String(r.status))), codes: countBy(losers.map((r) => r.body.code)) };
  }, 180_000);

  it(`(c) ${30 * SCALE} simultaneous credits of each of 10 delivered leads: one 2xx per lead, the rest 409, one LeadCredited each`, async () => {
    // given
    await givenMarketWithOfficers('race-c', 'TX', [['rc-1', 1000]]);
    const leads = await givenScoredLeads(10, 'race-c');
    for (const leadId of leads) {
      await must('POST', `/v1/leads/${leadId}/route`, {});
      await must('POST', `/v1/leads/${leadId}/deliver`, { officerId: 'rc-1', channel: 'email' });
    }
    const perLead = 30 * SCALE;

    // when (half of them carry their own Idempotency-Key: distinct keys are distinct commands)
    const answers = await race(
      leads.flatMap((leadId) =>
        Array.from({ length: perLead }, (_, i): RawRequest => ({
          method: 'POST',
          path: `/v1/leads/${leadId}/credit`,
          body: { reason: 'fake_identity', note: `claim ${i}` },
          headers: i % 2 === 0 ? { 'idempotency-key': `race-credit-${leadId}-${i}` } : {},
        })),
      ),
    );

    // then
    leads.forEach((leadId, l) => {
      const mine = answers.slice(l * perLead, (l + 1) * perLead);
      expect(mine.filter((r) => r.status < 300)).toHaveLength(1);
      expect(mine.filter((r) => r.status >= 300).map((r) => r.status)).toEqual(Array(perLead - 1).fill(409));
      const credited = api.ledger.stream(`lead-${leadId}`).filter((e) => e.type === 'LeadCredited');
      expect(credited).toHaveLength(1);
    });
    outcomes.doubleCredits = { requests: answers.length, leads: leads.length, credited: leads.length, conflicts: countBy(answers.filter((r) => r.status === 409).map((r) => r.body.code)) };
  }, 120_000);

  it(`(d) ${40 * SCALE} simultaneous deliveries to wrong officers and 5 to the right one, per lead: every wrong one 409, the right one delivered once`, async () => {
    // given
    const officers: Array<[string, number]> = [['rd-right', 1000], ...Array.from({ length: 4 }, (_, i): [string, number] => [`rd-wrong-${i}`, 1000])];
    await givenMarketWithOfficers('race-d', 'TX', officers);
    const leads = await givenScoredLeads(5, 'race-d');
    for (const leadId of leads) await must('POST', `/v1/leads/${leadId}/route`, { officerId: 'rd-right', reason: 'the one who bought it' });
    const wrongPerLead = 40 * SCALE;
    const rightPerLead = 5;

    // when
    const perLead = wrongPerLead + rightPerLead;
    const answers = await race(
      leads.flatMap((leadId) => [
        ...Array.from({ length: wrongPerLead }, (_, i): RawRequest => ({ method: 'POST', path: `/v1/leads/${leadId}/deliver`, body: { officerId: `rd-wrong-${i % 4}`, channel: 'webhook' } })),
        ...Array.from({ length: rightPerLead }, (_, i): RawRequest => ({ method: 'POST', path: `/v1/leads/${leadId}/deliver`, body: { officerId: 'rd-right', channel: 'webhook', receipt: `wh-${i}` } })),
      ]),
    );

    // then
    leads.forEach((leadId, l) => {
      const mine = answers.slice(l * perLead, (l + 1) * perLead);
      expect(mine.slice(0, wrongPerLead).map((r) => r.status)).toEqual(Array(wrongPerLead).fill(409));
      const right = mine.slice(wrongPerLead);
      expect(right.filter((r) => r.status === 200)).toHaveLength(1);
      expect(right.filter((r) => r.status !== 200).map((r) => r.status)).toEqual(Array(rightPerLead - 1).fill(409));
      const delivered = api.ledger.stream(`lead-${leadId}`).filter((e) => e.type === 'LeadDelivered');
      expect(delivered.map((e) => e.data.officerId)).toEqual(['rd-right']);
    });
    outcomes.wrongOfficerDeliveries = {
      requests: answers.length,
      leads: leads.length,
      delivered: leads.length,
      wrongRefused: answers.filter((r, i) => i % perLead < wrongPerLead && r.status === 409).length,
      conflicts: countBy(answers.filter((r) => r.status === 409).map((r) => r.body.code)),
    };
  }, 120_000);

  // ---- helpers ----

  async function race(requests: RawRequest[]): Promise<RawResponse[]> {
    const answers = await simultaneously(server, api.adminKey, requests);
    everyAnswer.push(...answers);
    return answers;
  }

  function routeRequest(leadId: string, i: number): RawRequest {
    return { method: 'POST', path: `/v1/leads/${leadId}/route`, body: {}, headers: i % 3 === 0 ? { 'idempotency-key': `race-route-${leadId}-${i}` } : {} };
  }

  async function must(method: 'GET' | 'PUT' | 'POST', url: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await api.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${api.adminKey}`, 'content-type': 'application/json' },
      ...(body !== undefined && { payload: JSON.stringify(body) }),
    });
    if (response.statusCode >= 300) throw new Error(`setup ${method} ${url}: ${response.statusCode} ${response.body}`);
    return { status: response.statusCode, body: response.json() };
  }

  async function givenMarketWithOfficers(marketId: string, state: string, officers: Array<[string, number]>) {
    await must('PUT', `/v1/markets/${marketId}`, marketBody(marketId, [state], 'America/Chicago'));
    for (const [officerId, leads] of officers) {
      await must('PUT', `/v1/officers/${officerId}`, officerBody(officerId, [state]));
      await must('PUT', `/v1/officers/${officerId}/allocations/${MONTH}`, allocationBody(marketId, leads));
    }
  }

  async function givenScoredLeads(count: number, marketId: string): Promise<string[]> {
    const leadIds: string[] = [];
    for (let i = 0; i < count; i++) {
      const created = await must('POST', '/v1/leads', leadBody(++borrowerSeq, `race-${marketId}`, { state: 'TX', zip: '75201' }, { marketId }));
      await must('POST', `/v1/leads/${created.body.leadId}/score`, { score: 80 });
      leadIds.push(created.body.leadId);
    }
    return leadIds;
  }
});

function errorShapeProblem(answer: RawResponse): string | null {
  const body = answer.body;
  if (!body || typeof body !== 'object') return `${answer.status} body is not JSON`;
  if (typeof body.code !== 'string' || !ERROR_CODE.test(body.code) || typeof body.message !== 'string') return `${answer.status} ${JSON.stringify(body)}`;
  if (body.details !== undefined && !Array.isArray(body.details)) return `${answer.status} details not a list`;
  return null;
}

function countBy(values: string[]): Record<string, number> {
  return values.reduce<Record<string, number>>((counts, value) => ({ ...counts, [value]: (counts[value] ?? 0) + 1 }), {});
}
