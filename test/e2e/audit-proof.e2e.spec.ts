import { randomUUID } from 'node:crypto';
import { EsdbLedger } from '../../libs/ledger/src/esdb/esdb-ledger';
import { aLeadBody, RunningApp, startApp } from '../support/app-harness';
import { EsdbStandIn, startEsdbStandIn } from '../support/esdb-grpc-standin';
import { fromCsv, fromJson, fromNdjson, HistoryExport, rootOf, verifyHistory } from '../support/independent-verifier';

/**
 * Merkle digests and inclusion proofs over real HTTP, on both adapters. Every proof is checked with
 * test/support/independent-verifier.ts, written only from docs/ledger-format.md.
 */
const EVERY = 5;
const DIGEST_STREAM = 'ledger-digests';
const DIGEST_TYPE = 'LedgerDigestRecorded';

/** One event of the global log as the test reads it straight from the store. */
interface LogEvent {
  position: string;
  eventId: string;
  stream: string;
  type: string;
  data: any;
  metadata: any;
  hash: string | null;
}

interface Adapter {
  name: string;
  start(): Promise<{ api: RunningApp; readLog(): Promise<LogEvent[]>; dispose(): Promise<void> }>;
}

const ADAPTERS: Adapter[] = [
  {
    name: 'embedded SQLite',
    async start() {
      const api = await startApp({ env: { DIGEST_EVERY_EVENTS: String(EVERY) } });
      const readLog = async () =>
        (api.eventsInFile() as any[]).map((row) => ({
          position: String(row.position),
          eventId: row.event_id,
          stream: row.stream,
          type: row.type,
          data: row.data,
          metadata: row.metadata,
          hash: row.hash,
        }));
      return { api, readLog, dispose: () => api.close() };
    },
  },
  {
    name: 'EventStoreDB adapter via the gRPC stand-in (not a real server)',
    async start() {
      const standIn: EsdbStandIn = await startEsdbStandIn();
      const api = await startApp({ env: { DIGEST_EVERY_EVENTS: String(EVERY), LEDGER_URL: standIn.connectionString } });
      const reader = EsdbLedger.connect(standIn.connectionString);
      const readLog = async () =>
        (await reader.readAll()).map((e) => ({
          position: e.position.toString(),
          eventId: e.id,
          stream: e.stream,
          type: e.type,
          data: e.data,
          metadata: e.metadata,
          hash: e.chain?.hash ?? null,
        }));
      return {
        api,
        readLog,
        dispose: async () => {
          await api.close();
          await reader.close();
          await standIn.stop();
        },
      };
    },
  },
];

describe.each(ADAPTERS)('audit: digests and inclusion proofs (e2e, $name)', (adapter) => {
  let api: RunningApp;
  let readLog: () => Promise<LogEvent[]>;
  let dispose: () => Promise<void>;
  let phone = 1000;

  beforeAll(async () => {
    ({ api, readLog, dispose } = await adapter.start());
  });
  afterAll(async () => dispose?.());

  it('has no digest on an empty ledger: GET latest is 404 and POST is 409 LEDGER_EMPTY', async () => {
    const latest = await api.http.get('/v1/ledger/digests/latest');
    const record = await api.http.post('/v1/ledger/digests');
    expect({ status: latest.status, code: latest.body.code }).toEqual({ status: 404, code: 'DIGEST_NOT_FOUND' });
    expect({ status: record.status, code: record.body.code }).toEqual({ status: 409, code: 'LEDGER_EMPTY' });
    expect(await readLog()).toEqual([]);
  });

  it(`records a digest as soon as ${EVERY} events follow the previous digest, each one the root of the log before it`, async () => {
    // when: 17 writes, one at a time
    await onboard('officer-ada');
    for (let i = 0; i < 8; i++) await createScoredLead(randomUUID());

    // then
    const log = await settledLog();
    const digests = digestsIn(log);
    expect(digests.length).toBe(Math.floor(17 / EVERY));
    let previous = -1;
    for (const { index, data } of digests) {
      // the cadence: exactly EVERY non-digest events after the previous digest event, up to the digest's last leaf
      const counted = log.slice(previous + 1, data.treeSize).filter((e) => !isDigest(e));
      expect(counted).toHaveLength(EVERY);
      expect(isDigest(log[data.treeSize - 1])).toBe(false);
      // the digest is what the log says, recomputed independently
      expect(data.rootHash).toBe(rootOf(log.slice(0, data.treeSize).map((e) => e.hash!)));
      expect(data.lastPosition).toBe(log[data.treeSize - 1].position);
      expect(data.lastEventId).toBe(log[data.treeSize - 1].eventId);
      expect(index).toBeGreaterThanOrEqual(data.treeSize);
      expect(log[index].metadata.actor).toBe('system');
      previous = index;
    }
    expect(log.slice(previous + 1).filter((e) => !isDigest(e)).length).toBeLessThan(EVERY);

    // and GET latest answers the last one
    const last = digests[digests.length - 1];
    const latest = await api.http.get('/v1/ledger/digests/latest');
    expect(latest.status).toBe(200);
    expect(latest.body).toStrictEqual({
      ...last.data,
      position: log[last.index].position,
      eventId: log[last.index].eventId,
      revision: digests.length - 1,
      hash: log[last.index].hash,
    });
  });

  it('POST /v1/ledger/digests records a digest of the whole log now (201); an Idempotency-Key replays it', async () => {
    // given
    await createScoredLead(randomUUID());
    const key = `digest-${randomUUID()}`;

    // when
    const first = await api.http.post('/v1/ledger/digests').set('idempotency-key', key).send({});
    const replay = await api.http.post('/v1/ledger/digests').set('idempotency-key', key).send({});
    const latest = await api.http.get('/v1/ledger/digests/latest');

    // then
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toStrictEqual(first.body);
    expect(latest.body).toStrictEqual(first.body);
    const log = await readLog();
    const own = log.findIndex((e) => e.eventId === first.body.eventId);
    expect(own).toBeGreaterThanOrEqual(first.body.treeSize);
    expect(log[own]).toMatchObject({ stream: DIGEST_STREAM, type: DIGEST_TYPE, metadata: { actor: 'key:admin', idempotencyKey: key } });
    expect(first.body.rootHash).toBe(rootOf(log.slice(0, first.body.treeSize).map((e) => e.hash!)));
    expect(log.filter((e) => e.metadata.idempotencyKey === key)).toHaveLength(1);
  });

  it('exports a lead history with hashes and inclusion proofs as json, ndjson and csv, and every proof verifies independently', async () => {
    // given: a lead with five events, a note that needs CSV quoting
    const leadId = randomUUID();
    await createScoredLead(leadId);
    expect((await api.http.post(`/v1/leads/${leadId}/route`).send({ officerId: 'officer-ada', reason: 'test' })).status).toBe(200);
    expect((await api.http.post(`/v1/leads/${leadId}/deliver`).send({ officerId: 'officer-ada', channel: 'crm' })).status).toBe(200);
    const note = 'said "wrong number", twice\nthen hung up, 16.799999999999997 times';
    expect((await api.http.post(`/v1/leads/${leadId}/credit`).send({ reason: 'other', note })).status).toBe(200);

    // when
    const asJson = await api.http.get(`/v1/leads/${leadId}/history?format=json`);
    const asNdjson = await api.http.get(`/v1/leads/${leadId}/history?format=ndjson`);
    const asCsv = await api.http.get(`/v1/leads/${leadId}/history?format=csv`);

    // then: every format carries the same events, proofs and digest
    expect([asJson.status, asNdjson.status, asCsv.status]).toEqual([200, 200, 200]);
    const exports = { json: fromJson(asJson.body), ndjson: fromNdjson(asNdjson.text), csv: fromCsv(asCsv.text) };
    expect(exports.ndjson).toStrictEqual(exports.json);
    expect(exports.csv).toStrictEqual({ ...exports.json, digest: pick(exports.json.digest, ['treeSize', 'rootHash', 'lastPosition', 'position']) });
    expect(asJson.body.events.map((e: any) => e.type)).toEqual(['LeadCreated', 'LeadScored', 'LeadRouted', 'LeadDelivered', 'LeadCredited']);

    // the digest covers the lead and is in the ledger; its root is pinned by recomputing it from the log
    const log = await readLog();
    const digest = asJson.body.proof.digest;
    const digestEvent = log.find((e) => e.eventId === digest.eventId)!;
    expect(digestEvent).toMatchObject({ stream: DIGEST_STREAM, type: DIGEST_TYPE, position: digest.position, hash: digest.hash });
    expect(digestEvent.data).toStrictEqual(pick(digest, ['treeSize', 'rootHash', 'lastPosition', 'lastEventId', 'digestedAt']));
    const pinned = { treeSize: digest.treeSize, rootHash: rootOf(log.slice(0, digest.treeSize).map((e) => e.hash!)) };
    asJson.body.proof.inclusions.forEach((inclusion: any, i: number) => {
      expect(log[inclusion.leafIndex].eventId).toBe(asJson.body.events[i].eventId);
    });

    for (const [format, history] of Object.entries(exports)) {
      expect({ format, failures: verifyHistory(history, pinned) }).toEqual({ format, failures: [] });
    }

    // and the export is stable: asking again answers the same proof (no new digest)
    const again = await api.http.get(`/v1/leads/${leadId}/history`);
    expect(again.body).toStrictEqual(asJson.body);
  });

  it('a tampered export or proof fails independent verification', async () => {
    // given
    const leadId = randomUUID();
    await createScoredLead(leadId);
    expect((await api.http.post(`/v1/leads/${leadId}/route`).send({ officerId: 'officer-ada', reason: 'test' })).status).toBe(200);
    const res = await api.http.get(`/v1/leads/${leadId}/history`);
    const asCsv = await api.http.get(`/v1/leads/${leadId}/history?format=csv`);
    const asNdjson = await api.http.get(`/v1/leads/${leadId}/history?format=ndjson`);
    const log = await readLog();
    const { treeSize } = res.body.proof.digest;
    const pinned = { treeSize, rootHash: rootOf(log.slice(0, treeSize).map((e) => e.hash!)) };
    const genuine = fromJson(res.body);
    expect(verifyHistory(genuine, pinned)).toEqual([]);
    const tampered = (change: (h: HistoryExport) => void) => {
      const copy: HistoryExport = structuredClone(genuine);
      change(copy);
      return verifyHistory(copy, pinned);
    };
    const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);

    // then: each tampering is caught
    expect(tampered((h) => (h.events[0].data = { ...(h.events[0].data as object), creditTier: 'excellent' }))).toContainEqual(expect.stringMatching(/hash does not match/));
    expect(tampered((h) => ((h.events[1].metadata as any).actor = 'key:mallory'))).toContainEqual(expect.stringMatching(/hash does not match/));
    expect(tampered((h) => (h.events[1].recordedAt = '2020-01-01T00:00:00.000Z'))).toContainEqual(expect.stringMatching(/hash does not match/));
    expect(tampered((h) => (h.events[1].prevHash = flip(h.events[1].prevHash)))).not.toEqual([]);
    expect(tampered((h) => (h.events[2].hash = flip(h.events[2].hash)))).toContainEqual(expect.stringMatching(/inclusion proof/));
    expect(tampered((h) => (h.events.splice(1, 1), h.inclusions.splice(1, 1)))).not.toEqual([]);
    expect(tampered((h) => (h.inclusions[0].auditPath[0] = flip(h.inclusions[0].auditPath[0])))).toContainEqual(expect.stringMatching(/inclusion proof/));
    expect(tampered((h) => h.inclusions[2].auditPath.pop())).toContainEqual(expect.stringMatching(/inclusion proof/));
    expect(tampered((h) => (h.inclusions[1].leafIndex += 1))).toContainEqual(expect.stringMatching(/inclusion proof/));
    expect(tampered((h) => (h.digest.treeSize += 1))).toContainEqual(expect.stringMatching(/not the pinned digest/));
    expect(tampered((h) => (h.digest.rootHash = flip(h.digest.rootHash)))).toContainEqual(expect.stringMatching(/not the pinned digest/));
    // without a pinned digest, the export's own: an edited root no longer matches the proofs
    expect(verifyHistory(genuine)).toEqual([]);
    expect(verifyHistory({ ...genuine, digest: { ...genuine.digest, rootHash: flip(genuine.digest.rootHash) } })).toContainEqual(expect.stringMatching(/inclusion proof/));
    expect(tampered((h) => (h.inclusions[0].leafHash = flip(h.inclusions[0].leafHash!)))).toContainEqual(expect.stringMatching(/leafHash/));

    // and in the text formats too
    const csvTampered = asCsv.text.replace('"TX"', '"CA"');
    expect(csvTampered).not.toBe(asCsv.text);
    expect(verifyHistory(fromCsv(csvTampered), pinned)).toContainEqual(expect.stringMatching(/hash does not match/));
    const firstPath = res.body.proof.inclusions[0].auditPath[0];
    const ndjsonTampered = asNdjson.text.replace(firstPath, flip(firstPath));
    expect(verifyHistory(fromNdjson(ndjsonTampered), pinned)).toContainEqual(expect.stringMatching(/inclusion proof/));
  });

  it('proves a lead against a later digest once it exists, and a lead written after the latest digest gets one on demand', async () => {
    // given: the latest digest, then a lead written after it
    const before = (await api.http.get('/v1/ledger/digests/latest')).body;
    const leadId = randomUUID();
    await createScoredLead(leadId);

    // when
    const res = await api.http.get(`/v1/leads/${leadId}/history?format=ndjson`);

    // then
    const history = fromNdjson(res.text);
    expect(history.digest.treeSize).toBeGreaterThan(before.treeSize);
    const log = await readLog();
    expect(verifyHistory(history, { treeSize: history.digest.treeSize, rootHash: rootOf(log.slice(0, history.digest.treeSize).map((e) => e.hash!)) })).toEqual([]);
  });

  // ---- helpers ----

  /** Reads the log once the recorder has caught up: fewer than EVERY non-digest events after the last digest. */
  async function settledLog(): Promise<LogEvent[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const log = await readLog();
      const lastDigest = log.map(isDigest).lastIndexOf(true);
      if (log.slice(lastDigest + 1).filter((e) => !isDigest(e)).length < EVERY) return log;
      if (Date.now() > deadline) throw new Error('no digest was recorded in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  function digestsIn(log: LogEvent[]) {
    return log.flatMap((e, index) => (isDigest(e) ? [{ index, data: e.data }] : []));
  }

  function isDigest(e: LogEvent) {
    return e.stream === DIGEST_STREAM && e.type === DIGEST_TYPE;
  }

  async function onboard(officerId: string) {
    const res = await api.http.put(`/v1/officers/${officerId}`).send({ name: `Officer ${officerId}`, nmlsId: '1000001', licensedStates: ['TX'], active: true });
    expect(res.status).toBe(201);
  }

  async function createScoredLead(id: string) {
    phone += 1;
    const body = aLeadBody({ leadId: id, borrower: { firstName: 'Sam', lastName: 'Rivera', phone: `+1214555${phone}`, email: `audit-${phone}@example.com` } });
    expect((await api.http.post('/v1/leads').send(body)).status).toBe(201);
    expect((await api.http.post(`/v1/leads/${id}/score`).send({ score: 72 })).status).toBe(200);
  }
});

function pick<T extends object>(object: T, keys: string[]): Partial<T> {
  return Object.fromEntries(keys.map((key) => [key, (object as Record<string, unknown>)[key]])) as Partial<T>;
}
