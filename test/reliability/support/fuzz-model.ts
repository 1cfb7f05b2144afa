import fc from 'fast-check';
import { allocationBody, leadBody, marketBody, NOW, officerBody } from './fixtures';
import { RouteEntry } from './in-process-app';

/** Ids that exist in the fuzzed service, so generated requests reach business logic, not only validation. */
export interface KnownIds {
  leads: string[];
  markets: string[];
  officers: string[];
  exports: string[];
  months: string[];
  /** The officer each routed lead is with, so deliveries and failures can name the right one. */
  holders: Map<string, string>;
  /**
   * Values seen in 2xx answers under the name of a path parameter (e.g. a `borrowerRef` field in a
   * lead summary feeds `:borrowerRef`), so endpoints added later get real ids too.
   */
  byParam: Map<string, string[]>;
}

export interface FuzzRequest {
  method: string;
  route: string;
  url: string;
  headers: Record<string, string>;
  /** The exact bytes sent (a string), or undefined for no body. */
  payload: string | undefined;
}

const UUID_LIKE = ['00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'];
const BAD_IDS = ['not-a-uuid', 'x', '..', '...', '%2e%2e', '%2F', '%00', '%zz', '%', '%E2%98%83', 'a%20b', 'UPPER', '-leading', 'a'.repeat(65), '1'.repeat(300), '😀', 'ünïcödé', '__proto__', 'constructor', 'null', 'undefined', '0', '-1', '1e309', 'true', '[]', '{}', "'; DROP TABLE events;--"];
const MONTHS = ['2026-11', '2026-12', '2026-10', '2027-01', '2026-13', '2026-00', '1999-02', '0000-01', '9999-12', '2026-1', '2026-011', '26-11', 'abcd-ef', '2026_11', '2026-11-01', '+2026-11', '2026-11%00'];

/** The valid-shaped body for a route (before mutation): the contract's request body for it. */
function validBody(method: string, route: string, ids: KnownIds, n: number, leadId: string | undefined): fc.Arbitrary<unknown> {
  const holder = leadId === undefined ? undefined : ids.holders.get(leadId);
  const anyOfficer = fc.constantFrom(...ids.officers);
  const officer = holder === undefined ? anyOfficer : fc.oneof({ weight: 3, arbitrary: fc.constant(holder) }, { weight: 1, arbitrary: anyOfficer });
  const market = fc.constantFrom(...ids.markets);
  const key = `${method} ${route}`;
  switch (key) {
    case 'POST /v1/leads':
      return fc.record({ tx: fc.boolean(), withId: fc.boolean(), id: fc.uuid(), market }).map(({ tx, withId, id, market: marketId }) =>
        leadBody(n, 'fuzz', tx ? { state: 'TX', zip: '75201' } : { state: 'FL', zip: '33101' }, { ...(withId && { leadId: id }), ...(n % 3 === 0 && { marketId }) }),
      );
    case 'POST /v1/leads/:leadId/score':
      return fc.record({ score: fc.integer({ min: 0, max: 100 }), grade: fc.constantFrom('A', 'B', 'C', 'D'), model: fc.constant('fuzz-model') }, { requiredKeys: ['score'] });
    case 'POST /v1/leads/:leadId/route':
      return fc.oneof(fc.constant({}), fc.record({ officerId: officer, reason: fc.constant('fuzz override') }));
    case 'POST /v1/leads/:leadId/delivery-failures':
      return fc.record({ officerId: officer, reason: fc.constant('bounced') });
    case 'POST /v1/leads/:leadId/deliver':
      return fc.record({ officerId: officer, channel: fc.constantFrom('webhook', 'email', 'sms', 'crm'), receipt: fc.constant('r-1') }, { requiredKeys: ['officerId', 'channel'] });
    case 'POST /v1/leads/:leadId/credit':
      return fc.record({ reason: fc.constantFrom('disconnected_number', 'fake_identity', 'out_of_market', 'already_in_loan', 'duplicate', 'other'), note: fc.constant('n') }, { requiredKeys: ['reason'] });
    case 'PUT /v1/markets/:marketId':
      return fc.constantFrom(marketBody('Fuzz TX', ['TX'], 'America/Chicago'), marketBody('Fuzz FL', ['FL'], 'America/New_York'), { ...marketBody('Z', ['TX', 'OK'], 'America/Chicago'), zipPrefixes: ['750'], paceTolerance: 2, dedupeWindowDays: 30 });
    case 'PUT /v1/officers/:officerId':
      return fc.constantFrom(officerBody('Fuzz Officer', ['TX']), officerBody('Fuzz Officer', ['FL', 'TX']), { ...officerBody('Off', ['TX']), active: false });
    case 'PUT /v1/officers/:officerId/allocations/:month':
      return fc.record({ market, leads: fc.integer({ min: 1, max: 200 }), startsOn: fc.constantFrom(undefined, '2026-11-01', '2026-11-31', '2026-12-01') }).map(({ market: marketId, leads, startsOn }) => ({
        ...allocationBody(marketId, leads),
        ...(startsOn && { startsOn }),
      }));
    case 'POST /v1/officers/:officerId/allocations/:month/pause':
    case 'POST /v1/officers/:officerId/allocations/:month/cancel':
      return fc.constant({ reason: 'fuzz' });
    case 'PUT /v1/admin/clock':
      // Only small steps forward, or backwards (409), so pace and consent stay meaningful.
      return fc.integer({ min: -120, max: 2 }).map((seconds) => ({ now: new Date(Date.parse(NOW) + seconds * 1000).toISOString() }));
    default:
      return fc.constant({});
  }
}

/** A JSON value meant to break things: wrong types, huge and odd numbers, unicode, deep nesting. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    null,
    true,
    0,
    -0,
    1e-7,
    -2.5e-9,
    -1,
    1e308,
    -1e308,
    5e-324,
    2 ** 53 + 1,
    Number.MAX_SAFE_INTEGER,
    '',
    ' ',
    '0',
    '350000',
    'true',
    'null',
    '\u0000',
    '\u202e\u200b',
    '😀'.repeat(50),
    'x'.repeat(10_000),
    '<script>alert(1)</script>',
    '2026-11-28T12:00:00',
    '2026-02-30T00:00:00Z',
    '9999-12-31T23:59:59Z',
    [],
    [[]],
    {},
    { $gt: '' },
    Array.from({ length: 60 }, (_, i) => String(i)),
  ),
  fc.integer({ min: 1, max: 200 }).map(nested),
);

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

const hostileKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', 'leadId', '$where', 'a.b', '😀', 'extra'), fc.string({ maxLength: 12 }));

type Path = Array<string | number>;

function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, Array.isArray(value) ? Number(k) : k], out);
  return out;
}

function withAt(value: unknown, path: Path, change: (parent: any, key: string | number) => void): unknown {
  const copy = structuredClone(value);
  if (path.length === 0) return copy;
  let parent: any = copy;
  for (const step of path.slice(0, -1)) parent = parent[step];
  change(parent, path[path.length - 1]);
  return copy;
}

/** Mutations of a valid body: most keep it almost valid, so deep validation and business rules run. */
function mutated(valid: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(valid).filter((p) => p.length > 0);
  const somePath = paths.length > 0 ? fc.constantFrom(...paths) : fc.constant([] as Path);
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(valid) },
    { weight: 4, arbitrary: fc.tuple(somePath, hostileValue).map(([path, v]) => withAt(valid, path, (parent, key) => (parent[key] = v))) },
    { weight: 2, arbitrary: somePath.map((path) => withAt(valid, path, (parent, key) => (Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key]))) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom([] as Path, ...paths), hostileKey, hostileValue).map(([path, key, v]) =>
        withAt({ root: valid }, ['root', ...path], (parent, at) => {
          const target = parent[at];
          // defineProperty, so "__proto__" becomes an own key that JSON.stringify sends.
          if (target && typeof target === 'object' && !Array.isArray(target)) Object.defineProperty(target, key, { value: v, enumerable: true, configurable: true, writable: true });
        }),
      ).map((wrapped) => (wrapped as { root: unknown }).root),
    },
    { weight: 1, arbitrary: hostileValue },
  );
}

/** Raw payloads that JSON.stringify cannot produce. */
const RAW_PAYLOADS = [
  '',
  ' ',
  'null',
  '[]',
  '"a string"',
  '42',
  '{',
  '{"a":}',
  "{'single':'quotes'}",
  '{"score": 1e400}',
  '{"score": -1e400}',
  '{"score": 123456789012345678901234567890}',
  '{"loan":{"amount":1e999999}}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":1,"a":2}',
  '\ufeff{}',
  '{"reason":"\\ud800"}',
  '{"reason":"\u0000"}',
  JSON.stringify({ reason: 'x'.repeat(70 * 1024) }),
  '{"a":'.repeat(1_000) + '1' + '}'.repeat(1_000),
  '['.repeat(20_000) + ']'.repeat(20_000),
  '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000),
];

function payloadFor(body: unknown): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant(JSON.stringify(body) ?? 'null') },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_PAYLOADS) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

const visibleAscii = (max: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });

function headersFor(adminKey: string, reusableKeys: string[]): fc.Arbitrary<Record<string, string>> {
  const authorization = fc.oneof(
    { weight: 16, arbitrary: fc.constant(`Bearer ${adminKey}`) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(undefined, '', 'Bearer', 'Bearer ', 'Bearer wrong-key', `bearer ${adminKey}`, `Bearer  ${adminKey}`, `Bearer ${adminKey} extra`, `Basic ${Buffer.from(`admin:${adminKey}`).toString('base64')}`, `Token ${adminKey}`, `Bearer ${adminKey.toUpperCase()}`, `Bearer ${adminKey.slice(0, -1)}`),
    },
    { weight: 1, arbitrary: visibleAscii(80) },
  );
  const idempotencyKey = fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: fc.uuid().map((id) => `fuzz-${id}`) },
    { weight: 2, arbitrary: fc.constantFrom(...reusableKeys) },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom('', ' ', 'has space', 'ünïcode', 'k'.repeat(256), '\t'), visibleAscii(40)) },
  );
  const ifMatch = fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 6 }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom('"2"', 'W/"1"', '*', '-1', '1.5', '99999999999999999999999', '0x1', '', 'abc') },
  );
  const contentType = fc.oneof(
    { weight: 12, arbitrary: fc.constant('application/json') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(undefined, 'application/json; charset=utf-8', 'application/JSON', 'application/json;charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/merge-patch+json', '*/*', 'application/json;;', ''),
    },
    { weight: 1, arbitrary: visibleAscii(40) },
  );
  const correlation = fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('corr-1', 'a'.repeat(500), 'ü', '../../etc') }, { weight: 1, arbitrary: visibleAscii(60) });
  return fc.record({ authorization, idempotencyKey, ifMatch, contentType, correlation }).map(({ authorization: a, idempotencyKey: k, ifMatch: m, contentType: c, correlation: x }) => {
    const headers: Record<string, string> = {};
    if (a !== undefined) headers.authorization = a;
    if (k !== undefined) headers['idempotency-key'] = k;
    if (m !== undefined) headers['if-match'] = m;
    if (c !== undefined) headers['content-type'] = c;
    if (x !== undefined) headers['x-correlation-id'] = x;
    return headers;
  });
}

/** Built once: fc.stringMatching compiles its regex into an arbitrary, which is slow to redo per request. */
const slug = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/);

function paramValue(name: string, ids: KnownIds): fc.Arbitrary<string> {
  const encodeSome = (raw: fc.Arbitrary<string>) => raw.map((value) => (/%/.test(value) ? value : encodeURIComponent(value)));
  const bad = fc.oneof(fc.constantFrom(...BAD_IDS), encodeSome(fc.string({ maxLength: 20 })).filter((s) => s.length > 0));
  const known = (values: string[], fresh: fc.Arbitrary<string>) =>
    fc.oneof({ weight: 8, arbitrary: values.length > 0 ? fc.constantFrom(...values) : fresh }, { weight: 2, arbitrary: fresh }, { weight: 2, arbitrary: bad });
  switch (name.replace(/\(.*$/, '')) {
    case 'leadId':
      // Routed leads count twice: deliveries, failures and credits need one to get past the state checks.
      return known([...ids.leads, ...ids.holders.keys()], fc.oneof(fc.uuid(), fc.constantFrom(...UUID_LIKE), fc.uuid().map((id) => id.toUpperCase())));
    case 'marketId':
      return known(ids.markets, slug);
    case 'officerId':
      return known(ids.officers, slug);
    case 'month':
      return known(ids.months, fc.constantFrom(...MONTHS));
    case 'exportId':
      return known(ids.exports, fc.uuid());
    default: {
      const seen = ids.byParam.get(name.replace(/\(.*$/, '')) ?? [];
      const generic = fc.oneof(known([...ids.leads.slice(0, 5), ...ids.markets, ...ids.officers, ...ids.exports], fc.uuid()), fc.constantFrom(...MONTHS));
      return seen.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...seen) }, { weight: 2, arbitrary: generic }) : generic;
    }
  }
}

function queryFor(method: string, route: string, ids: KnownIds): fc.Arbitrary<string> {
  const value = fc.oneof(
    fc.constantFrom('', 'json', 'csv', 'ndjson', 'xml', 'true', 'false', 'yes', '2026-11-01', '2026-11-28T12:00:00Z', '2026-13-40', 'summary', 'events', 'new', 'routed', 'credited', 'lost', '%zz', '%00', 'a&b', '😀'),
    fc.constantFrom(...ids.markets, ...ids.officers),
    visibleAscii(12).map(encodeURIComponent),
  );
  const known = fc.constantFrom('format', 'marketId', 'from', 'to', 'officerId', 'status', 'include', 'redact', 'month', 'limit', '__proto__', 'constructor');
  const pair = fc.tuple(fc.oneof({ weight: 4, arbitrary: known }, { weight: 1, arbitrary: visibleAscii(8).map(encodeURIComponent) }), value).map(([k, v]) => `${k}=${v}`);
  let typical: fc.Arbitrary<string> = fc.constant('');
  if (route === '/v1/allocations/:month') typical = fc.constantFrom(...ids.markets).map((m) => `marketId=${m}`);
  if (route === '/v1/exports/leads') {
    // Narrow filters, so an export stays small however many leads the fuzzing created.
    typical = fc
      .record({ officer: fc.constantFrom(...ids.officers), status: fc.constantFrom('delivered', 'credited'), format: fc.constantFrom('ndjson', 'csv'), include: fc.constantFrom('events', 'summary'), redact: fc.constantFrom('true', 'false') })
      .map((q) => `officerId=${q.officer}&status=${q.status}&format=${q.format}&include=${q.include}&redact=${q.redact}&from=2026-11-01&to=2026-12-01`);
  }
  if (route === '/v1/leads/:leadId/history') typical = fc.constantFrom('format=json', 'format=csv', 'format=ndjson');
  return fc.oneof(
    { weight: 5, arbitrary: typical },
    { weight: 2, arbitrary: fc.array(pair, { minLength: 1, maxLength: 4 }).map((pairs) => pairs.join('&')) },
    { weight: 1, arbitrary: fc.constant(method === 'GET' ? '' : 'unexpected=1') },
  );
}

/** One request against one of the app's routes, with valid-shaped and mutated parts. */
export function requestArbitrary(routes: RouteEntry[], ids: KnownIds, adminKey: string, reusableKeys: string[], nextN: () => number): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...routes).chain((route) => {
    const segments = route.url.split('/');
    const params = segments.map((segment) => (segment.startsWith(':') ? paramValue(segment.slice(1), ids) : segment === '*' ? fc.constantFrom('', 'index.html', 'swagger-ui.css', '..%2f..%2fetc%2fpasswd', 'x/y/z') : fc.constant(segment)));
    const sendsBody = route.method !== 'GET' && route.method !== 'DELETE';
    const leadIndex = segments.indexOf(':leadId');
    const bodyFor = (path: string[]) =>
      sendsBody
        ? validBody(route.method, route.url, ids, nextN(), leadIndex >= 0 ? path[leadIndex] : undefined)
            .chain((valid) => mutated(valid))
            .chain(payloadFor)
        : fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('{}', '{"x":1}', 'garbage') });
    const hostile = fc.record({
      pathAndBody: fc.tuple(...params).chain((path) => bodyFor(path).map((payload) => ({ path, payload }))),
      query: queryFor(route.method, route.url, ids),
      headers: headersFor(adminKey, reusableKeys),
    });
    // A quarter of the requests are well-formed apart from what the ids and state make of them, so
    // the business rules behind validation (state checks, routing, allocations) run often too.
    const wellFormedHeaders = fc.option(fc.uuid().map((id) => `fuzz-${id}`), { nil: undefined }).map((key) => ({
      authorization: `Bearer ${adminKey}`,
      'content-type': 'application/json',
      ...(key !== undefined && { 'idempotency-key': key }),
    }));
    const wellFormed = fc.record({
      pathAndBody: fc.tuple(...params).chain((path) =>
        (sendsBody ? validBody(route.method, route.url, ids, nextN(), leadIndex >= 0 ? path[leadIndex] : undefined).map((valid) => JSON.stringify(valid)) : fc.constant(undefined)).map((payload) => ({ path, payload })),
      ),
      query: queryFor(route.method, route.url, ids),
      headers: wellFormedHeaders,
    });
    return fc.oneof({ weight: 3, arbitrary: hostile }, { weight: 1, arbitrary: wellFormed }).map(({ pathAndBody: { path, payload }, query, headers }) => ({
      method: route.method,
      route: route.url,
      url: `${path.join('/')}${query ? `?${query}` : ''}`,
      headers,
      payload,
    }));
  });
}

export function describeRequest(request: FuzzRequest): string {
  const body = request.payload === undefined ? '(no body)' : request.payload.length > 600 ? `${request.payload.slice(0, 600)}… (${request.payload.length} bytes)` : request.payload;
  return [`${request.method} ${request.url}   [route ${request.route}]`, ...Object.entries(request.headers).map(([k, v]) => `${k}: ${v.length > 120 ? `${v.slice(0, 120)}…` : v}`), '', body].join('\n');
}

/** How deeply a raw JSON text nests (brackets outside strings). */
export function nestingDepth(text: string | undefined): number {
  if (!text) return 0;
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') max = Math.max(max, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return max;
}

/** A number in the JSON text whose JavaScript string form uses a negative exponent (|x| < 1e-6), e.g. 1e-7 or 0.0000001. */
export function hasTinyNumber(text: string | undefined): boolean {
  if (!text) return false;
  try {
    let found = false;
    JSON.parse(text, (_key, value) => {
      if (typeof value === 'number' && /e-/.test(String(value))) found = true;
      return value;
    });
    return found;
  } catch {
    return false;
  }
}
