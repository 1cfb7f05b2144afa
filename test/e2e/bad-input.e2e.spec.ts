import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { aLeadBody, RunningApp, startApp } from '../support/app-harness';

const OFFICER_ADA = 'officer-ada';
const NOT_A_UUID = 'lead-42';

type LeadState = 'none' | 'new' | 'scored' | 'routed' | 'delivered';

interface BadRequest {
  name: string;
  method: 'get' | 'post' | 'put';
  /** The path, given the id of a lead prepared in `state` (a valid body there would be accepted). */
  path: (leadId: string) => string;
  state: LeadState;
  body?: unknown;
  /** A body sent byte for byte, with its content type. */
  raw?: { contentType: string; payload: string };
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** Exactly the fields the details name (validation errors); omitted for errors without field details. */
  fields?: string[];
}

const leads = () => '/v1/leads';
const on = (command: string) => (id: string) => `/v1/leads/${id}/${command}`;
const summary = (id: string) => `/v1/leads/${id}`;
const history = (query: string) => (id: string) => `/v1/leads/${id}/history${query}`;

const validBody = aLeadBody();
const withLoan = (loan: Record<string, unknown>) => aLeadBody({ loan: { ...validBody.loan, ...loan } });
const withBorrower = (borrower: Record<string, unknown>) => aLeadBody({ borrower: { ...validBody.borrower, ...borrower } });
const withProperty = (property: Record<string, unknown>) => aLeadBody({ property: { ...validBody.property, ...property } });
const withConsent = (consent: Record<string, unknown>) => aLeadBody({ consent: { ...validBody.consent, ...consent } });
const without = (field: string) => Object.fromEntries(Object.entries(validBody).filter(([key]) => key !== field));
const validRoute = { officerId: OFFICER_ADA, reason: 'operator choice' };
const validDelivery = { officerId: OFFICER_ADA, channel: 'webhook' };

const validation = (fields: string[]) => ({ status: 400, code: 'VALIDATION_FAILED', fields });

const CASES: BadRequest[] = [
  // POST /v1/leads: wrong types and values
  { name: 'create: loan.amount as a string "350000"', method: 'post', path: leads, state: 'none', body: withLoan({ amount: '350000' }), ...validation(['loan.amount']) },
  { name: 'create: loan.amount 0', method: 'post', path: leads, state: 'none', body: withLoan({ amount: 0 }), ...validation(['loan.amount']) },
  { name: 'create: loan.amount with 3 decimals', method: 'post', path: leads, state: 'none', body: withLoan({ amount: 1000.125 }), ...validation(['loan.amount']) },
  { name: 'create: consent.tcpa as a string "true"', method: 'post', path: leads, state: 'none', body: withConsent({ tcpa: 'true' }), ...validation(['consent.tcpa']) },
  { name: 'create: borrower as a string', method: 'post', path: leads, state: 'none', body: aLeadBody({ borrower: 'Sarah Lee' }), ...validation(['borrower']) },
  // missing fields
  { name: 'create: no borrower', method: 'post', path: leads, state: 'none', body: without('borrower'), ...validation(['borrower']) },
  { name: 'create: no consent', method: 'post', path: leads, state: 'none', body: without('consent'), ...validation(['consent']) },
  { name: 'create: no loan.type', method: 'post', path: leads, state: 'none', body: aLeadBody({ loan: { amount: 200000 } }), ...validation(['loan.type']) },
  { name: 'create: no source.campaign', method: 'post', path: leads, state: 'none', body: aLeadBody({ source: { vendor: 'acme' } }), ...validation(['source.campaign']) },
  { name: 'create: empty consent {}', method: 'post', path: leads, state: 'none', body: aLeadBody({ consent: {} }), ...validation(['consent.tcpa']) },
  {
    name: 'create: empty JSON body',
    method: 'post',
    path: leads,
    state: 'none',
    raw: { contentType: 'application/json', payload: '' },
    ...validation(['source', 'borrower', 'property', 'loan', 'creditTier', 'consent']),
  },
  // unknown fields
  { name: 'create: unknown top-level field', method: 'post', path: leads, state: 'none', body: aLeadBody({ priority: 'high' }), ...validation(['priority']) },
  { name: 'create: unknown field in borrower', method: 'post', path: leads, state: 'none', body: withBorrower({ nickname: 'Sal' }), ...validation(['borrower.nickname']) },
  { name: 'create: unknown field in consent', method: 'post', path: leads, state: 'none', body: withConsent({ signature: 'x' }), ...validation(['consent.signature']) },
  // invalid enum values and formats
  { name: 'create: loan.type "lease"', method: 'post', path: leads, state: 'none', body: withLoan({ type: 'lease' }), ...validation(['loan.type']) },
  { name: 'create: loan.program "subprime"', method: 'post', path: leads, state: 'none', body: withLoan({ program: 'subprime' }), ...validation(['loan.program']) },
  { name: 'create: creditTier "great"', method: 'post', path: leads, state: 'none', body: aLeadBody({ creditTier: 'great' }), ...validation(['creditTier']) },
  { name: 'create: property.state "XX"', method: 'post', path: leads, state: 'none', body: withProperty({ state: 'XX' }), ...validation(['property.state']) },
  { name: 'create: 4-digit zip', method: 'post', path: leads, state: 'none', body: withProperty({ zip: '7520' }), ...validation(['property.zip']) },
  { name: 'create: letters in zip', method: 'post', path: leads, state: 'none', body: withProperty({ zip: '75A01' }), ...validation(['property.zip']) },
  { name: 'create: invalid phone', method: 'post', path: leads, state: 'none', body: withBorrower({ phone: '12345678' }), ...validation(['borrower.phone']) },
  { name: 'create: invalid email', method: 'post', path: leads, state: 'none', body: withBorrower({ email: 'sarah-at-example.com' }), ...validation(['borrower.email']) },
  { name: 'create: marketId not a slug', method: 'post', path: leads, state: 'none', body: aLeadBody({ marketId: 'DFW Metro' }), ...validation(['marketId']) },
  { name: 'create: leadId not a UUID', method: 'post', path: leads, state: 'none', body: aLeadBody({ leadId: NOT_A_UUID }), ...validation(['leadId']) },
  { name: 'create: consent.capturedAt not a time', method: 'post', path: leads, state: 'none', body: withConsent({ capturedAt: 'last tuesday' }), ...validation(['consent.capturedAt']) },
  // A time without a zone is read in the server's local time zone: the consent instant would depend on where the service runs.
  { name: 'create: consent.capturedAt without a zone', method: 'post', path: leads, state: 'none', body: withConsent({ capturedAt: '2026-11-01T15:04:05' }), ...validation(['consent.capturedAt']) },
  { name: 'create: consent.certificateUrl not http(s)', method: 'post', path: leads, state: 'none', body: withConsent({ certificateUrl: 'ftp://certs.example.com/1' }), ...validation(['consent.certificateUrl']) },
  // body encodings and sizes
  { name: 'create: body over 64 KiB', method: 'post', path: leads, state: 'none', body: withConsent({ text: 'x'.repeat(65 * 1024) }), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'create: not JSON with a JSON content type', method: 'post', path: leads, state: 'none', raw: { contentType: 'application/json', payload: '{"source": {' }, status: 400, code: 'MALFORMED_JSON' },
  { name: 'create: text/plain', method: 'post', path: leads, state: 'none', raw: { contentType: 'text/plain', payload: JSON.stringify(validBody) }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'create: a JSON array', method: 'post', path: leads, state: 'none', raw: { contentType: 'application/json', payload: JSON.stringify([validBody]) }, ...validation(['body']) },
  { name: 'create: JSON null', method: 'post', path: leads, state: 'none', raw: { contentType: 'application/json', payload: 'null' }, ...validation(['body']) },
  {
    name: 'create: a __proto__ key',
    method: 'post',
    path: leads,
    state: 'none',
    raw: { contentType: 'application/json', payload: JSON.stringify(validBody).replace(/^\{/, '{"__proto__":{"isAdmin":true},') },
    status: 400,
    code: 'MALFORMED_JSON',
  },
  {
    name: 'create: a nested constructor.prototype key',
    method: 'post',
    path: leads,
    state: 'none',
    raw: { contentType: 'application/json', payload: JSON.stringify(validBody).replace('"source":{', '"source":{"constructor":{"prototype":{"polluted":true}},') },
    status: 400,
    code: 'MALFORMED_JSON',
  },
  { name: 'create: Idempotency-Key over 255 characters', method: 'post', path: leads, state: 'none', body: validBody, headers: { 'idempotency-key': 'k'.repeat(256) }, ...validation(['Idempotency-Key']) },

  // POST /v1/leads/:id/score
  { name: 'score: 101', method: 'post', path: on('score'), state: 'new', body: { score: 101 }, ...validation(['score']) },
  { name: 'score: -1', method: 'post', path: on('score'), state: 'new', body: { score: -1 }, ...validation(['score']) },
  { name: 'score: "90" as a string', method: 'post', path: on('score'), state: 'new', body: { score: '90' }, ...validation(['score']) },
  { name: 'score: null', method: 'post', path: on('score'), state: 'new', body: { score: null }, ...validation(['score']) },
  { name: 'score: missing', method: 'post', path: on('score'), state: 'new', body: { grade: 'A' }, ...validation(['score']) },
  { name: 'score: grade "E"', method: 'post', path: on('score'), state: 'new', body: { score: 50, grade: 'E' }, ...validation(['grade']) },
  { name: 'score: reasons not an array', method: 'post', path: on('score'), state: 'new', body: { score: 50, reasons: 'good income' }, ...validation(['reasons']) },
  { name: 'score: unknown field', method: 'post', path: on('score'), state: 'new', body: { score: 50, confidence: 0.9 }, ...validation(['confidence']) },
  { name: 'score: invalid UUID in path', method: 'post', path: () => `/v1/leads/${NOT_A_UUID}/score`, state: 'none', body: { score: 50 }, ...validation(['leadId']) },
  { name: 'score: a JSON array', method: 'post', path: on('score'), state: 'new', raw: { contentType: 'application/json', payload: '[{"score":50}]' }, ...validation(['body']) },
  { name: 'score: text/plain', method: 'post', path: on('score'), state: 'new', raw: { contentType: 'text/plain', payload: '{"score":50}' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'score: not JSON', method: 'post', path: on('score'), state: 'new', raw: { contentType: 'application/json', payload: 'score=50' }, status: 400, code: 'MALFORMED_JSON' },

  // POST /v1/leads/:id/route
  { name: 'route: officerId not a slug', method: 'post', path: on('route'), state: 'scored', body: { officerId: 'Officer Ada', reason: 'x' }, ...validation(['officerId']) },
  { name: 'route: officerId a number', method: 'post', path: on('route'), state: 'scored', body: { officerId: 42, reason: 'x' }, ...validation(['officerId']) },
  { name: 'route: officerId without a reason', method: 'post', path: on('route'), state: 'scored', body: { officerId: OFFICER_ADA }, ...validation(['reason']) },
  { name: 'route: empty reason', method: 'post', path: on('route'), state: 'scored', body: { officerId: OFFICER_ADA, reason: '' }, ...validation(['reason']) },
  { name: 'route: unknown field', method: 'post', path: on('route'), state: 'scored', body: { ...validRoute, priority: 1 }, ...validation(['priority']) },
  { name: 'route: invalid UUID in path', method: 'post', path: () => `/v1/leads/${NOT_A_UUID}/route`, state: 'none', body: validRoute, ...validation(['leadId']) },
  {
    name: 'route: a __proto__ key',
    method: 'post',
    path: on('route'),
    state: 'scored',
    raw: { contentType: 'application/json', payload: '{"officerId":"officer-ada","reason":"x","__proto__":{"officerId":"officer-bo"}}' },
    status: 400,
    code: 'MALFORMED_JSON',
  },

  // POST /v1/leads/:id/delivery-failures
  { name: 'delivery-failures: no reason', method: 'post', path: on('delivery-failures'), state: 'routed', body: { officerId: OFFICER_ADA }, ...validation(['reason']) },
  { name: 'delivery-failures: no officerId', method: 'post', path: on('delivery-failures'), state: 'routed', body: { reason: 'bounced' }, ...validation(['officerId']) },
  { name: 'delivery-failures: unknown field', method: 'post', path: on('delivery-failures'), state: 'routed', body: { officerId: OFFICER_ADA, reason: 'bounced', retry: true }, ...validation(['retry']) },
  { name: 'delivery-failures: invalid UUID in path', method: 'post', path: () => `/v1/leads/${NOT_A_UUID}/delivery-failures`, state: 'none', body: { officerId: OFFICER_ADA, reason: 'bounced' }, ...validation(['leadId']) },

  // POST /v1/leads/:id/deliver
  { name: 'deliver: channel "fax"', method: 'post', path: on('deliver'), state: 'routed', body: { officerId: OFFICER_ADA, channel: 'fax' }, ...validation(['channel']) },
  { name: 'deliver: no officerId', method: 'post', path: on('deliver'), state: 'routed', body: { channel: 'email' }, ...validation(['officerId']) },
  { name: 'deliver: receipt a number', method: 'post', path: on('deliver'), state: 'routed', body: { ...validDelivery, receipt: 123 }, ...validation(['receipt']) },
  { name: 'deliver: unknown field', method: 'post', path: on('deliver'), state: 'routed', body: { ...validDelivery, attempts: 2 }, ...validation(['attempts']) },
  { name: 'deliver: invalid UUID in path', method: 'post', path: () => `/v1/leads/${NOT_A_UUID}/deliver`, state: 'none', body: validDelivery, ...validation(['leadId']) },

  // POST /v1/leads/:id/credit
  { name: 'credit: reason "bored"', method: 'post', path: on('credit'), state: 'delivered', body: { reason: 'bored' }, ...validation(['reason']) },
  { name: 'credit: no reason', method: 'post', path: on('credit'), state: 'delivered', body: { note: 'no reason given' }, ...validation(['reason']) },
  { name: 'credit: note a number', method: 'post', path: on('credit'), state: 'delivered', body: { reason: 'duplicate', note: 42 }, ...validation(['note']) },
  { name: 'credit: unknown field', method: 'post', path: on('credit'), state: 'delivered', body: { reason: 'duplicate', amount: 10 }, ...validation(['amount']) },
  { name: 'credit: invalid UUID in path', method: 'post', path: () => `/v1/leads/${NOT_A_UUID}/credit`, state: 'none', body: { reason: 'duplicate' }, ...validation(['leadId']) },
  { name: 'credit: body over 64 KiB', method: 'post', path: on('credit'), state: 'delivered', body: { reason: 'other', note: 'n'.repeat(65 * 1024) }, status: 413, code: 'PAYLOAD_TOO_LARGE' },

  // GETs
  { name: 'GET lead: invalid UUID in path', method: 'get', path: () => `/v1/leads/${NOT_A_UUID}`, state: 'none', ...validation(['leadId']) },
  { name: 'GET history: invalid UUID in path', method: 'get', path: () => `/v1/leads/${NOT_A_UUID}/history`, state: 'none', ...validation(['leadId']) },
  { name: 'GET history: format=xml', method: 'get', path: history('?format=xml'), state: 'new', ...validation(['format']) },
  { name: 'GET history: format=CSV (case matters)', method: 'get', path: history('?format=CSV'), state: 'new', ...validation(['format']) },
  { name: 'GET history: unknown query parameter', method: 'get', path: history('?since=3'), state: 'new', ...validation(['since']) },
  { name: 'GET lead: unknown lead', method: 'get', path: () => summary(randomUUID()), state: 'none', status: 404, code: 'LEAD_NOT_FOUND' },
];

let phoneCounter = 4000;

describe('bad input (e2e, embedded ledger)', () => {
  let api: RunningApp;
  let leadId: string;

  beforeAll(async () => {
    api = await startApp();
    await onboardOfficers([OFFICER_ADA]);
  });
  afterAll(async () => api?.close());
  beforeEach(() => {
    leadId = randomUUID();
  });

  it.each([
    ['a malformed percent-encoding in the path', '/v1/leads/%zz/score', 400, 'MALFORMED_URL'],
    ['a path parameter over the router limit', `/v1/leads/${'a'.repeat(200)}/score`, 414, 'URI_TOO_LONG'],
  ])('%s → refused by the router in the contract shape (%s), nothing appended', async (_, path, status, code) => {
    const before = api.countEvents();
    const res = await api.http.post(path as string).send({ score: 50 });
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ code, message: expect.stringMatching(/\S/), details: [] });
    expect(api.countEvents()).toBe(before);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s → refused with its exact status and code, nothing appended', async (_, bad) => {
    // given: a lead in a state where a valid request would have been accepted
    await leadIn(bad.state, leadId);
    const before = api.countEvents();

    // when
    const res = await send(bad);

    // then
    expect(res.status).toBeLessThan(500);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: bad.status, code: bad.code });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ code: bad.code, message: expect.stringMatching(/\S/), details: expect.any(Array) });
    if (bad.fields) {
      expect(res.body.details.length).toBeGreaterThan(0);
      for (const detail of res.body.details) expect(detail).toEqual({ field: expect.any(String), message: expect.stringMatching(/\S/) });
      expect(uniqueFields(res)).toEqual([...bad.fields].sort());
    }
    expect(api.countEvents()).toBe(before);
  });

  it('every case in the table is a real refusal: the same request made valid is accepted', async () => {
    // given: one valid request per endpoint the table covers, each in the state its cases use
    const valid: Array<{ state: LeadState; request: (id: string) => PromiseLike<Response>; status: number; appends: number }> = [
      { state: 'none', request: () => api.http.post(leads()).send(leadBody()), status: 201, appends: 1 },
      { state: 'new', request: (id) => api.http.post(on('score')(id)).send({ score: 50, grade: 'C', reasons: ['ok'] }), status: 200, appends: 1 },
      { state: 'scored', request: (id) => api.http.post(on('route')(id)).send(validRoute), status: 200, appends: 1 },
      { state: 'routed', request: (id) => api.http.post(on('delivery-failures')(id)).send({ officerId: OFFICER_ADA, reason: 'bounced' }), status: 200, appends: 1 },
      { state: 'routed', request: (id) => api.http.post(on('deliver')(id)).send({ ...validDelivery, receipt: 'r-1' }), status: 200, appends: 1 },
      { state: 'delivered', request: (id) => api.http.post(on('credit')(id)).send({ reason: 'duplicate', note: 'seen before' }), status: 200, appends: 1 },
      // A history export records a Merkle digest covering the lead, if none does yet, for its proof.
      { state: 'new', request: (id) => api.http.get(history('?format=csv')(id)), status: 200, appends: 1 },
      { state: 'new', request: (id) => api.http.get(summary(id)), status: 200, appends: 0 },
    ];

    for (const { state, request, status, appends } of valid) {
      const id = randomUUID();
      await leadIn(state, id);
      const before = api.countEvents();

      // when
      const res = await request(id);

      // then
      expect(res.status).toBe(status);
      expect(api.countEvents()).toBe(before + appends);
    }
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

  function send(bad: BadRequest): PromiseLike<Response> {
    let req = api.http[bad.method](bad.path(leadId));
    for (const [name, value] of Object.entries(bad.headers ?? {})) req = req.set(name, value);
    if (bad.raw) return req.set('content-type', bad.raw.contentType).send(bad.raw.payload);
    return bad.body === undefined ? req : req.send(bad.body as object);
  }

  function uniqueFields(res: Response): string[] {
    return [...new Set<string>(res.body.details.map((d: { field: string }) => d.field))].sort();
  }

  function leadBody(id?: string) {
    phoneCounter += 1;
    return aLeadBody({
      ...(id !== undefined && { leadId: id }),
      borrower: { firstName: 'Kim', lastName: 'Ng', phone: `+1817555${phoneCounter}`, email: `bad-${phoneCounter}@example.com` },
    });
  }

  async function leadIn(state: LeadState, id: string) {
    if (state === 'none') return;
    expect((await api.http.post('/v1/leads').send(leadBody(id))).status).toBe(201);
    if (state === 'new') return;
    expect((await api.http.post(`/v1/leads/${id}/score`).send({ score: 66 })).status).toBe(200);
    if (state === 'scored') return;
    expect((await api.http.post(`/v1/leads/${id}/route`).send(validRoute)).status).toBe(200);
    if (state === 'routed') return;
    expect((await api.http.post(`/v1/leads/${id}/deliver`).send(validDelivery)).status).toBe(200);
  }
});
