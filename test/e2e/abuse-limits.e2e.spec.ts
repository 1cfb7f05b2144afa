import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newApiKeySecret, sha256Hex } from '../../apps/api/src/auth/api-key-config';
import { aLeadBody, RunningApp, startApp } from '../support/app-harness';

const MONTH = new Date().toISOString().slice(0, 7);

describe('abuse limits (e2e, embedded ledger)', () => {
  describe('rate limits per API key', () => {
    const LIMIT = 3;
    const alice = newApiKeySecret();
    const bob = newApiKeySecret();
    let api: RunningApp;

    beforeAll(async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'lead-ledger-limits-'));
      const admin = newApiKeySecret();
      writeFileSync(join(dataDir, 'admin-api-key'), `${admin}\n`, { mode: 0o600 });
      const keys = [
        { id: 'admin', sha256: sha256Hex(admin), scopes: ['admin'] },
        { id: 'alice', sha256: sha256Hex(alice), scopes: ['allocations:read'] },
        { id: 'bob', sha256: sha256Hex(bob), scopes: ['allocations:read'] },
      ];
      api = await startApp({ dataDir, env: { API_KEYS: JSON.stringify(keys), RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
    });
    afterAll(async () => api?.close());

    it('refuses the request past the limit with 429 RATE_LIMITED and Retry-After, whatever the endpoint, and only for that key', async () => {
      // given: alice spends her budget on two different endpoints
      const spent = [
        await asKey(alice).get('/v1/markets/nowhere'),
        await asKey(alice).get('/v1/officers/nobody'),
        await asKey(alice).get(`/v1/allocations/${MONTH}`).query({ marketId: 'nowhere' }),
      ];

      // when
      const over = await asKey(alice).get('/v1/markets/nowhere');
      const bobMeanwhile = await asKey(bob).get('/v1/markets/nowhere');

      // then
      expect(spent.map((response) => response.status)).toEqual([404, 404, 404]);
      expect(over.status).toBe(429);
      expect(over.body).toMatchObject({ code: 'RATE_LIMITED', details: [] });
      expect(over.body.message).toMatch(/this API key/);
      const retryAfter = Number(over.headers['retry-after']);
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
      expect(bobMeanwhile.status).toBe(404);
    });

    it('limits requests without a valid key by client address, so keys cannot be guessed at speed', async () => {
      // when
      const guesses = [];
      for (let i = 0; i <= LIMIT; i++) guesses.push(await api.anonymous.get('/v1/markets/nowhere').set('authorization', `Bearer ${newApiKeySecret()}`));

      // then
      expect(guesses.slice(0, LIMIT).map((response) => response.status)).toEqual(Array(LIMIT).fill(401));
      expect(guesses[LIMIT].status).toBe(429);
      expect(guesses[LIMIT].body.code).toBe('RATE_LIMITED');
      expect(guesses[LIMIT].body.message).toMatch(/this client address/);
    });

    it('does not limit the open endpoints outside /v1', async () => {
      const statuses = [];
      for (let i = 0; i <= LIMIT + 1; i++) statuses.push((await api.anonymous.get('/health/live')).status);
      expect(statuses).not.toContain(429);
    });

    function asKey(secret: string) {
      return {
        get: (path: string) => api.anonymous.get(path).set('authorization', `Bearer ${secret}`),
      };
    }
  });

  describe('RATE_LIMIT_PER_MINUTE=0', () => {
    it('turns limiting off', async () => {
      const api = await startApp({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
      try {
        const statuses = [];
        for (let i = 0; i < 30; i++) statuses.push((await api.http.get('/v1/markets/nowhere')).status);
        expect(new Set(statuses)).toEqual(new Set([404]));
      } finally {
        await api.close();
      }
    });
  });

  describe('request bodies', () => {
    let api: RunningApp;

    beforeAll(async () => {
      api = await startApp({ env: { BODY_LIMIT_BYTES: '2048' } });
    });
    afterAll(async () => api?.close());

    it('a body over BODY_LIMIT_BYTES gets 413 PAYLOAD_TOO_LARGE and appends nothing', async () => {
      // given
      const body = aLeadBody({ leadId: randomUUID(), source: { campaign: 'x'.repeat(4096) } });
      const before = api.countEvents();

      // when
      const response = await api.http.post('/v1/leads').send(body);

      // then
      expect(response.status).toBe(413);
      expect(response.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      expect(api.countEvents()).toBe(before);
    });

    it.each([
      ['__proto__ at the top', '{"__proto__":{"isAdmin":true},"score":80}'],
      ['__proto__ nested', '{"score":80,"reasons":[],"model":{"__proto__":{"isAdmin":true}}}'],
      ['constructor.prototype', '{"constructor":{"prototype":{"isAdmin":true}},"score":80}'],
    ])('a body with %s is refused with 400, appends nothing and pollutes nothing', async (_case, text) => {
      // given
      const leadId = randomUUID();
      const before = api.countEvents();

      // when
      const response = await api.http.post(`/v1/leads/${leadId}/score`).set('content-type', 'application/json').send(text);

      // then
      expect(response.status).toBe(400);
      expect(response.body.code).toMatch(/^(MALFORMED_JSON|VALIDATION_FAILED)$/);
      expect(api.countEvents()).toBe(before);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it.each([
      ['text/plain', 'score=80'],
      ['application/x-www-form-urlencoded', 'score=80'],
      ['application/xml', '<score>80</score>'],
    ])('a write sent as %s gets 415 UNSUPPORTED_MEDIA_TYPE and appends nothing', async (contentType, text) => {
      const before = api.countEvents();
      const response = await api.http.post(`/v1/leads/${randomUUID()}/score`).set('content-type', contentType).send(text);
      expect(response.status).toBe(415);
      expect(response.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(api.countEvents()).toBe(before);
    });

    it('a body that is JSON but not an object is refused with 400', async () => {
      const response = await api.http.post(`/v1/leads/${randomUUID()}/score`).set('content-type', 'application/json').send('[1,2]');
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('security headers (@fastify/helmet)', () => {
    let api: RunningApp;

    beforeAll(async () => {
      api = await startApp();
    });
    afterAll(async () => api?.close());

    it.each([
      ['an API answer', (a: RunningApp) => a.http.get('/v1/markets/nowhere')],
      ['a refusal (401)', (a: RunningApp) => a.anonymous.get('/v1/markets/nowhere')],
      ['an open endpoint', (a: RunningApp) => a.anonymous.get('/health/live')],
    ])('are on %s', async (_case, call) => {
      const response = await call(api);
      expect(response.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(response.headers['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
      expect(response.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(response.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['x-powered-by']).toBeUndefined();
    });

    it.each([
      ['the Swagger UI', '/docs'],
      ['the dashboard', '/ui'],
    ])('%s at %s loads every script from this origin as a file (nothing inline the CSP would block)', async (_page, path) => {
      // when
      const page = await api.anonymous.get(path).redirects(2);

      // then
      expect(page.status).toBe(200);
      expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
      const scripts = [...page.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attributes, inline] of scripts) {
        expect(inline.trim()).toBe('');
        const src = /src=["']([^"']+)["']/.exec(attributes)?.[1];
        expect(src).toBeDefined();
        expect(src).not.toMatch(/^(https?:)?\/\//);
        const base = page.request.url.endsWith('/') ? page.request.url : page.request.url.replace(/[^/]*$/, '');
        const script = await api.anonymous.get(new URL(src!, base).pathname);
        expect(script.status).toBe(200);
      }
    });
  });
});
