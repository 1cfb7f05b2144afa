import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApp } from '../../apps/api/src/app.factory';
import { loadConfig } from '../../apps/api/src/config/config';
import { aLeadBody } from '../support/app-harness';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Structured logs: what a request's log line carries, and what it must never carry. */
describe('structured request logs (e2e, pino destination captured)', () => {
  let app: NestFastifyApplication;
  let dataDir: string;
  let adminKey: string;
  const written: string[] = [];
  const lines = () => written.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lead-ledger-ops-logging-'));
    const destination = { write: (chunk: string) => void written.push(chunk) };
    app = await createApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '0' }), { logDestination: destination });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("logs a write with the caller's request id and correlation id, and neither the API key nor the borrower's contact details", async () => {
    // given
    const borrower = { firstName: 'Quintessa', lastName: 'Vandermolen', phone: '(469) 555-0142', email: 'quintessa.vandermolen@example.org' };

    // when
    const response = await request(app.getHttpServer())
      .post('/v1/leads')
      .set('authorization', `Bearer ${adminKey}`)
      .set('x-request-id', 'req-ops-logging-1')
      .set('x-correlation-id', 'corr-ops-logging-1')
      .set('cookie', 'session=cookie-secret-value')
      .send(aLeadBody({ borrower }));

    // then
    expect(response.status).toBe(201);
    expect(response.headers['x-request-id']).toBe('req-ops-logging-1');
    const line = await logLineOf('req-ops-logging-1');
    expect(line).toEqual(
      expect.objectContaining({
        level: 30,
        reqId: 'req-ops-logging-1',
        correlationId: 'corr-ops-logging-1',
        req: { method: 'POST', url: '/v1/leads' },
        res: { statusCode: 201 },
        msg: 'request completed',
        time: expect.any(String),
      }),
    );
    const everything = written.join('');
    for (const secret of [adminKey, 'cookie-secret-value', borrower.email, 'Quintessa', 'Vandermolen', '555-0142', '4695550142']) {
      expect({ secret, found: everything.includes(secret) }).toEqual({ secret, found: false });
    }
  });

  it('generates a request id when none (or an unsafe one) is sent, returns it, and uses it as the correlation id', async () => {
    // when
    const plain = await request(app.getHttpServer()).get('/v1/markets/no-such-market').set('authorization', `Bearer ${adminKey}`);
    const unsafe = await request(app.getHttpServer())
      .get('/v1/markets/no-such-market')
      .set('authorization', `Bearer ${adminKey}`)
      .set('x-request-id', 'has spaces and {json}');

    // then
    for (const response of [plain, unsafe]) {
      expect(response.status).toBe(404);
      expect(response.headers['x-request-id']).toMatch(UUID);
      const line = await logLineOf(response.headers['x-request-id']);
      expect(line).toEqual(expect.objectContaining({ level: 40, correlationId: response.headers['x-request-id'], res: { statusCode: 404 } }));
    }
    expect(plain.headers['x-request-id']).not.toBe(unsafe.headers['x-request-id']);
    expect(written.join('')).not.toContain('has spaces');
  });

  it('logs the path without its query string', async () => {
    const response = await request(app.getHttpServer())
      .get('/v1/allocations/2026-11?marketId=query-held-value')
      .set('authorization', `Bearer ${adminKey}`)
      .set('x-request-id', 'req-ops-logging-query');

    expect(response.status).toBe(404);
    expect((await logLineOf('req-ops-logging-query')).req).toEqual({ method: 'GET', url: '/v1/allocations/2026-11' });
    expect(written.join('')).not.toContain('query-held-value');
  });

  it("writes the service's own messages (boot, ledger) through the same JSON logger", () => {
    const ledger = lines().find((line) => line.context === 'Ledger');
    const routes = lines().filter((line) => line.context === 'RouterExplorer');
    expect(ledger).toEqual(expect.objectContaining({ level: 30, service: 'lead-ledger-api', msg: expect.stringContaining('embedded ledger') }));
    expect(routes.map((line) => line.msg)).toContain('Mapped {/v1/leads, POST} route');
  });

  /** The completion line is written when the response finishes, which can be just after the client has it. */
  async function logLineOf(reqId: string): Promise<Record<string, any>> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const line = lines().find((candidate) => candidate.reqId === reqId && candidate.msg === 'request completed');
      if (line) return line;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no "request completed" line with reqId ${reqId}`);
  }
});
