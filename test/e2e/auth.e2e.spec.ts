import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { newApiKeySecret, sha256Hex } from '../../apps/api/src/auth/api-key-config';
import { AuthModule } from '../../apps/api/src/auth/auth.module';
import { RequireScope } from '../../apps/api/src/auth/require-scope.decorator';
import { Scope, SCOPES } from '../../apps/api/src/auth/scopes';
import { DeclaredEndpoint, RegisteredRoute, VersionedRoutes } from '../../apps/api/src/auth/versioned-routes';
import { loadConfig } from '../../apps/api/src/config/config';
import { aLeadBody, RunningApp, startApp } from '../support/app-harness';

const REPO = join(__dirname, '..', '..');
const GRANTABLE = SCOPES.filter((scope): scope is Exclude<Scope, 'admin'> => scope !== 'admin');
const MONTH = new Date().toISOString().slice(0, 7);

interface TestKey {
  id: string;
  secret: string;
  scopes: Scope[];
}

/** One request a route must answer, with the scope it needs for that request. */
interface Probe {
  route: RegisteredRoute;
  url: string;
  body: Record<string, unknown> | undefined;
  scope: Scope;
}

describe('API keys and scopes (e2e, embedded ledger)', () => {
  const admin = aKey('admin', ['admin']);
  const onlyKeys = new Map(GRANTABLE.map((scope) => [scope, aKey(`only-${slug(scope)}`, [scope])]));
  const allButKeys = new Map(GRANTABLE.map((scope) => [scope, aKey(`all-but-${slug(scope)}`, GRANTABLE.filter((other) => other !== scope))]));
  const only = (scope: Scope) => (scope === 'admin' ? admin : onlyKeys.get(scope)!);
  const allBut = (scope: Scope) => allButKeys.get(scope as Exclude<Scope, 'admin'>)!;
  let api: RunningApp;
  let dataDir: string;
  let leadId: string;
  let probes: Probe[];
  let routes: RegisteredRoute[];
  let endpoints: DeclaredEndpoint[];

  beforeAll(async () => {
    // given: configured keys (no development default), the admin one also in the data dir for the harness
    dataDir = mkdtempSync(join(tmpdir(), 'lead-ledger-auth-'));
    writeFileSync(join(dataDir, 'admin-api-key'), `${admin.secret}\n`, { mode: 0o600 });
    api = await startApp({ dataDir, env: keysEnv([admin, ...onlyKeys.values(), ...allButKeys.values()]) });
    leadId = randomUUID();
    await seed(api, leadId);
    const table = api.app.get(VersionedRoutes);
    routes = table.routes();
    endpoints = table.endpoints();
    probes = routes.flatMap((route) => probesOf(route, endpointOf(route), { leadId }));
  }, 60_000);
  afterAll(async () => api?.close());

  describe('the route table', () => {
    it('lists every /v1 endpoint of the running app, each answered by a controller method that declares its scope', () => {
      // then: the table is the real one (the known endpoints are all there) …
      const listed = new Set(routes.map((route) => `${route.method} ${route.url}`));
      for (const known of ['POST /v1/leads', 'POST /v1/leads/:leadId/route', 'GET /v1/leads/:leadId', 'PUT /v1/markets/:marketId', 'GET /v1/exports/leads', 'GET /v1/ledger/digests/latest']) {
        expect(listed).toContain(known);
      }
      // … and nothing in it lacks a declared scope
      const undeclared = routes.filter((route) => endpointOf(route)?.requirement === undefined).map((route) => `${route.method} ${route.url}`);
      expect(undeclared).toEqual([]);
      expect(probes.length).toBeGreaterThanOrEqual(routes.length);
    });
  });

  describe('every /v1 route', () => {
    it('answers 401 UNAUTHENTICATED without a key, and with a header that is not a bearer key', async () => {
      const failures: string[] = [];
      for (const probe of probes) {
        for (const authorization of [undefined, 'Basic YWRtaW46YWRtaW4=', 'Bearer']) {
          const response = await send(probe, authorization);
          if (response.status !== 401 || !isCode(probe, response, 'UNAUTHENTICATED')) failures.push(`${describeProbe(probe)} with ${authorization ?? 'no header'}: ${response.status} ${response.text}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('answers 401 UNAUTHENTICATED with an unknown key, and appends nothing', async () => {
      const before = api.countEvents();
      const failures: string[] = [];
      for (const probe of probes) {
        for (const secret of [newApiKeySecret(), `${admin.secret}x`, admin.secret.slice(0, -1)]) {
          const response = await send(probe, `Bearer ${secret}`);
          if (response.status !== 401 || !isCode(probe, response, 'UNAUTHENTICATED')) failures.push(`${describeProbe(probe)}: ${response.status} ${response.text}`);
        }
      }
      expect(failures).toEqual([]);
      expect(api.countEvents()).toBe(before);
    });

    it('answers 403 FORBIDDEN naming the missing scope to a key that holds every scope but that one, and appends nothing', async () => {
      const before = api.countEvents();
      const failures: string[] = [];
      for (const probe of probes) {
        const key = probe.scope === 'admin' ? only('leads:read') : allBut(probe.scope);
        const response = await send(probe, `Bearer ${key.secret}`);
        const named = probe.route.method === 'HEAD' || (response.body.code === 'FORBIDDEN' && response.body.requiredScope === probe.scope && response.body.message.includes(probe.scope));
        if (response.status !== 403 || !named) failures.push(`${describeProbe(probe)}: ${response.status} ${response.text}`);
      }
      expect(failures).toEqual([]);
      expect(api.countEvents()).toBe(before);
    });

    it('lets a key holding exactly the scope through (neither 401 nor 403), and what it appends records the actor key:<id>', async () => {
      const failures: string[] = [];
      const before = lastPosition(api);
      const keyByCorrelation = new Map<string, TestKey>();
      for (const [i, probe] of probes.entries()) {
        const key = only(probe.scope);
        // Events are matched to their request by correlation id: an export records its completion after the answer.
        const correlationId = `probe-${i}`;
        keyByCorrelation.set(correlationId, key);
        const response = await send(probe, `Bearer ${key.secret}`, correlationId);
        if (response.status === 401 || response.status === 403 || response.status >= 500) failures.push(`${describeProbe(probe)} with ${key.id}: ${response.status} ${response.text}`);
      }
      const appended = api.eventsInFile().filter((event) => event.position > before && keyByCorrelation.has(event.metadata.correlationId));
      for (const event of appended) {
        const key = keyByCorrelation.get(event.metadata.correlationId)!;
        if (event.metadata.actor !== `key:${key.id}`) failures.push(`${event.type} for ${event.metadata.correlationId} has actor ${event.metadata.actor}, not key:${key.id}`);
      }
      expect(failures).toEqual([]);
      // Some of these probes are real writes (an automatic route, a digest, an export record), so the actor check ran.
      expect(new Set(appended.map((event) => event.metadata.correlationId)).size).toBeGreaterThan(2);
    });

    it('lets the admin key through everywhere', async () => {
      const failures: string[] = [];
      for (const probe of probes) {
        const response = await send(probe, `Bearer ${admin.secret}`);
        if (response.status === 401 || response.status === 403 || response.status >= 500) failures.push(`${describeProbe(probe)}: ${response.status} ${response.text}`);
      }
      expect(failures).toEqual([]);
    });
  });

  describe('scopes that depend on the request', () => {
    it('an automatic route needs routing:write; naming an officer (an override) needs routing:override', async () => {
      // given
      const lead = randomUUID();
      await api.http.post('/v1/leads').send(leadBody(lead)).expect(201);
      await api.http.post(`/v1/leads/${lead}/score`).send({ score: 80 }).expect(200);

      // when
      const automaticWithOverrideScope = await api.anonymous.post(`/v1/leads/${lead}/route`).set('authorization', `Bearer ${only('routing:override').secret}`).send({});
      const overrideWithWriteScope = await api.anonymous
        .post(`/v1/leads/${lead}/route`)
        .set('authorization', `Bearer ${only('routing:write').secret}`)
        .send({ officerId: 'lo-ana', reason: 'asked for Ana' });
      const overrideWithOverrideScope = await api.anonymous
        .post(`/v1/leads/${lead}/route`)
        .set('authorization', `Bearer ${only('routing:override').secret}`)
        .send({ officerId: 'lo-ana', reason: 'asked for Ana' });

      // then
      expect(automaticWithOverrideScope.status).toBe(403);
      expect(automaticWithOverrideScope.body).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'routing:write' });
      expect(overrideWithWriteScope.status).toBe(403);
      expect(overrideWithWriteScope.body).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'routing:override' });
      expect(overrideWithOverrideScope.body).toMatchObject({ decision: { rule: 'override', by: 'key:only-routing-override' } });
      expect(overrideWithOverrideScope.status).toBe(200);
      const routed = api.eventsInFile(`lead-${lead}`).find((event) => event.type === 'LeadRouted')!;
      expect(routed.metadata.actor).toBe('key:only-routing-override');
    });
  });

  describe('the actor', () => {
    it('is the key id in every event a key appends', async () => {
      // given
      const lead = randomUUID();
      const writer = only('leads:write');

      // when
      const created = await api.anonymous.post('/v1/leads').set('authorization', `Bearer ${writer.secret}`).send(leadBody(lead));
      const scored = await api.anonymous.post(`/v1/leads/${lead}/score`).set('authorization', `Bearer ${writer.secret}`).send({ score: 70 });

      // then
      expect([created.status, scored.status]).toEqual([201, 200]);
      const events = api.eventsInFile(`lead-${lead}`);
      expect(events.map((event) => [event.type, event.metadata.actor])).toEqual([
        ['LeadCreated', 'key:only-leads-write'],
        ['LeadScored', 'key:only-leads-write'],
      ]);
    });
  });

  describe('Idempotency-Keys are scoped per API key', () => {
    it('the same Idempotency-Key from two API keys creates two leads; each key still replays its own, also after a restart', async () => {
      // given
      const idempotencyKey = `create-${randomUUID()}`;
      const first = only('leads:write');
      const second = allBut('credits:write'); // holds leads:write too
      const [annsLead, beasLead] = [leadBody(undefined, 'Ann'), leadBody(undefined, 'Bea')];

      // when
      const byFirst = await createWith(first, idempotencyKey, annsLead);
      const bySecond = await createWith(second, idempotencyKey, beasLead);
      const firstRetry = await createWith(first, idempotencyKey, annsLead);
      await api.stop();
      api = await startApp({ dataDir, env: keysEnv([admin, ...onlyKeys.values(), ...allButKeys.values()]) });
      const secondRetryAfterRestart = await createWith(second, idempotencyKey, beasLead);
      const secondReusedForAnotherBody = await createWith(second, idempotencyKey, leadBody(undefined, 'Cy'));

      // then
      expect([byFirst.status, bySecond.status]).toEqual([201, 201]);
      expect(bySecond.headers['idempotent-replayed']).toBeUndefined();
      expect(bySecond.body.leadId).not.toBe(byFirst.body.leadId);
      expect(firstRetry.status).toBe(201);
      expect(firstRetry.headers['idempotent-replayed']).toBe('true');
      expect(firstRetry.body).toStrictEqual(byFirst.body);
      expect(secondRetryAfterRestart.status).toBe(201);
      expect(secondRetryAfterRestart.headers['idempotent-replayed']).toBe('true');
      expect(secondRetryAfterRestart.body).toStrictEqual(bySecond.body);
      expect(secondReusedForAnotherBody.status).toBe(422);
      expect(secondReusedForAnotherBody.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(api.eventsInFile(`lead-${byFirst.body.leadId}`).map((event) => event.metadata.actor)).toEqual(['key:only-leads-write']);
      expect(api.eventsInFile(`lead-${bySecond.body.leadId}`).map((event) => event.metadata.actor)).toEqual(['key:all-but-credits-write']);
    }, 60_000);

    it('a digest recorded with one key is not replayed to another key sending the same Idempotency-Key', async () => {
      // given
      const idempotencyKey = `digest-${randomUUID()}`;
      const auditor = only('audit:read');

      // when
      const byAdmin = await api.http.post('/v1/ledger/digests').set('idempotency-key', idempotencyKey).send({});
      const byAuditor = await api.anonymous.post('/v1/ledger/digests').set('authorization', `Bearer ${auditor.secret}`).set('idempotency-key', idempotencyKey).send({});
      const adminRetry = await api.http.post('/v1/ledger/digests').set('idempotency-key', idempotencyKey).send({});

      // then
      expect([byAdmin.status, byAuditor.status, adminRetry.status]).toEqual([201, 201, 201]);
      expect(byAuditor.headers['idempotent-replayed']).toBeUndefined();
      expect(byAuditor.body.eventId).not.toBe(byAdmin.body.eventId);
      expect(adminRetry.headers['idempotent-replayed']).toBe('true');
      expect(adminRetry.body.eventId).toBe(byAdmin.body.eventId);
    });

    function createWith(key: TestKey, idempotencyKey: string, body: object) {
      return api.anonymous.post('/v1/leads').set('authorization', `Bearer ${key.secret}`).set('idempotency-key', idempotencyKey).send(body);
    }
  });

  describe('OpenAPI', () => {
    it('publishes at /docs-json, for every /v1 operation, bearer auth, the 401 and 403 answers and the required scope', async () => {
      // when
      const served = await api.anonymous.get('/docs-json');
      const document = served.body as { paths: Record<string, unknown>; components?: { securitySchemes?: Record<string, unknown> } };

      // then
      const failures: string[] = [];
      for (const endpoint of endpoints) {
        const path = endpoint.url.replace(/:(\w+)/g, '{$1}');
        const operation = (document.paths[path] as Record<string, any> | undefined)?.[endpoint.method.toLowerCase()];
        if (!operation) {
          failures.push(`${endpoint.method} ${path} is not in the document`);
          continue;
        }
        const scopes = [endpoint.requirement!.scope, ...endpoint.requirement!.instead.map((conditional) => conditional.scope)];
        if (!operation.security?.some((entry: object) => 'bearer' in entry)) failures.push(`${endpoint.method} ${path}: no bearer security`);
        if (!operation.responses?.['401'] || !operation.responses?.['403']) failures.push(`${endpoint.method} ${path}: no 401/403 response`);
        if (!scopes.every((scope) => operation.description?.includes(scope))) failures.push(`${endpoint.method} ${path}: description "${operation.description}" does not name ${scopes}`);
        if (JSON.stringify(operation['x-required-scopes']) !== JSON.stringify(scopes)) failures.push(`${endpoint.method} ${path}: x-required-scopes ${operation['x-required-scopes']}`);
      }
      expect(served.status).toBe(200);
      expect(document.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(failures).toEqual([]);
      expect(endpoints.length).toBeGreaterThan(10);
    });
  });

  function endpointOf(route: RegisteredRoute): DeclaredEndpoint | undefined {
    return endpoints.find((endpoint) => endpoint.url === route.url && (endpoint.method === route.method || (route.method === 'HEAD' && endpoint.method === 'GET')));
  }

  function send(probe: Probe, authorization: string | undefined, correlationId?: string) {
    const agent = request(api.app.getHttpServer());
    const method = probe.route.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete' | 'patch' | 'head';
    let call = agent[method](probe.url);
    if (authorization !== undefined) call = call.set('authorization', authorization);
    if (correlationId !== undefined) call = call.set('x-correlation-id', correlationId);
    return probe.body === undefined ? call : call.send(probe.body);
  }
});

describe('API keys at boot', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'lead-ledger-auth-boot-'));
    dirs.push(dir);
    return dir;
  };

  it('with no keys configured, creates one admin key in the data dir (mode 0600), the actor key:admin', async () => {
    // when
    const api = await startApp();
    try {
      // then
      expect(statSync(join(api.dataDir, 'admin-api-key')).mode & 0o777).toBe(0o600);
      const read = await api.http.get(`/v1/allocations/${MONTH}`).query({ marketId: 'nowhere' });
      const write = await api.http.put('/v1/markets/dfw').send({ name: 'Dallas-Fort Worth', states: ['TX'], seatCap: 5, timeZone: 'America/Chicago' });
      expect([read.status, write.status]).toEqual([404, 201]);
      expect(api.eventsInFile('market-dfw').map((event) => event.metadata.actor)).toEqual(['key:admin']);
      expect((await api.anonymous.get(`/v1/allocations/${MONTH}`).query({ marketId: 'nowhere' })).status).toBe(401);
    } finally {
      await api.close();
    }
  });

  it('with keys configured, the data dir admin key is not accepted', async () => {
    // given
    const dataDir = tempDir();
    const fileKey = newApiKeySecret();
    const configured = aKey('ops', ['allocations:read']);
    writeFileSync(join(dataDir, 'admin-api-key'), `${fileKey}\n`, { mode: 0o600 });

    // when
    const api = await startApp({ dataDir, env: keysEnv([configured]) });
    try {
      // then
      expect((await api.http.get('/v1/markets/nowhere')).status).toBe(401);
      expect((await api.anonymous.get('/v1/markets/nowhere').set('authorization', `Bearer ${configured.secret}`)).status).toBe(404);
    } finally {
      await api.close();
    }
  });

  it('reads keys from API_KEYS (JSON) and API_KEYS_FILE (YAML) together', async () => {
    // given
    const dataDir = tempDir();
    const viaYaml = aKey('from-yaml', ['allocations:read']);
    const viaJson = aKey('from-json', ['leads:read']);
    const yamlFile = join(dataDir, 'keys.yaml');
    writeFileSync(yamlFile, `# keys\n- id: ${viaYaml.id}\n  sha256: ${sha256Hex(viaYaml.secret)}\n  scopes: [allocations:read]\n`);
    writeFileSync(join(dataDir, 'admin-api-key'), `${newApiKeySecret()}\n`);

    // when
    const api = await startApp({ dataDir, env: { API_KEYS_FILE: yamlFile, API_KEYS: JSON.stringify([entryOf(viaJson)]) } });
    try {
      // then
      const yamlRead = await api.anonymous.get('/v1/markets/nowhere').set('authorization', `Bearer ${viaYaml.secret}`);
      const jsonRead = await api.anonymous.get(`/v1/leads/${randomUUID()}`).set('authorization', `Bearer ${viaJson.secret}`);
      const jsonWrongScope = await api.anonymous.get('/v1/markets/nowhere').set('authorization', `Bearer ${viaJson.secret}`);
      expect([yamlRead.status, jsonRead.status, jsonWrongScope.status]).toEqual([404, 404, 403]);
    } finally {
      await api.close();
    }
  });

  it('reads a JSON API_KEYS_FILE', () => {
    // given
    const file = join(tempDir(), 'keys.json');
    const entry = { id: 'from-file', sha256: sha256Hex(newApiKeySecret()), scopes: ['audit:read', 'audit:export'] };
    writeFileSync(file, JSON.stringify([entry], null, 2));

    // when
    const config = loadConfig({ API_KEYS_FILE: file });

    // then
    expect(config.apiKeys).toStrictEqual([entry]);
  });

  it.each([
    ['an unknown scope', [{ id: 'ci', sha256: 'a'.repeat(64), scopes: ['leads:wrte'] }], /unknown scope "leads:wrte"/],
    ['a duplicate id', [{ id: 'ci', sha256: 'a'.repeat(64), scopes: ['leads:read'] }, { id: 'ci', sha256: 'b'.repeat(64), scopes: ['leads:read'] }], /"ci" is defined twice/],
    ['a bad hash', [{ id: 'ci', sha256: 'not-a-hash', scopes: ['leads:read'] }], /sha256 must be the 64 hex digits/],
    ['no scopes', [{ id: 'ci', sha256: 'a'.repeat(64), scopes: [] }], /scopes must be a non-empty list/],
    ['a bad id', [{ id: 'CI Bot', sha256: 'a'.repeat(64), scopes: ['leads:read'] }], /id must match/],
    ['an unknown field', [{ id: 'ci', sha256: 'a'.repeat(64), scopes: ['leads:read'], secret: 'oops' }], /unknown field "secret"/],
    ['two ids with one secret', [{ id: 'a', sha256: 'a'.repeat(64), scopes: ['leads:read'] }, { id: 'b', sha256: 'a'.repeat(64), scopes: ['leads:read'] }], /same sha256/],
  ])('refuses to start with %s in API_KEYS, saying what is wrong', (_case, entries, message) => {
    expect(() => loadConfig({ API_KEYS: JSON.stringify(entries) })).toThrow(message);
  });

  it('refuses to start when API_KEYS is not JSON or API_KEYS_FILE cannot be read, without echoing the value', () => {
    const secretish = 'llk_this-should-not-be-echoed';
    expect(() => loadConfig({ API_KEYS: secretish })).toThrow(/API_KEYS is not valid JSON/);
    expect(() => loadConfig({ API_KEYS: secretish })).not.toThrow(new RegExp(secretish));
    expect(() => loadConfig({ API_KEYS_FILE: join(tempDir(), 'missing.yaml') })).toThrow(/API_KEYS_FILE .*missing.yaml cannot be read/);
  });

  it('refuses to boot an app with a /v1 endpoint that declares no scope (deny by default), naming it', async () => {
    // given
    @Controller('v1/forgotten')
    class ForgottenController {
      @Get()
      read() {
        return { open: true };
      }
    }
    @Controller('v1/declared')
    class DeclaredController {
      @RequireScope('leads:read')
      @Get()
      read() {
        return { ok: true };
      }
    }
    const moduleWith = (...controllers: Array<new () => object>) => {
      @Module({ imports: [AuthModule.register({ apiKeys: [], dataDir: tempDir(), rateLimitPerMinute: 0 })], controllers })
      class TestModule {}
      return TestModule;
    };

    // when
    const withForgotten = await NestFactory.create<NestFastifyApplication>(moduleWith(DeclaredController, ForgottenController), new FastifyAdapter(), { logger: false });
    const withDeclared = await NestFactory.create<NestFastifyApplication>(moduleWith(DeclaredController), new FastifyAdapter(), { logger: false });
    // a route added to Fastify directly would never meet the guard
    withDeclared.getHttpAdapter().getInstance().get('/v1/raw', async () => ({ open: true }));

    // then
    await expect(withForgotten.init()).rejects.toThrow(/GET \/v1\/forgotten \(ForgottenController\.read\) has no @RequireScope/);
    await expect(withDeclared.init()).rejects.toThrow(/GET \/v1\/raw is served by Fastify but by no controller method/);
    await withForgotten.close().catch(() => undefined);
    await withDeclared.close().catch(() => undefined);
  });
});

describe('secrets in logs (the real server process)', () => {
  it('logs where the development admin key is, and never a key or its hash, whatever requests come in', async () => {
    // given: the server as `npm run start:dev` runs it, logging everything
    const dataDir = mkdtempSync(join(tmpdir(), 'lead-ledger-auth-logs-'));
    const port = await freePort();
    const server = spawn(process.execPath, ['-r', '@swc-node/register', join('apps', 'api', 'src', 'main.ts')], {
      cwd: REPO,
      env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'debug', API_KEYS: '', API_KEYS_FILE: '', SWC_NODE_PROJECT: join(REPO, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout.on('data', (chunk) => (output += chunk));
    server.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
    const unknownKey = newApiKeySecret();
    try {
      const base = `http://127.0.0.1:${port}`;
      await until(async () => (await fetch(`${base}/v1/markets/nowhere`)).status === 401, 90_000);
      const adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();

      // when: good and bad keys, successes and failures
      const answers = [
        await fetch(`${base}/v1/markets/nowhere`, { headers: { authorization: `Bearer ${adminKey}` } }),
        await fetch(`${base}/v1/leads`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: '{"not":"a lead"}' }),
        await fetch(`${base}/v1/leads`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: '{"broken json' }),
        await fetch(`${base}/v1/markets/nowhere`, { headers: { authorization: `Bearer ${unknownKey}` } }),
        await fetch(`${base}/v1/markets/nowhere`, { headers: { authorization: `Basic ${Buffer.from(`admin:${adminKey}`).toString('base64')}` } }),
        await fetch(`${base}/health/live`, { headers: { authorization: `Bearer ${adminKey}` } }),
      ];
      server.kill('SIGTERM');
      await exited;

      // then
      expect(answers.map((answer) => answer.status)).toEqual([404, 400, 400, 401, 401, 200]);
      expect(output).toContain(join(dataDir, 'admin-api-key'));
      expect(output).toContain('/v1/markets/nowhere'); // the requests were logged …
      for (const secret of [adminKey, unknownKey, sha256Hex(adminKey), sha256Hex(unknownKey), Buffer.from(`admin:${adminKey}`).toString('base64')]) {
        expect(output).not.toContain(secret); // … without any key
      }
      expect(output).not.toMatch(/llk_|ll_admin_/);
    } finally {
      if (server.exitCode === null) server.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 150_000);
});

describe('lead-ledger keys create (CLI, real child process)', () => {
  it('prints a new secret once and the API_KEYS entry with its hash; the service accepts that key with those scopes', async () => {
    // when
    const { code, stdout } = await cli(['keys', 'create', '--id', 'ci-bot', '--scopes', 'leads:read,allocations:read', '--json']);

    // then
    expect(code).toBe(0);
    const { secret, entry } = JSON.parse(stdout);
    expect(entry).toStrictEqual({ id: 'ci-bot', sha256: sha256Hex(secret), scopes: ['leads:read', 'allocations:read'] });
    expect(secret).toMatch(/^llk_[\w-]{43}$/);
    const dataDir = mkdtempSync(join(tmpdir(), 'lead-ledger-auth-cli-'));
    writeFileSync(join(dataDir, 'admin-api-key'), `${newApiKeySecret()}\n`);
    const api = await startApp({ dataDir, env: { API_KEYS: JSON.stringify([entry]) } });
    try {
      const read = await api.anonymous.get('/v1/markets/nowhere').set('authorization', `Bearer ${secret}`);
      const write = await api.anonymous.put('/v1/markets/dfw').set('authorization', `Bearer ${secret}`).send({});
      expect(read.status).toBe(404);
      expect(write.status).toBe(403);
      expect(write.body.requiredScope).toBe('allocations:admin');
    } finally {
      await api.close();
    }
  }, 60_000);

  it('the human-readable form shows the secret and the entry; two runs never print the same secret', async () => {
    const first = await cli(['keys', 'create', '--id', 'vendor.acme', '--scopes', 'leads:write']);
    const second = await cli(['keys', 'create', '--id', 'vendor.acme', '--scopes', 'leads:write']);
    const secretOf = (text: string) => /^\s+(llk_\S+)$/m.exec(text)![1];
    const entryOf = (text: string) => JSON.parse(/^\s+(\{.*\})$/m.exec(text)![1]);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(secretOf(first.stdout)).not.toBe(secretOf(second.stdout));
    expect(entryOf(first.stdout)).toStrictEqual({ id: 'vendor.acme', sha256: sha256Hex(secretOf(first.stdout)), scopes: ['leads:write'] });
  }, 60_000);

  it('refuses an unknown scope or a bad id with exit code 2 and prints no secret', async () => {
    const result = await cli(['keys', 'create', '--id', 'Bad Id', '--scopes', 'leads:write,everything']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown scope "everything"/);
    expect(result.stderr).toMatch(/id must match/);
    expect(result.stdout).not.toMatch(/llk_/);
  }, 60_000);

  function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [join(REPO, 'bin', 'lead-ledger.js'), ...args], { cwd: REPO, env: { ...process.env, LEAD_LEDGER_FROM_SOURCE: '1' } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function until(ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await ready()) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function aKey(id: string, scopes: Scope[]): TestKey {
  return { id, secret: newApiKeySecret(), scopes };
}

function entryOf(key: TestKey) {
  return { id: key.id, sha256: sha256Hex(key.secret), scopes: key.scopes };
}

function keysEnv(keys: TestKey[]): Record<string, string> {
  return { API_KEYS: JSON.stringify(keys.map(entryOf)), CLOCK: 'manual', RATE_LIMIT_PER_MINUTE: '0' };
}

function slug(scope: Scope): string {
  return scope.replace(':', '-');
}

/** A lead whose consent was captured just now, so the consent gate accepts it. */
function leadBody(leadId: string | undefined, firstName = 'Sarah') {
  const phone = `+1214555${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
  return aLeadBody({
    ...(leadId !== undefined && { leadId }),
    marketId: 'dfw',
    borrower: { firstName, lastName: 'Lee', phone, email: `${randomUUID()}@example.com` },
    consent: { tcpa: true, capturedAt: new Date().toISOString(), text: 'I agree to be contacted.' },
  });
}

/** A market, an officer with an allocation this month, and one lead. */
async function seed(api: RunningApp, leadId: string) {
  await api.http.put('/v1/markets/dfw').send({ name: 'Dallas-Fort Worth', states: ['TX'], seatCap: 5, timeZone: 'America/Chicago' }).expect(201);
  await api.http.put('/v1/officers/lo-ana').send({ name: 'Ana Ruiz', nmlsId: '123456', licensedStates: ['TX'], active: true }).expect(201);
  await api.http.put(`/v1/officers/lo-ana/allocations/${MONTH}`).send({ marketId: 'dfw', leads: 40 }).expect(201);
  await api.http.post('/v1/leads').send(leadBody(leadId)).expect(201);
}

/** The requests that exercise a route: one per scope it can need (e.g. a route, and a route override). */
function probesOf(route: RegisteredRoute, endpoint: DeclaredEndpoint | undefined, ids: { leadId: string }): Probe[] {
  const samples: Record<string, string> = { leadId: ids.leadId, marketId: 'dfw', officerId: 'lo-ana', month: MONTH, exportId: randomUUID() };
  // Unknown parameters get a placeholder: guards run before pipes, so a bad value cannot hide a 401/403.
  const url = route.url.replace(/:(\w+)/g, (_, name: string) => samples[name] ?? `sample-${name.toLowerCase()}`);
  const hasBody = !['GET', 'HEAD', 'DELETE'].includes(route.method);
  // Without a declared scope the route is probed anyway (as needing `admin`), so the 403 test reports it.
  const requirement = endpoint?.requirement ?? { scope: 'admin' as Scope, instead: [] };
  return [
    { route, url, body: hasBody ? {} : undefined, scope: requirement.scope },
    ...requirement.instead.filter((conditional) => conditional.bodyField !== undefined).map((conditional) => ({ route, url, body: { [conditional.bodyField!]: 'lo-ana' }, scope: conditional.scope })),
  ];
}

function describeProbe(probe: Probe): string {
  return `${probe.route.method} ${probe.url}${probe.body ? ` ${JSON.stringify(probe.body)}` : ''}`;
}

/** HEAD answers have no body to read a code from. */
function isCode(probe: Probe, response: request.Response, code: string): boolean {
  return probe.route.method === 'HEAD' || response.body?.code === code;
}

function lastPosition(api: RunningApp): number {
  const events = api.eventsInFile();
  return events.length === 0 ? -1 : events[events.length - 1].position;
}
