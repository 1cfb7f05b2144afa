import fc from 'fast-check';
import { allocationBody, leadBody, marketBody, MONTH, NOW, officerBody } from './support/fixtures';
import { describeRequest, FuzzRequest, KnownIds, requestArbitrary } from './support/fuzz-model';
import { InProcessApp, startInProcessApp } from './support/in-process-app';
import { intFromEnv, writeResults } from './support/results';

/**
 * Hostile input against every endpoint the app registers (taken from Fastify's route table, so new
 * endpoints are fuzzed without touching this file): arbitrary and mutated-valid bodies, headers,
 * path ids and query strings, through the real HTTP stack (Fastify inject: everything but the
 * socket) on a real embedded ledger file.
 *
 * Properties, per request: never a 5xx; every 4xx is {code, message, details?}; a 4xx appends
 * nothing to the ledger file (the one refusal the contract records is 422 NO_ELIGIBLE_OFFICER on
 * /route, which appends exactly one LeadUnroutable).
 *
 * FUZZ_RUNS (default 10000) sets the number of requests; FUZZ_SEED (and FUZZ_PATH from a failure
 * report) replays a run. `npm test` uses a fixed seed, so CI is reproducible and the coverage checks
 * (every lead command succeeds at least once) cannot flake; `FUZZ_SEED=random` (what
 * `npm run test:reliability` sets) explores a fresh sequence every run.
 */
const RUNS = intFromEnv('FUZZ_RUNS', 10_000);
const DEFAULT_SEED = 20261123;
const SEED = process.env.FUZZ_SEED === 'random' ? undefined : process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : DEFAULT_SEED;
const ERROR_CODE = /^[A-Z][A-Z0-9_]*$/;
/** FUZZ_STRICT=1: known bugs fail the run like any other counterexample. */
const STRICT = process.env.FUZZ_STRICT === '1';

/**
 * Product bugs this fuzzing found that are not fixed yet (their owners were told; see the skipped
 * tests at the end, which assert the correct behaviour and should be unskipped with the fix).
 * A failure that matches one is counted and reported, so the run still finds everything else.
 */
/**
 * Bugs a fuzz run found and that are not fixed yet: a hit is counted and reported instead of failing
 * the run (FUZZ_STRICT=1 fails on them too). Empty now: the last two (deep nesting and 1e-7 numbers
 * answering 500) are fixed and kept as regression tests at the end.
 */
const KNOWN_BUGS: Array<{ id: string; description: string; matches: (request: FuzzRequest, status: number) => boolean }> = [];

describe(`fuzzing every endpoint with ${RUNS} hostile requests (real HTTP stack, embedded ledger)`, () => {
  let api: InProcessApp;
  const ids: KnownIds = { leads: [], markets: [], officers: [], exports: [], months: [MONTH, '2026-12'], holders: new Map(), byParam: new Map() };

  let paramNames: string[] = [];

  beforeAll(async () => {
    api = await startInProcessApp({ CLOCK: 'manual', DIGEST_EVERY_EVENTS: '1000000000' });
    paramNames = [...new Set(api.routes.flatMap((r) => r.url.split('/').filter((s) => s.startsWith(':')).map((s) => s.slice(1).replace(/\(.*$/, ''))))];
    await givenReferenceDataAndLeadsInEveryState();
  }, 120_000);
  afterAll(async () => api?.close());

  it(
    'answers no request with a 5xx, refuses with the error shape, and appends nothing when it refuses',
    async () => {
      const started = Date.now();
      const statusesByRoute = new Map<string, Record<number, number>>();
      let appendsByRefusals = 0;
      const msByRoute: Record<string, number> = {};
      const knownBugHits: Record<string, number> = {};
      const codesByRoute = new Map<string, Record<string, number>>();
      let n = 1_000;
      const reusableKeys = ['fuzz-reused-1', 'fuzz-reused-2', 'fuzz-reused-3'];
      const property = fc.asyncProperty(
        requestArbitrary(api.routes, ids, api.adminKey, reusableKeys, () => ++n),
        async (request) => {
          const before = api.ledger.head();
          const sentAt = performance.now();
          const response = await send(request);
          const routeKey = `${request.method} ${request.route}`;
          msByRoute[routeKey] = (msByRoute[routeKey] ?? 0) + (performance.now() - sentAt);
          const appended = api.ledger.eventsAfter(before);
          const histogram = statusesByRoute.get(`${request.method} ${request.route}`) ?? {};
          histogram[response.statusCode] = (histogram[response.statusCode] ?? 0) + 1;
          statusesByRoute.set(`${request.method} ${request.route}`, histogram);
          if (response.statusCode >= 400) {
            const code = `${response.statusCode} ${safeCode(response.body)}`;
            const codes = codesByRoute.get(routeKey) ?? {};
            codes[code] = (codes[code] ?? 0) + 1;
            codesByRoute.set(routeKey, codes);
          }
          const problem = problemWith(request, response, appended);
          const knownBug = problem && !STRICT ? KNOWN_BUGS.find((bug) => bug.matches(request, response.statusCode)) : undefined;
          if (knownBug) {
            knownBugHits[knownBug.id] = (knownBugHits[knownBug.id] ?? 0) + 1;
            return;
          }
          if (problem) {
            if (response.statusCode >= 400 && response.statusCode < 500 && appended.length > 0) appendsByRefusals++;
            throw new Error(`${problem}\n--- request ---\n${describeRequest(request)}\n--- response ---\n${response.statusCode} ${response.body.slice(0, 1_000)}`);
          }
          learnIds(request, response);
        },
      );
      const details = await fc.check(property, { numRuns: RUNS, seed: SEED, path: process.env.FUZZ_PATH, endOnFailure: process.env.FUZZ_SHRINK === '0' });

      const cases = [...statusesByRoute.values()].reduce((sum, histogram) => sum + Object.values(histogram).reduce((a, b) => a + b, 0), 0);
      const byClass = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 } as Record<string, number>;
      for (const histogram of statusesByRoute.values()) for (const [status, count] of Object.entries(histogram)) byClass[`${String(status)[0]}xx`] += count;
      writeResults('fuzz', {
        runs: RUNS,
        casesExecuted: cases,
        seed: details.seed,
        failed: details.failed,
        counterexample: details.failed ? String((details.errorInstance as Error | undefined)?.message ?? details.errorInstance) : null,
        byClass,
        routes: Object.fromEntries(statusesByRoute),
        refusalCodesByRoute: Object.fromEntries(codesByRoute),
        routesInApp: api.routes.map((r) => `${r.method} ${r.url}`),
        appendsByRefusals,
        knownBugs: KNOWN_BUGS.map((bug) => ({ id: bug.id, description: bug.description, hits: knownBugHits[bug.id] ?? 0 })),
        msByRoute: Object.fromEntries(Object.entries(msByRoute).map(([k, v]) => [k, Math.round(v)])),
        seconds: Math.round((Date.now() - started) / 1000),
      });
      if (Object.keys(knownBugHits).length > 0) {
        // eslint-disable-next-line no-console
        console.warn(`known product bugs hit while fuzzing (not counted as new failures): ${JSON.stringify(knownBugHits)}`);
      }
      if (details.failed) {
        throw new Error(
          `fuzzing found a counterexample (shrunk to the smallest failing request fast-check could find).\n` +
            `Replay: FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath} FUZZ_RUNS=${RUNS} npx jest ${__filename}\n\n` +
            `${(details.errorInstance as Error | undefined)?.message ?? String(details.errorInstance)}`,
        );
      }
      // Every registered endpoint was exercised, and the lead commands reached their business logic (a 2xx).
      expect(api.routes.filter((r) => !statusesByRoute.has(`${r.method} ${r.url}`)).map((r) => `${r.method} ${r.url}`)).toEqual([]);
      // (Checked from 5,000 runs: a shorter run may simply not reach every state.)
      for (const action of RUNS >= 5_000 ? ['score', 'route', 'deliver', 'credit', 'delivery-failures'] : []) {
        const histogram = statusesByRoute.get(`POST /v1/leads/:leadId/${action}`) ?? {};
        expect({ action, successes: Object.entries(histogram).some(([status]) => Number(status) < 300) }).toEqual({ action, successes: true });
      }
      const knownFiveHundreds = Object.values(knownBugHits).reduce((a, b) => a + b, 0);
      expect(byClass['5xx']).toBe(knownFiveHundreds);
    },
    Math.max(300_000, RUNS * 60),
  );

  // Regressions of bugs fuzzing found: both answered 500 (stack overflow in request hashing; class-validator's decimal count on "1e-7").
  it('refuses a JSON body nested thousands of levels deep with a 400, appending nothing', async () => {
    const before = api.ledger.head();
    for (const payload of ['{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000), '['.repeat(20_000) + ']'.repeat(20_000)]) {
      const response = await api.app.inject({ method: 'POST', url: '/v1/leads', headers: { authorization: `Bearer ${api.adminKey}`, 'content-type': 'application/json' }, payload });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: expect.stringMatching(ERROR_CODE) });
    }
    expect(api.ledger.head()).toBe(before);
  });

  it('refuses a score of 1e-7 (more than 4 decimals, printed with an exponent) with a 400', async () => {
    const response = await api.app.inject({ method: 'POST', url: `/v1/leads/${ids.leads[1]}/score`, headers: { authorization: `Bearer ${api.adminKey}`, 'content-type': 'application/json' }, payload: '{"score":1e-7}' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'score' })] });
  });

  // ---- helpers ----

  async function send(request: FuzzRequest) {
    const response = await api.app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, ...(request.payload !== undefined && { payload: request.payload }) });
    return { statusCode: response.statusCode, headers: response.headers, body: response.body };
  }

  /** What is wrong with this answer, or null. */
  function problemWith(request: FuzzRequest, response: { statusCode: number; headers: Record<string, unknown>; body: string }, appended: Array<{ stream: string; type: string }>): string | null {
    const status = response.statusCode;
    if (status >= 500) return `answered ${status} (a 5xx on client input is a bug)`;
    if (status < 400) return null;
    let body: any;
    try {
      body = JSON.parse(response.body);
    } catch {
      return `${status} with a body that is not JSON`;
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return `${status} with a body that is not an object`;
    if (typeof body.code !== 'string' || !ERROR_CODE.test(body.code)) return `${status} without an UPPER_SNAKE code`;
    if (typeof body.message !== 'string' || body.message.trim() === '') return `${status} without a message`;
    if (body.details !== undefined && (!Array.isArray(body.details) || body.details.some((d: any) => !d || typeof d !== 'object' || typeof d.message !== 'string'))) {
      return `${status} with details that are not a list of {field?, message}`;
    }
    if (!/json/.test(String(response.headers['content-type'] ?? ''))) return `${status} error not sent as JSON (content-type ${response.headers['content-type']})`;
    // The contract records one refusal: an automatic route with nobody eligible appends LeadUnroutable (once per distinct outcome).
    const recordedRefusal = status === 422 && body.code === 'NO_ELIGIBLE_OFFICER' && request.route === '/v1/leads/:leadId/route';
    const allowed = recordedRefusal && appended.length === 1 && appended[0].type === 'LeadUnroutable' && appended[0].stream.startsWith('lead-');
    if (appended.length > 0 && !allowed) return `${status} ${body.code} refused the request but appended ${appended.length} event(s): ${appended.map((e) => `${e.stream} ${e.type}`).join(', ')}`;
    return null;
  }

  /** Ids created along the way join the pools, so later requests find them. */
  function learnIds(request: FuzzRequest, response: { statusCode: number; headers: Record<string, unknown>; body: string }) {
    if (response.statusCode >= 300) return;
    if (request.method === 'POST' && request.route === '/v1/leads') {
      const leadId = JSON.parse(response.body).leadId;
      if (typeof leadId === 'string' && !ids.leads.includes(leadId)) ids.leads.push(leadId);
      if (ids.leads.length > 500) ids.leads.splice(100, 1); // keep the seeded leads in every state
    }
    if (request.route === '/v1/leads/:leadId/route' && response.statusCode === 200) {
      const routed = JSON.parse(response.body);
      ids.holders.set(routed.leadId, routed.officerId);
    }
    if (/json/.test(String(response.headers['content-type'] ?? ''))) {
      let body: unknown;
      try {
        body = JSON.parse(response.body);
      } catch {
        body = null;
      }
      harvest(body);
    }
    const exportId = response.headers['x-export-id'];
    if (typeof exportId === 'string' && ids.exports.length < 50) ids.exports.push(exportId);
  }

  function harvest(body: unknown) {
    if (!body || typeof body !== 'object') return;
    for (const name of paramNames) {
      const value = (body as Record<string, unknown>)[name];
      const pool = ids.byParam.get(name) ?? [];
      if (typeof value === 'string' && value !== '' && !pool.includes(value) && pool.length < 100) ids.byParam.set(name, [...pool, value]);
    }
  }

  async function must(method: 'PUT' | 'POST' | 'GET', url: string, body?: unknown) {
    const response = await api.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${api.adminKey}`, 'content-type': 'application/json' },
      ...(body !== undefined && { payload: JSON.stringify(body) }),
    });
    if (response.statusCode >= 300) throw new Error(`setup ${method} ${url}: ${response.statusCode} ${response.body}`);
    return response;
  }

  /** Markets, officers with allocations (one of them small and full), and leads in every state. */
  async function givenReferenceDataAndLeadsInEveryState() {
    await must('PUT', '/v1/admin/clock', { now: NOW });
    await must('PUT', '/v1/markets/fz-tx', marketBody('Fuzz TX', ['TX'], 'America/Chicago'));
    await must('PUT', '/v1/markets/fz-fl', marketBody('Fuzz FL', ['FL'], 'America/New_York'));
    ids.markets.push('fz-tx', 'fz-fl');
    const officers: Array<[string, string, string, number]> = [
      ['fz-ana', 'TX', 'fz-tx', 5_000],
      ['fz-bo', 'TX', 'fz-tx', 5_000],
      ['fz-cy', 'FL', 'fz-fl', 1],
    ];
    for (const [officerId, state, marketId, leads] of officers) {
      await must('PUT', `/v1/officers/${officerId}`, officerBody(officerId, [state]));
      await must('PUT', `/v1/officers/${officerId}/allocations/${MONTH}`, allocationBody(marketId, leads));
      ids.officers.push(officerId);
    }
    // 100 leads, 20 in each state, so lead commands often find a lead they apply to.
    for (let i = 0; i < 100; i++) {
      const florida = i % 5 === 4;
      const created = await must('POST', '/v1/leads', leadBody(i, 'fuzz-seed', florida ? { state: 'FL', zip: '33101' } : { state: 'TX', zip: '75201' }));
      const leadId = created.json().leadId as string;
      ids.leads.push(leadId);
      if (i % 5 === 0) continue; // new
      await must('POST', `/v1/leads/${leadId}/score`, { score: 70 });
      if (i % 5 === 1) continue; // scored
      const route = await api.app.inject({ method: 'POST', url: `/v1/leads/${leadId}/route`, headers: { authorization: `Bearer ${api.adminKey}`, 'content-type': 'application/json' }, payload: '{}' });
      if (route.statusCode !== 200 || i % 5 === 2) continue; // routed (or unroutable: fz-cy's single slot is soon taken)
      const officerId = route.json().officerId as string;
      ids.holders.set(leadId, officerId);
      await must('POST', `/v1/leads/${leadId}/deliver`, { officerId, channel: 'crm' });
      // Most delivered leads stay uncredited, so fuzzed credits regularly find one they apply to
      // (the coverage check below needs a successful credit in every run, whatever the seed).
      if (i % 20 === 3) await must('POST', `/v1/leads/${leadId}/credit`, { reason: 'duplicate' });
    }
    for (const leadId of ids.leads) harvest((await must('GET', `/v1/leads/${leadId}`)).json());
    const exported = await must('GET', `/v1/exports/leads?officerId=fz-ana&status=credited`);
    ids.exports.push(String(exported.headers['x-export-id']));
  }
});

function safeCode(body: string): string {
  try {
    return String(JSON.parse(body).code);
  } catch {
    return '(not JSON)';
  }
}
