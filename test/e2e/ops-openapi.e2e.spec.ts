import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApp } from '../../apps/api/src/app.factory';
import { loadConfig } from '../../apps/api/src/config/config';

const DOCUMENTED_METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/**
 * OpenAPI is the published contract: every /v1 route the server actually registers (Fastify's own
 * route table, not Nest's metadata) must be in /docs-json with a summary and the shared error shape.
 * Both clocks are checked, since the manual clock adds its own routes.
 */
describe.each(['system', 'manual'])('OpenAPI document and Swagger UI (e2e, CLOCK=%s)', (clock) => {
  let app: NestFastifyApplication;
  let dataDir: string;
  const routes: Array<{ method: string; url: string }> = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lead-ledger-ops-openapi-'));
    app = await createApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', CLOCK: clock }));
    // Nest registers its routes on Fastify during init, so this hook sees every one of them.
    app.getHttpAdapter().getInstance().addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routes.push({ method: method.toLowerCase(), url: route.url });
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists every registered /v1 route, each with an operation summary, and nothing that is not registered', async () => {
    // given
    const registered = routes
      .filter((route) => route.url.startsWith('/v1/') && DOCUMENTED_METHODS.includes(route.method))
      .map((route) => `${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);

    // when
    const response = await request(app.getHttpServer()).get('/docs-json');

    // then
    expect(response.status).toBe(200);
    const document = response.body;
    const documented = Object.entries(document.paths as Record<string, Record<string, { summary?: string }>>)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, item]) => Object.keys(item).filter((method) => DOCUMENTED_METHODS.includes(method)).map((method) => `${method} ${path}`));
    expect(registered.length).toBeGreaterThan(20);
    expect([...new Set(documented)].sort()).toEqual([...new Set(registered)].sort());
    const withoutSummary = documented.filter((operation) => {
      const [method, path] = operation.split(' ');
      return !document.paths[path][method].summary?.trim();
    });
    expect(withoutSummary).toEqual([]);
    expect(registered.some((route) => route === 'put /v1/admin/clock')).toBe(clock === 'manual');
  });

  it('describes the service, the bearer API key on every /v1 operation, and the open operations endpoints', async () => {
    const document = (await request(app.getHttpServer()).get('/docs-json')).body;

    expect(document.info).toEqual(expect.objectContaining({ title: 'Lead Ledger API', version: expect.any(String), description: expect.stringContaining('Bearer') }));
    expect(document.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, { security?: unknown[] }>>)) {
      if (!path.startsWith('/v1/')) continue;
      for (const operation of Object.values(item)) expect({ path, security: operation.security }).toEqual({ path, security: expect.arrayContaining([{ bearer: [] }]) });
    }
    for (const open of ['/health/live', '/health/ready', '/metrics']) {
      expect(document.paths[open].get.summary).toEqual(expect.any(String));
      expect(document.paths[open].get.security).toBeUndefined();
    }
  });

  it('publishes request bodies with their validation rules, the shared ErrorResponse and the write headers', async () => {
    const document = (await request(app.getHttpServer()).get('/docs-json')).body;
    const schemas = document.components.schemas;

    expect(schemas.ErrorResponse).toEqual(
      expect.objectContaining({
        required: expect.arrayContaining(['code', 'message', 'details']),
        properties: expect.objectContaining({ details: { type: 'array', items: { $ref: '#/components/schemas/ErrorDetail' }, description: expect.any(String) } }),
      }),
    );
    expect(schemas.ErrorDetail.properties).toEqual(expect.objectContaining({ field: expect.anything(), message: expect.anything() }));
    expect(schemas.LoanDto.properties.amount).toEqual(expect.objectContaining({ minimum: 1, maximum: 100_000_000 }));
    expect(schemas.LoanDto.properties.type.enum).toEqual(expect.arrayContaining(['purchase', 'refinance']));
    expect(schemas.CreateLeadDto.required).toEqual(expect.arrayContaining(['source', 'borrower', 'property', 'loan', 'creditTier', 'consent']));
    expect(schemas.ScoreLeadDto.properties.score).toEqual(expect.objectContaining({ minimum: 0, maximum: 100 }));
    expect(schemas.MarketSettingsDto.properties.seatCap).toEqual(expect.objectContaining({ minimum: 1, maximum: 10_000 }));

    const create = document.paths['/v1/leads'].post;
    expect(create.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateLeadDto' });
    expect(create.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/LeadWriteReceipt' });
    for (const status of ['400', '422', '503']) {
      expect(create.responses[status].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ErrorResponse' });
    }
    const headers = (document.paths['/v1/leads/{leadId}/score'].post.parameters as Array<{ in: string; name: string }>).filter((p) => p.in === 'header').map((p) => p.name);
    expect(headers).toEqual(expect.arrayContaining(['Idempotency-Key', 'If-Match', 'X-Correlation-Id']));
  });

  it('serves Swagger UI at /docs, with its assets, without an API key', async () => {
    const page = await request(app.getHttpServer()).get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('swagger-ui');

    const stylesheet = page.text.match(/href="\.\/(docs\/swagger-ui\.css)"/)?.[1];
    expect(stylesheet).toBeDefined();
    const css = await request(app.getHttpServer()).get(`/${stylesheet}`);
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });
});
