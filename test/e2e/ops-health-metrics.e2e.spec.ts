import { randomUUID } from 'node:crypto';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { LEDGER } from '../../apps/api/src/ledger/ledger.tokens';
import { EsdbStandIn, startEsdbStandIn } from '../support/esdb-grpc-standin';
import { MongoStandin, startMongoStandin } from '../support/mongo-wire-standin';
import { aLeadBody, RunningApp, startApp } from '../support/app-harness';

const NOW = '2026-11-03T14:00:00.000Z';

describe('health (e2e)', () => {
  describe('with the embedded ledger and in-process read models', () => {
    let api: RunningApp;
    beforeAll(async () => {
      api = await startApp();
    });
    afterAll(async () => api?.close());

    it('answers liveness and readiness without an API key, naming each readiness check', async () => {
      const live = await api.anonymous.get('/health/live');
      const ready = await api.anonymous.get('/health/ready');

      expect(live.status).toBe(200);
      expect(live.body).toEqual(expect.objectContaining({ status: 'ok', info: { process: expect.objectContaining({ status: 'up', pid: process.pid }) } }));
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ok');
      expect(ready.body.info).toEqual({
        ledger: { status: 'up' },
        readStore: { status: 'up' },
        projection: expect.objectContaining({ status: 'up', mode: 'in-process', lagEvents: 0, maxLagEvents: 1000 }),
      });
    });
  });

  describe('with EventStoreDB as the ledger', () => {
    let api: RunningApp;
    let eventStore: EsdbStandIn;
    beforeAll(async () => {
      eventStore = await startEsdbStandIn();
      api = await startApp({ env: { LEDGER_URL: eventStore.connectionString } });
    });
    afterAll(async () => {
      await api?.close();
      await eventStore?.stop();
    });

    it('is not ready (503, terminus body) once EventStoreDB is gone, while still live', async () => {
      // given
      expect((await api.anonymous.get('/health/ready')).status).toBe(200);

      // when
      await eventStore.stop();
      const ready = await api.anonymous.get('/health/ready');
      const live = await api.anonymous.get('/health/live');

      // then
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual(
        expect.objectContaining({
          status: 'error',
          error: expect.objectContaining({ ledger: { status: 'down', message: expect.any(String) } }),
          info: expect.objectContaining({ readStore: { status: 'up' } }),
        }),
      );
      expect(live.status).toBe(200);
    });
  });

  describe('with read models in MongoDB, projected by the external projector (which is not running)', () => {
    let api: RunningApp;
    let mongo: MongoStandin;
    beforeAll(async () => {
      mongo = await startMongoStandin();
      api = await startApp({ env: { MONGODB_URL: mongo.url, PROJECTOR: 'external', PROJECTION_LAG_READY_MAX: '1' } });
    });
    afterAll(async () => {
      await api?.close();
      await mongo?.close();
    });

    it('is ready while the lag is within PROJECTION_LAG_READY_MAX, and 503 once it is beyond', async () => {
      // given: one event in the ledger that the read models have not applied
      await appendAnEvent(api);
      const withinLimit = await api.anonymous.get('/health/ready');

      // when: two events behind
      await appendAnEvent(api);
      const beyondLimit = await api.anonymous.get('/health/ready');

      // then
      expect(withinLimit.status).toBe(200);
      expect(withinLimit.body.info.projection).toEqual(expect.objectContaining({ status: 'up', mode: 'external', lagEvents: 1, maxLagEvents: 1 }));
      expect(beyondLimit.status).toBe(503);
      expect(beyondLimit.body.error).toEqual({
        projection: expect.objectContaining({ status: 'down', mode: 'external', lagEvents: 2, message: 'the read models are 2 events behind the ledger' }),
      });
      expect(beyondLimit.body.info).toEqual(expect.objectContaining({ ledger: { status: 'up' }, readStore: { status: 'up' } }));
    });

    it('is not ready once MongoDB is gone', async () => {
      await mongo.close();

      const ready = await api.anonymous.get('/health/ready');

      expect(ready.status).toBe(503);
      expect(ready.body.error).toEqual(expect.objectContaining({ readStore: { status: 'down', message: expect.any(String) } }));
    });
  });
});

describe('Prometheus metrics (e2e)', () => {
  let api: RunningApp;
  beforeAll(async () => {
    api = await startApp({ env: { CLOCK: 'manual', RATE_LIMIT_PER_MINUTE: '0' } });
    await api.http.put('/v1/admin/clock').send({ now: NOW }).expect(200);
  });
  afterAll(async () => api?.close());

  it('serves process metrics and the lead_ledger_* metrics at /metrics, without an API key', async () => {
    const response = await api.anonymous.get('/metrics');

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_heap_size_used_bytes',
      'lead_ledger_commands_total',
      'lead_ledger_command_duration_seconds',
      'lead_ledger_routing_decisions_total',
      'lead_ledger_ledger_append_duration_seconds',
      'lead_ledger_projection_lag_events',
      'lead_ledger_projection_lag_seconds',
    ]) {
      expect(response.text).toContain(`# TYPE ${name} `);
    }
    expect(sample(response.text, 'lead_ledger_projection_lag_events')).toBe(0);
  });

  it('counts commands by outcome (ok, replayed, error code) and routing decisions by outcome', async () => {
    // given
    const marketId = `m-${randomUUID().slice(0, 8)}`;
    const emptyMarketId = `m-${randomUUID().slice(0, 8)}`;
    const officerId = `lo-${randomUUID().slice(0, 8)}`;
    await api.http.put(`/v1/markets/${marketId}`).send({ name: 'Ops', states: ['TX'], zipPrefixes: ['752'], seatCap: 5, timeZone: 'America/Chicago' }).expect(201);
    await api.http.put(`/v1/markets/${emptyMarketId}`).send({ name: 'Empty', states: ['TX'], zipPrefixes: ['799'], seatCap: 5, timeZone: 'America/Chicago' }).expect(201);
    await putOfficer(api, officerId);
    await api.http.put(`/v1/officers/${officerId}/allocations/2026-11`).send({ marketId, leads: 40 }).expect(201);
    const before = await scrape();

    // when
    const key = `ops-metrics-${randomUUID()}`;
    const lead = leadIn(marketId);
    const routedLead = (await api.http.post('/v1/leads').set('idempotency-key', key).send(lead).expect(201)).body.leadId;
    await api.http.post('/v1/leads').set('idempotency-key', key).send(lead).expect(201).expect('idempotent-replayed', 'true');
    await api.http.post(`/v1/leads/${randomUUID()}/score`).send({ score: 50 }).expect(404);
    await api.http.post(`/v1/leads/${routedLead}/score`).send({ score: 80 }).expect(200);
    await api.http.post(`/v1/leads/${routedLead}/route`).send({}).expect(200);
    const unroutable = await scoredLeadIn(emptyMarketId);
    await api.http.post(`/v1/leads/${unroutable}/route`).send({}).expect(422);
    const unscored = (await api.http.post('/v1/leads').send(leadIn(emptyMarketId)).expect(201)).body.leadId;
    await api.http.post(`/v1/leads/${unscored}/route`).send({}).expect(422);
    const overridden = await scoredLeadIn(emptyMarketId);
    await api.http.post(`/v1/leads/${overridden}/route`).send({ officerId, reason: 'borrower asked for this officer' }).expect(200);
    const after = await scrape();

    // then
    const delta = (name: string) => (sample(after, name) ?? 0) - (sample(before, name) ?? 0);
    expect(delta('lead_ledger_commands_total{command="CreateLead",outcome="ok"}')).toBe(4);
    expect(delta('lead_ledger_commands_total{command="CreateLead",outcome="replayed"}')).toBe(1);
    expect(delta('lead_ledger_commands_total{command="ScoreLead",outcome="LEAD_NOT_FOUND"}')).toBe(1);
    expect(delta('lead_ledger_commands_total{command="ScoreLead",outcome="ok"}')).toBe(3);
    expect(delta('lead_ledger_commands_total{command="RouteLead",outcome="ok"}')).toBe(2);
    expect(delta('lead_ledger_commands_total{command="RouteLead",outcome="NO_ELIGIBLE_OFFICER"}')).toBe(1);
    expect(delta('lead_ledger_commands_total{command="RouteLead",outcome="LEAD_NOT_SCORED"}')).toBe(1);
    expect(delta('lead_ledger_command_duration_seconds_count{command="RouteLead"}')).toBe(4);
    expect(delta('lead_ledger_routing_decisions_total{outcome="routed"}')).toBe(1);
    expect(delta('lead_ledger_routing_decisions_total{outcome="no_allocations"}')).toBe(1);
    expect(delta('lead_ledger_routing_decisions_total{outcome="lead_not_scored"}')).toBe(1);
    expect(delta('lead_ledger_routing_decisions_total{outcome="override"}')).toBe(1);
    // Appends: 4 creates, 3 scores, 2 routes, 1 LeadUnroutable; the replay and the refusals append nothing.
    expect(delta('lead_ledger_ledger_append_duration_seconds_count')).toBe(10);
    expect(sample(after, 'lead_ledger_ledger_append_duration_seconds_sum')).toBeGreaterThan(0);
  });

  async function scoredLeadIn(marketId: string): Promise<string> {
    const leadId = (await api.http.post('/v1/leads').send(leadIn(marketId)).expect(201)).body.leadId;
    await api.http.post(`/v1/leads/${leadId}/score`).send({ score: 80 }).expect(200);
    return leadId;
  }

  async function scrape(): Promise<string> {
    const response = await api.anonymous.get('/metrics');
    expect(response.status).toBe(200);
    return response.text;
  }
});

describe('Prometheus metrics with METRICS_TOKEN (e2e)', () => {
  const token = `metrics-${randomUUID()}`;
  let api: RunningApp;
  beforeAll(async () => {
    api = await startApp({ env: { METRICS_TOKEN: token } });
  });
  afterAll(async () => api?.close());

  it('needs Authorization: Bearer <METRICS_TOKEN>; an API key is not enough', async () => {
    const without = await api.anonymous.get('/metrics');
    const withApiKey = await api.http.get('/metrics');
    const withToken = await api.anonymous.get('/metrics').set('authorization', `Bearer ${token}`);

    expect(without.status).toBe(401);
    expect(without.body).toEqual({ code: 'UNAUTHENTICATED', message: expect.stringContaining('METRICS_TOKEN'), details: [] });
    expect(withApiKey.status).toBe(401);
    expect(withToken.status).toBe(200);
    expect(withToken.text).toContain('lead_ledger_commands_total');
  });
});

/** Straight into the ledger, as another API instance would write while the projector is down. */
async function appendAnEvent(api: RunningApp) {
  const metadata = { correlationId: randomUUID(), causationId: randomUUID(), commandId: randomUUID(), actor: 'ops-health-test' };
  const data = { officerId: 'lo-ops-health', name: 'Officer', nmlsId: '1000001', licensedStates: ['TX'], active: true, onboardedAt: NOW };
  await api.app
    .get<Ledger>(LEDGER)
    .append(`officer-lo-ops-health-${randomUUID()}`, [{ type: 'OfficerOnboarded', schemaVersion: 1, data, recordedAt: NOW, metadata }], { expectedRevision: 'no_stream' });
}

async function putOfficer(api: RunningApp, officerId: string) {
  await api.http.put(`/v1/officers/${officerId}`).send({ name: `Officer ${officerId}`, nmlsId: '1000001', licensedStates: ['TX'], active: true }).expect(201);
}

/** Distinct phones: a random collision would make a lead a repeat borrower and change the routing counters. */
let leadsMade = 0;
function leadIn(marketId: string) {
  const n = 1000 + ++leadsMade;
  return aLeadBody({ marketId, borrower: { firstName: 'Sam', lastName: 'Lee', phone: `+1214555${n}`, email: `sam.${randomUUID()}@example.com` } });
}

/** The value of one sample line, e.g. `name{label="x"}`; undefined when the series has no sample yet. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
