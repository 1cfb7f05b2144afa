import { randomUUID } from 'node:crypto';
import { ConfigError, loadConfig } from '../../apps/api/src/config/config';
import { ProjectionStatus } from '../../apps/api/src/read-models/projection-status';
import { aLeadBody, RunningApp, startApp } from '../support/app-harness';
import { MongoStandin, startMongoStandin } from '../support/mongo-wire-standin';
import { killAllProjectorProcesses, ProjectorProcess, startProjectorProcess, waitUntil } from '../support/projector-process';

jest.setTimeout(10 * 60_000);

/**
 * The API with MONGODB_URL: read models in MongoDB (the wire stand-in, through the real driver),
 * written by the projector app in its own process, or by the API itself with PROJECTOR=in-process.
 * Routing keeps read-your-writes across the two processes, and answers 503 READ_MODELS_LAGGING
 * (deciding nothing) when the read models do not catch up in time.
 */
describe('API in Mongo mode', () => {
  let standin: MongoStandin;
  beforeAll(async () => {
    standin = await startMongoStandin({ transactionLifetimeLimitSeconds: 5 });
  });
  afterAll(async () => {
    killAllProjectorProcesses();
    await standin?.close();
  });

  describe('with the projector app (PROJECTOR=external, the default)', () => {
    let api: RunningApp;
    let projector: ProjectorProcess;
    let url: string;
    beforeAll(async () => {
      url = databaseUrl();
      api = await startApp({ env: { CLOCK: 'manual', MONGODB_URL: url, PROJECTION_WAIT_MS: '2000', RATE_LIMIT_PER_MINUTE: '0' } });
      projector = startProjectorProcess({ LEDGER_URL: `sqlite:${api.ledgerPath}`, MONGODB_URL: url });
      await api.http.put('/v1/admin/clock').send({ now: '2026-11-10T15:00:00Z' }).expect(200);
    });
    afterAll(async () => {
      projector?.child.kill('SIGTERM');
      await projector?.exited;
      await api?.close();
    });

    it('given two officers with equal allocations, when two leads are routed, then the second decision counts the first (read-your-writes across processes)', async () => {
      const market = await givenMarket(api);
      const [first, second] = [`lo-a-${randomUUID().slice(0, 6)}`, `lo-b-${randomUUID().slice(0, 6)}`];
      for (const officerId of [first, second]) await givenOfficerWithAllocation(api, officerId, market);

      const one = await api.http.post(`/v1/leads/${await givenScoredLead(api, market)}/route`).send({}).expect(200);
      const two = await api.http.post(`/v1/leads/${await givenScoredLead(api, market)}/route`).send({}).expect(200);

      // A tie at net 0 goes to the smaller officer id; the second lead must see that officer at net 1.
      expect(one.body.officerId).toBe(first);
      expect(two.body.officerId).toBe(second);
      expect(two.body.decision.candidates.find((c: { officerId: string }) => c.officerId === first)).toMatchObject({ net: 1 });
      const pace = await api.http.get(`/v1/allocations/2026-11?marketId=${market}`).expect(200);
      expect(JSON.stringify(pace.body)).toContain(first);
    });

    it('reports the lag from the checkpoints stored with the read models', async () => {
      const status = api.app.get(ProjectionStatus);
      const head = String(api.countEvents());
      const lag = await waitUntil(async () => {
        const now = await status.lag();
        return now.checkpoint === head ? now : null;
      });

      expect(status.inProcess).toBe(false);
      expect(lag).toEqual({ events: 0, seconds: 0, checkpoint: head, head });
    });

    it('given the projector is stopped, when a lead is routed, then the answer is 503 READ_MODELS_LAGGING and nothing is decided; once it runs again, routing works', async () => {
      const market = await givenMarket(api);
      await givenOfficerWithAllocation(api, `lo-c-${randomUUID().slice(0, 6)}`, market);
      const leadId = await givenScoredLead(api, market);
      projector.child.kill('SIGTERM');
      expect(await projector.exited).toBe(0);
      // Something the stopped projector has not seen: the read models are now behind the ledger.
      const behind = await givenScoredLead(api, market);

      const refused = await api.http.post(`/v1/leads/${leadId}/route`).send({});

      expect(refused.status).toBe(503);
      expect(refused.body.code).toBe('READ_MODELS_LAGGING');
      expect(api.eventsInFile(`lead-${leadId}`).map((e) => e.type)).not.toContain('LeadRouted');
      expect((await api.app.get(ProjectionStatus).lag()).events).toBeGreaterThan(0);

      projector = startProjectorProcess({ LEDGER_URL: `sqlite:${api.ledgerPath}`, MONGODB_URL: url });
      const routed = await waitUntil(async () => {
        const response = await api.http.post(`/v1/leads/${leadId}/route`).send({});
        return response.status === 503 ? null : response;
      }, 200);
      expect(routed.status).toBe(200);
      expect(api.eventsInFile(`lead-${leadId}`).filter((e) => e.type === 'LeadRouted')).toHaveLength(1);
      await api.http.post(`/v1/leads/${behind}/route`).send({}).expect(200);
    });
  });

  describe('with PROJECTOR=in-process', () => {
    it('given the API projects into MongoDB itself, when it restarts on the same database, then the read models are at the head at once and it keeps routing on them', async () => {
      const url = databaseUrl();
      const env = { CLOCK: 'manual', MONGODB_URL: url, PROJECTOR: 'in-process', RATE_LIMIT_PER_MINUTE: '0' };
      let api = await startApp({ env });
      try {
        await api.http.put('/v1/admin/clock').send({ now: '2026-11-10T15:00:00Z' }).expect(200);
        const market = await givenMarket(api);
        const officerId = `lo-d-${randomUUID().slice(0, 6)}`;
        await givenOfficerWithAllocation(api, officerId, market);
        await api.http.post(`/v1/leads/${await givenScoredLead(api, market)}/route`).send({}).expect(200);
        expect(api.app.get(ProjectionStatus).inProcess).toBe(true);
        await api.stop();

        api = await startApp({ dataDir: api.dataDir, env });
        const lag = await api.app.get(ProjectionStatus).lag();
        expect(lag).toMatchObject({ events: 0, checkpoint: String(api.countEvents()) });
        const routed = await api.http.post(`/v1/leads/${await givenScoredLead(api, market)}/route`).send({}).expect(200);
        expect(routed.body.officerId).toBe(officerId);
        expect(routed.body.decision.candidates[0]).toMatchObject({ officerId, net: 1 });
      } finally {
        await api.close();
      }
    });
  });

  describe('configuration', () => {
    it('refuses PROJECTOR=external without MONGODB_URL: nobody else can write the embedded store', () => {
      expect(() => loadConfig({ PROJECTOR: 'external' })).toThrow(ConfigError);
      expect(() => loadConfig({ PROJECTOR: 'external' })).toThrow(/PROJECTOR=external needs MONGODB_URL/);
    });

    it('defaults: embedded projects in process; MONGODB_URL alone means the projector app writes', () => {
      expect(loadConfig({})).toMatchObject({ mongodbUrl: null, projector: 'in-process', projectionWaitMs: 5000 });
      expect(loadConfig({ MONGODB_URL: 'mongodb://db:27017/x' })).toMatchObject({ projector: 'external' });
      expect(() => loadConfig({ MONGODB_URL: 'http://user:secret@db' })).toThrow(/MONGODB_URL must start with mongodb:\/\//);
      expect(() => loadConfig({ MONGODB_URL: 'http://user:secret@db' })).not.toThrow(/secret/);
    });
  });

  describe('embedded default', () => {
    it('projects in process and reports the lag from its own projector', async () => {
      const api = await startApp();
      try {
        await api.http.put('/v1/markets/embedded').send({ name: 'Embedded', states: ['TX'], seatCap: 1, timeZone: 'America/Chicago' }).expect(201);
        const status = api.app.get(ProjectionStatus);
        expect(status.inProcess).toBe(true);
        const head = String(api.countEvents());
        expect(await status.lag()).toEqual({ events: 0, seconds: 0, checkpoint: head, head });
      } finally {
        await api.close();
      }
    });
  });

  // ---- helpers ----

  let databases = 0;
  function databaseUrl(): string {
    return standin.url.replace('/?', `/api_mongo_mode_${++databases}?`);
  }
});

async function givenMarket(api: RunningApp): Promise<string> {
  const marketId = `m-${randomUUID().slice(0, 8)}`;
  await api.http.put(`/v1/markets/${marketId}`).send({ name: marketId, states: ['TX'], seatCap: 10, timeZone: 'America/Chicago' }).expect(201);
  return marketId;
}

async function givenOfficerWithAllocation(api: RunningApp, officerId: string, marketId: string) {
  await api.http.put(`/v1/officers/${officerId}`).send({ name: officerId, nmlsId: '1234567', licensedStates: ['TX'], active: true }).expect(201);
  await api.http.put(`/v1/officers/${officerId}/allocations/2026-11`).send({ marketId, leads: 20 }).expect(201);
}

let borrowers = 0;
async function givenScoredLead(api: RunningApp, marketId: string): Promise<string> {
  // A new borrower every time: a repeat borrower would be routed by the dedupe rule instead.
  const n = 1000 + ++borrowers;
  const borrower = { firstName: 'Ada', lastName: 'Lee', phone: `+1214555${n}`, email: `ada.${randomUUID()}@example.com` };
  const consent = { ...(aLeadBody().consent as Record<string, unknown>), capturedAt: '2026-11-10T14:00:00Z' };
  const created = await api.http.post('/v1/leads').send(aLeadBody({ marketId, borrower, consent })).expect(201);
  await api.http.post(`/v1/leads/${created.body.leadId}/score`).send({ score: 80 }).expect(200);
  return created.body.leadId;
}
