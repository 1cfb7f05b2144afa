import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningApp, aLeadBody, startApp } from '../support/app-harness';

/**
 * The endpoints the UI reads, over real HTTP on the real embedded ledger: the markets list, the
 * pace series (against the pace table it must agree with), background verification runs, and the
 * static files under /ui.
 */
describe('UI endpoints', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ env: { CLOCK: 'manual', RATE_LIMIT_PER_MINUTE: '0' } });
    await running.http.put('/v1/admin/clock').send({ now: '2026-11-02T15:00:00Z' }).expect(200);
    await running.http.put('/v1/markets/dfw').send({ name: 'Dallas-Fort Worth', states: ['TX'], seatCap: 5, timeZone: 'America/Chicago' }).expect(201);
    for (const officerId of ['lo-ana', 'lo-ben']) {
      await running.http.put(`/v1/officers/${officerId}`).send({ name: `Officer ${officerId}`, nmlsId: '123456', licensedStates: ['TX'], active: true }).expect(201);
      await running.http.put(`/v1/officers/${officerId}/allocations/2026-11`).send({ marketId: 'dfw', leads: 30 }).expect(201);
    }
  }, 60_000);
  afterAll(() => running?.close());

  it('given routed, delivered and credited leads, when the series is read, then its summary equals the pace table and its last point is the net now', async () => {
    const leadIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      await setClock(`2026-11-0${3 + i}T16:00:00Z`);
      const created = await running.http
        .post('/v1/leads')
        .send(aLeadBody({ marketId: 'dfw', borrower: { firstName: 'Sam', lastName: `Lee${i}`, phone: `+1214555010${i}`, email: `sam${i}@example.com` }, consent: { tcpa: true, capturedAt: `2026-11-0${3 + i}T15:59:00Z`, text: 'I agree.' } }))
        .expect(201);
      const leadId = created.body.leadId as string;
      leadIds.push(leadId);
      await running.http.post(`/v1/leads/${leadId}/score`).send({ score: 80 }).expect(200);
      const routed = await running.http.post(`/v1/leads/${leadId}/route`).send({}).expect(200);
      await running.http.post(`/v1/leads/${leadId}/deliver`).send({ officerId: routed.body.officerId, channel: 'crm' }).expect(200);
    }
    await setClock('2026-11-08T12:00:00Z');
    await running.http.post(`/v1/leads/${leadIds[0]}/credit`).send({ reason: 'disconnected_number' }).expect(200);

    const series = (await running.http.get('/v1/allocations/2026-11/series?marketId=dfw').expect(200)).body;
    const table = (await running.http.get('/v1/allocations/2026-11?marketId=dfw').expect(200)).body;
    expect(series).toMatchObject({ month: '2026-11', marketId: 'dfw', timeZone: 'America/Chicago', asOf: '2026-11-08T12:00:00.000Z', resolution: 'day', daysInMonth: 30 });
    expect(series.officers.map((o: any) => o.officerId)).toEqual(['lo-ana', 'lo-ben']);
    for (const officer of series.officers) {
      const row = table.officers.find((r: any) => r.officerId === officer.officerId);
      expect(officer.summary).toMatchObject({ delivered: row.delivered, credited: row.credited, net: row.net, behindBy: row.behindBy });
      expect(officer.summary.expected).toBeCloseTo(row.expected, 9);
      expect(officer.summary.fulfilment).toBeCloseTo(row.net / row.allocation, 9);
      const now = officer.points.find((p: any) => p.at === series.asOf);
      expect(now).toMatchObject({ net: row.net, projected: false });
      expect(officer.points.at(-1)).toMatchObject({ day: 30, net: null, projected: true, expected: 30 });
    }
    const credited = series.officers.flatMap((o: any) => o.credits);
    expect(credited).toEqual([expect.objectContaining({ leadId: leadIds[0], reason: 'disconnected_number', at: '2026-11-08T12:00:00.000Z' })]);
    expect(series.officers.flatMap((o: any) => o.recentLeads.map((l: any) => l.leadId)).sort()).toEqual([...leadIds].sort());
  });

  it('lists markets with the months that have allocations', async () => {
    const list = (await running.http.get('/v1/markets').expect(200)).body;
    expect(list.markets).toEqual([{ marketId: 'dfw', name: 'Dallas-Fort Worth', states: ['TX'], timeZone: 'America/Chicago', seatCap: 5, months: ['2026-11'] }]);
    expect(typeof list.asOf).toBe('string');
  });

  it('refuses bad series requests with the standard error body, and needs a key', async () => {
    const missing = await running.http.get('/v1/allocations/2026-11/series').expect(400);
    expect(missing.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'marketId' })] });
    const badMonth = await running.http.get('/v1/allocations/2026-13/series?marketId=dfw').expect(400);
    expect(badMonth.body.details).toEqual([expect.objectContaining({ field: 'month' })]);
    const badResolution = await running.http.get('/v1/allocations/2026-11/series?marketId=dfw&resolution=minute').expect(400);
    expect(badResolution.body.details).toEqual([expect.objectContaining({ field: 'resolution' })]);
    const unknown = await running.http.get('/v1/allocations/2026-11/series?marketId=nowhere').expect(404);
    expect(unknown.body.code).toBe('MARKET_NOT_FOUND');
    await running.anonymous.get('/v1/allocations/2026-11/series?marketId=dfw').expect(401);
    await running.anonymous.get('/v1/markets').expect(401);
  });

  it('runs a verification in the background: 202 with a Location, progress, then a clean summary; a retry with the same Idempotency-Key answers the same run', async () => {
    const before = running.countEvents();
    const started = await running.http.post('/v1/ledger/verifications').set('idempotency-key', 'verify-1').send({}).expect(202);
    const retried = await running.http.post('/v1/ledger/verifications').set('idempotency-key', 'verify-1').send({}).expect(202);
    expect(retried.body.id).toBe(started.body.id);
    expect(started.headers.location).toBe(`/v1/ledger/verifications/${started.body.id}`);
    let job = started.body;
    const deadline = Date.now() + 120_000;
    while (job.status === 'running' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = (await running.http.get(started.headers.location).expect(200)).body;
    }
    expect(job).toMatchObject({ status: 'succeeded', error: null, requestedBy: 'key:admin', progress: { fraction: 1, violations: 0 } });
    expect(job.summary).toMatchObject({ ok: true, violations: [] });
    expect(job.summary.events).toBeGreaterThanOrEqual(before);
    expect(job.summary.checks.exclusivity.violations).toBe(0);
    // Verifying reads the ledger; it appends nothing.
    expect(running.countEvents()).toBe(before);
  }, 150_000);

  it('refuses a verification body with fields, a malformed run id and an unknown one', async () => {
    const withFields = await running.http.post('/v1/ledger/verifications').send({ deep: true }).expect(400);
    expect(withFields.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'deep', message: expect.any(String) }] });
    const malformed = await running.http.get('/v1/ledger/verifications/not-a-uuid').expect(400);
    expect(malformed.body.details).toEqual([expect.objectContaining({ field: 'verificationId' })]);
    const unknown = await running.http.get('/v1/ledger/verifications/6b0f6f0e-7a51-4c1e-9b7c-3f1f2a6c4d10').expect(404);
    expect(unknown.body.code).toBe('VERIFICATION_NOT_FOUND');
  });

  it('serves the UI without a key: the page, its modules and Chart.js from this origin, with a script policy that allows no inline code', async () => {
    const page = await running.anonymous.get('/ui').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<script type="module" src="/ui/app.js"></script>');
    expect(page.text).not.toMatch(/<script>(?!<)/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const app = await running.anonymous.get('/ui/app.js').expect(200);
    expect(app.headers['content-type']).toMatch(/^text\/javascript/);
    const chart = await running.anonymous.get('/ui/vendor/chart.umd.min.js').expect(200);
    expect(chart.text.length).toBeGreaterThan(100_000);
    await running.anonymous.get('/ui/app.js').set('if-none-match', app.headers.etag).expect(304);
    const missing = await running.anonymous.get('/ui/..%2Fui.controller.ts').expect(404);
    expect(missing.body.code).toBe('NOT_FOUND');
  });

  it('publishes the new endpoints in the OpenAPI document, with their scopes, and leaves /ui out of it', async () => {
    const document = (await running.anonymous.get('/docs-json').expect(200)).body;
    const operation = (path: string, method: string) => document.paths[path]?.[method];
    expect(operation('/v1/markets', 'get')).toMatchObject({ 'x-required-scopes': ['allocations:read'] });
    expect(operation('/v1/allocations/{month}/series', 'get')).toMatchObject({ 'x-required-scopes': ['allocations:read'] });
    expect(operation('/v1/allocations/{month}/series', 'get').parameters.map((parameter: any) => parameter.name).sort()).toEqual(['marketId', 'month', 'resolution']);
    expect(operation('/v1/ledger/verifications', 'post')).toMatchObject({ 'x-required-scopes': ['audit:read'] });
    expect(operation('/v1/ledger/verifications', 'post').responses['202']).toBeDefined();
    expect(operation('/v1/ledger/verifications/{verificationId}', 'get')).toMatchObject({ 'x-required-scopes': ['audit:read'] });
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/ui'))).toEqual([]);
  });

  async function setClock(now: string) {
    await running.http.put('/v1/admin/clock').send({ now }).expect(200);
  }
});

describe('UI endpoints and API-key scopes', () => {
  let running: RunningApp;
  const secret = () => `llk_${randomBytes(32).toString('base64url')}`;
  const keys = { admin: secret(), viewer: secret(), writer: secret() };
  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lead-ledger-ui-scopes-'));
    writeFileSync(join(dataDir, 'admin-api-key'), `${keys.admin}\n`, { mode: 0o600 });
    const configured = [
      { id: 'admin', sha256: sha256(keys.admin), scopes: ['admin'] },
      { id: 'viewer', sha256: sha256(keys.viewer), scopes: ['allocations:read', 'audit:read'] },
      { id: 'writer', sha256: sha256(keys.writer), scopes: ['leads:write'] },
    ];
    running = await startApp({ dataDir, env: { API_KEYS: JSON.stringify(configured), RATE_LIMIT_PER_MINUTE: '0' } });
    await running.http.put('/v1/markets/dfw').send({ name: 'Dallas-Fort Worth', states: ['TX'], seatCap: 5, timeZone: 'America/Chicago' }).expect(201);
  }, 60_000);
  afterAll(() => running?.close());

  it('allocations:read reads the markets and the series; audit:read runs verifications', async () => {
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    await running.anonymous.get('/v1/markets').set(as(keys.viewer)).expect(200);
    await running.anonymous.get('/v1/allocations/2026-11/series?marketId=dfw').set(as(keys.viewer)).expect(200);
    const started = await running.anonymous.post('/v1/ledger/verifications').set(as(keys.viewer)).send({}).expect(202);
    expect(started.body.requestedBy).toBe('key:viewer');
  });

  it('a key without those scopes gets 403 naming the scope it lacks', async () => {
    const as = { authorization: `Bearer ${keys.writer}` };
    for (const [request, scope] of [
      [running.anonymous.get('/v1/markets'), 'allocations:read'],
      [running.anonymous.get('/v1/allocations/2026-11/series?marketId=dfw'), 'allocations:read'],
      [running.anonymous.post('/v1/ledger/verifications').send({}), 'audit:read'],
      [running.anonymous.get('/v1/ledger/verifications/6b0f6f0e-7a51-4c1e-9b7c-3f1f2a6c4d10'), 'audit:read'],
    ] as const) {
      const refused = await request.set(as).expect(403);
      expect(refused.body).toMatchObject({ code: 'FORBIDDEN', details: [{ field: 'scope', message: `requires ${scope}` }] });
    }
  });
});

function sha256(value: string) {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
