import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { allocationBody, leadBody, marketBody, MONTH, NOW, officerBody } from './support/fixtures';
import { LedgerFile, LedgerRow, partialOrDuplicateApply } from './support/ledger-file';
import { intFromEnv, writeResults } from './support/results';
import { runCli, ServerProcess, sleep, startServerProcess, tail } from './support/server-process';

/**
 * Crash safety, with real processes: the API runs as a child process on an embedded ledger file,
 * concurrent workers drive leads through their lives with a unique Idempotency-Key per command, and
 * the server is SIGKILLed at random moments (often mid-burst) and restarted on the same data dir.
 * Afterwards the ledger file itself must hold every acknowledged command exactly once, resends must
 * be answered from the ledger without appending, and verify + a rebuild must agree.
 *
 * CRASH_KILLS (default 5) sets the number of kills; `npm run test:reliability` runs ≥ 20.
 */
const KILLS = intFromEnv('CRASH_KILLS', 5);
const WORKERS = intFromEnv('CRASH_WORKERS', 6);
/** Every lead command appends exactly one event (LeadCreated, LeadScored, LeadRouted or LeadUnroutable, …). */
const MAX_EVENTS_PER_COMMAND = 1;

const TIGHT = { marketId: 'tight', property: { state: 'TX', zip: '75201' }, officers: ['tx-ana', 'tx-bo', 'tx-cy'], leadsEach: 12 };
const WIDE = { marketId: 'wide', property: { state: 'FL', zip: '33101' }, officers: ['fl-dee', 'fl-eli', 'fl-fay', 'fl-gus'], leadsEach: 100_000 };
const ALLOCATION_SIZE = new Map<string, number>([...TIGHT.officers.map((o) => [`${o}|${MONTH}|tight`, TIGHT.leadsEach] as const), ...WIDE.officers.map((o) => [`${o}|${MONTH}|wide`, WIDE.leadsEach] as const)]);

interface Command {
  key: string;
  method: 'POST' | 'PUT';
  path: string;
  body: unknown;
  kind: string;
}
interface Answer {
  status: number;
  body: any;
  replayed: boolean;
}

describe(`crash safety: SIGKILL the API ${KILLS} times under concurrent load (real processes, embedded ledger)`, () => {
  const dirs: string[] = [];
  afterAll(() => {
    if (process.env.KEEP_RELIABILITY_DIRS) return;
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'loses no acknowledged command, applies none twice, and verifies clean with read models equal to a rebuild',
    async () => {
      const started = Date.now();
      const dataDir = mkdtempSync(join(tmpdir(), 'lead-ledger-crash-'));
      dirs.push(dataDir);
      const rig = new CrashRig(dataDir);
      await rig.start();
      try {
        // given reference data, with the manual clock near the month's end (kept in the ledger, so it survives kills)
        await rig.mustSucceed({ kind: 'clock', method: 'PUT', path: '/v1/admin/clock', body: { now: NOW } });
        await rig.mustSucceed({ kind: 'market', method: 'PUT', path: '/v1/markets/tight', body: marketBody('Tight market', ['TX'], 'America/Chicago') });
        await rig.mustSucceed({ kind: 'market', method: 'PUT', path: '/v1/markets/wide', body: marketBody('Wide market', ['FL'], 'America/New_York') });
        for (const market of [TIGHT, WIDE]) {
          for (const officerId of market.officers) {
            await rig.mustSucceed({ kind: 'officer', method: 'PUT', path: `/v1/officers/${officerId}`, body: officerBody(officerId, [market.property.state]) });
            await rig.mustSucceed({
              kind: 'allocation',
              method: 'PUT',
              path: `/v1/officers/${officerId}/allocations/${MONTH}`,
              body: allocationBody(market.marketId, market.leadsEach),
            });
          }
        }

        // when workers drive leads through their lives while the server is killed and restarted
        const workers = Array.from({ length: WORKERS }, (_, i) => rig.worker(i));
        await rig.killRepeatedly(KILLS);
        await sleep(1_500); // the last server takes live traffic too, so its read models are not only a boot-time rebuild
        rig.stopLoad();
        await Promise.all(workers);

        expect(rig.serverErrors).toEqual([]);

        // then every acknowledged command is in the file, once, at the acknowledged revision and position
        const ledger = new LedgerFile(join(dataDir, 'ledger.db'));
        const byKey = ledger.byIdempotencyKey();
        const ackProblems: string[] = [];
        for (const { command, answer } of rig.acks.values()) {
          const rows = byKey.get(command.key) ?? [];
          const problem = ackProblem(command, answer, rows);
          if (problem) ackProblems.push(`${command.method} ${command.path} key=${command.key}: ${problem}`);
        }
        expect(ackProblems.slice(0, 20)).toEqual([]);

        // and commands killed in flight are fully there or not at all
        const unanswered = [...rig.unanswered.values()].filter((command) => !rig.acks.has(command.key));
        const presentBefore = new Map(unanswered.map((command) => [command.key, byKey.get(command.key) ?? []]));
        const partial = unanswered.flatMap((command) => {
          const problem = partialOrDuplicateApply(presentBefore.get(command.key)!, MAX_EVENTS_PER_COMMAND);
          return problem ? [`${command.path} key=${command.key}: ${problem}`] : [];
        });
        expect(partial).toEqual([]);

        // when every acknowledged command is sent again with its key, after the final restart
        const countBeforeResend = ledger.count();
        const resendMismatches: string[] = [];
        await inParallel([...rig.acks.values()], 8, async ({ command, answer }) => {
          const again = await rig.send(command, { record: false });
          if (!again) return void resendMismatches.push(`${command.path} key=${command.key}: no answer`);
          const replayMarked = again.replayed;
          if (again.status !== answer.status || !sameJson(again.body, answer.body) || !replayMarked) {
            resendMismatches.push(`${command.method} ${command.path} key=${command.key}: first ${answer.status} ${JSON.stringify(answer.body)}, resend ${again.status} ${JSON.stringify(again.body)} replayed=${again.replayed}`);
          }
        });
        const appendedByAckResends = ledger.count() - countBeforeResend;

        // then each gets the same status and body, marked as a replay, and nothing is appended
        expect(resendMismatches.slice(0, 20)).toEqual([]);
        expect(appendedByAckResends).toBe(0);

        // and an unanswered command sent twice more is applied at most once
        const unansweredProblems: string[] = [];
        let presentCount = 0;
        for (const command of unanswered) {
          const before = presentBefore.get(command.key)!;
          if (before.length > 0) presentCount++;
          const first = await rig.send(command, { record: false });
          const second = await rig.send(command, { record: false });
          const after = ledger.withIdempotencyKey(command.key);
          const label = `${command.method} ${command.path} key=${command.key}`;
          if (!first || !second) unansweredProblems.push(`${label}: no answer on resend`);
          else if (first.status >= 500 || second.status >= 500) unansweredProblems.push(`${label}: ${first.status}/${second.status}`);
          else if (first.status !== second.status || !sameJson(first.body, second.body)) unansweredProblems.push(`${label}: resends disagree: ${first.status} vs ${second.status}`);
          const problem = partialOrDuplicateApply(after, MAX_EVENTS_PER_COMMAND);
          if (problem) unansweredProblems.push(`${label}: ${problem}`);
          if (before.length > 0 && after.length !== before.length) unansweredProblems.push(`${label}: was applied before the resend, and the resend appended ${after.length - before.length} more`);
          if (before.length > 0 && first && first.status < 300 && !first.replayed) unansweredProblems.push(`${label}: applied before, but the resend was not answered as a replay`);
        }
        expect(unansweredProblems).toEqual([]);

        // and the invariants hold over the whole file: one recipient per lead, nobody past allocation
        const allEvents = ledger.all();
        expect(invariantViolations(allEvents).slice(0, 20)).toEqual([]);

        // and the live read models of the last server equal a rebuild from a copy of the file
        const copyDir = mkdtempSync(join(tmpdir(), 'lead-ledger-crash-copy-'));
        dirs.push(copyDir);
        await copyDataDir(dataDir, copyDir, ledger);
        const rebuilt = await startServerProcess({ dataDir: copyDir, logFile: join(copyDir, 'server.log'), env: { CLOCK: 'manual' } });
        const compared: string[] = [];
        const readModelDiffs: string[] = [];
        try {
          const leadIds = [...new Set(allEvents.filter((e) => e.stream.startsWith('lead-')).map((e) => e.stream.slice('lead-'.length)))];
          const paths = [
            `/v1/allocations/${MONTH}?marketId=tight`,
            `/v1/allocations/${MONTH}?marketId=wide`,
            '/v1/markets/tight',
            '/v1/markets/wide',
            ...[...TIGHT.officers, ...WIDE.officers].map((o) => `/v1/officers/${o}`),
            ...sample(leadIds, 60).map((id) => `/v1/leads/${id}`),
          ];
          const differing: string[] = [];
          for (const path of paths) {
            const [live, fresh] = await Promise.all([get(rig.server.baseUrl, rig.server.adminKey, path), get(rebuilt.baseUrl, rebuilt.adminKey, path)]);
            compared.push(path);
            if (live.status !== 200 || fresh.status !== 200 || !sameJson(live.body, fresh.body)) differing.push(path);
          }
          // The live read models follow the ledger asynchronously: a difference gets one more look a moment later.
          if (differing.length > 0) await sleep(1_000);
          for (const path of differing) {
            const [live, fresh] = await Promise.all([get(rig.server.baseUrl, rig.server.adminKey, path), get(rebuilt.baseUrl, rebuilt.adminKey, path)]);
            if (live.status !== 200 || fresh.status !== 200 || !sameJson(live.body, fresh.body)) {
              readModelDiffs.push(`${path}: live ${live.status} ${JSON.stringify(live.body)} vs rebuilt ${fresh.status} ${JSON.stringify(fresh.body)}`);
            }
          }
        } finally {
          await rebuilt.kill('SIGTERM');
        }
        expect(readModelDiffs.slice(0, 5)).toEqual([]);
        const paceRows = (await get(rig.server.baseUrl, rig.server.adminKey, `/v1/allocations/${MONTH}?marketId=tight`)).body.officers as Array<{ net: number; allocation: number }>;
        for (const row of paceRows) expect(row.net).toBeLessThanOrEqual(row.allocation);

        // and `lead-ledger replay` rebuilds one lead document per lead stream from the copy
        const replay = runCli(['replay', '--json', '--no-progress', '--data-dir', copyDir]);
        expect(replay.stderr).toBe('');
        expect(replay.status).toBe(0);
        const replayReport = JSON.parse(replay.stdout);
        const copy = new LedgerFile(join(copyDir, 'ledger.db'));
        const copyEvents = copy.count();
        const copyLeads = new Set(copy.all().filter((e) => e.stream.startsWith('lead-')).map((e) => e.stream)).size;
        copy.close();
        expect(replayReport.events).toBe(copyEvents);
        expect(replayReport.projections.find((p: { collection: string }) => /^leads_v\d+$/.test(p.collection))?.documents).toBe(copyLeads);

        // and the independent verifier passes on the original file once the server is gone
        await rig.server.kill('SIGTERM');
        ledger.close();
        const verify = runCli(['verify', '--json', '--no-progress', '--data-dir', dataDir]);
        const verifyReport = verify.stdout ? JSON.parse(verify.stdout) : null;
        if (verify.status !== 0) console.error(`verify exit ${verify.status}\n${verify.stderr}\n${JSON.stringify(verifyReport?.violations?.slice(0, 10), null, 2)}`);
        expect(verify.status).toBe(0);
        expect(verifyReport).toMatchObject({ ok: true, violations: [] });

        const results = {
          kills: rig.kills,
          workers: WORKERS,
          commandsSent: rig.sent,
          acknowledged: rig.acks.size,
          acknowledgedFound: rig.acks.size - ackProblems.length,
          acknowledgedByKind: countBy([...rig.acks.values()].map((a) => a.command.kind)),
          refusedByStatus: rig.refusedByStatus,
          unanswered: unanswered.length,
          unansweredPresentBeforeResend: presentCount,
          retriedAfterRestart: rig.retried,
          appendedByAcknowledgedResends: appendedByAckResends,
          appliedTwice: appendedByAckResends + unansweredProblems.length,
          serverErrors: rig.serverErrors.length,
          knownBugs: [],
          eventsInLedger: allEvents.length,
          leads: new Set(allEvents.filter((e) => e.stream.startsWith('lead-')).map((e) => e.stream)).size,
          readModelPathsCompared: compared.length,
          verify: { exitCode: verify.status, ok: verifyReport?.ok, violations: verifyReport?.violations?.length ?? null },
          seconds: Math.round((Date.now() - started) / 1000),
        };
        writeResults('crash', results);
        // eslint-disable-next-line no-console
        console.log(`crash test: ${JSON.stringify(results)}`);
        expect(rig.kills).toBe(KILLS);
        expect(rig.acks.size).toBeGreaterThan(KILLS * 10);
      } catch (error) {
        // eslint-disable-next-line no-console
        console.error(`server log tail:\n${tail(join(dataDir, 'server.log'))}`);
        throw error;
      } finally {
        rig.stopLoad();
        await rig.shutdown();
      }
    },
    180_000 + KILLS * 25_000,
  );
});

describe('idempotent replays of the manual clock', () => {
  // Found by this test: the clock's PUT used to answer a replay without the header.
  it('a retried PUT /v1/admin/clock is marked idempotent-replayed', async () => {
    // Imported here so the crash test itself never loads the app into the jest process.
    const { startInProcessApp } = await import('./support/in-process-app');
    const api = await startInProcessApp({ CLOCK: 'manual' });
    try {
      const put = () =>
        api.app.inject({ method: 'PUT', url: '/v1/admin/clock', headers: { authorization: `Bearer ${api.adminKey}`, 'content-type': 'application/json', 'idempotency-key': 'clock-once' }, payload: JSON.stringify({ now: NOW }) });
      const first = await put();
      const again = await put();
      expect(again.statusCode).toBe(first.statusCode);
      expect(again.json()).toEqual(first.json());
      expect(again.headers['idempotent-replayed']).toBe('true');
    } finally {
      await api.close();
    }
  });
});

/**
 * Owns the current server process and the load. Workers send through `send`, which waits while the
 * server is down and records every answer: 2xx are acknowledged commands, a lost connection is an
 * unanswered command (it may or may not have been applied).
 */
class CrashRig {
  server!: ServerProcess;
  readonly acks = new Map<string, { command: Command; answer: Answer }>();
  readonly unanswered = new Map<string, Command>();
  readonly refusedByStatus: Record<string, number> = {};
  /** Any 5xx answer: a bug, whatever the request. */
  readonly serverErrors: string[] = [];
  sent = 0;
  kills = 0;
  retried = 0;
  private inFlight = 0;
  private stopped = false;
  private up: Promise<void> = Promise.resolve();
  private readonly agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  private keySeq = 0;
  private leadSeq = 0;
  private readonly logFile: string;

  constructor(private readonly dataDir: string) {
    this.logFile = join(dataDir, 'server.log');
  }

  async start(): Promise<void> {
    this.server = await this.boot();
  }

  stopLoad(): void {
    this.stopped = true;
  }

  async shutdown(): Promise<void> {
    await this.server?.kill('SIGKILL');
    await this.agent.close().catch(() => undefined);
  }

  /** Kills at random moments: half of them wait until several commands are in flight (mid-burst). */
  async killRepeatedly(kills: number): Promise<void> {
    for (let i = 0; i < kills; i++) {
      await sleep(300 + Math.random() * 2_200);
      if (Math.random() < 0.5) {
        const until = Date.now() + 2_000;
        while (this.inFlight < Math.min(3, WORKERS) && Date.now() < until) await sleep(1);
      }
      let restarted!: () => void;
      this.up = new Promise<void>((resolve) => (restarted = resolve));
      await this.server.kill('SIGKILL');
      this.kills++;
      this.server = await this.boot();
      restarted();
    }
  }

  async mustSucceed(partial: Omit<Command, 'key'>): Promise<Answer> {
    const answer = await this.send({ ...partial, key: this.nextKey(partial.kind) });
    if (!answer || answer.status >= 300) throw new Error(`${partial.method} ${partial.path} failed: ${answer?.status} ${JSON.stringify(answer?.body)}`);
    return answer;
  }

  /** One worker: lead after lead through create → score → route → (failure → re-route) → deliver → (credit). */
  async worker(index: number): Promise<void> {
    while (!this.stopped) {
      const market = Math.random() < 0.35 ? TIGHT : WIDE;
      const n = ++this.leadSeq;
      const withId = Math.random() < 0.5;
      const created = await this.step({
        kind: 'create',
        method: 'POST',
        path: '/v1/leads',
        body: leadBody(n, `crash-w${index}`, market.property, { marketId: market.marketId, ...(withId && { leadId: randomUUID() }) }),
      });
      if (created?.status !== 201) continue;
      const leadId = created.body.leadId as string;
      const lead = (kind: string, action: string, body: unknown): Omit<Command, 'key'> => ({ kind, method: 'POST', path: `/v1/leads/${leadId}/${action}`, body });
      if ((await this.step(lead('score', 'score', { score: 40 + (n % 60), model: 'crash-test' })))?.status !== 200) continue;
      let routed = await this.step(lead('route', 'route', {}));
      if (routed?.status !== 200) continue;
      if (Math.random() < 0.15) {
        const failed = await this.step(lead('delivery-failure', 'delivery-failures', { officerId: routed.body.officerId, reason: 'webhook timed out' }));
        if (failed?.status !== 200) continue;
        routed = await this.step(lead('route', 'route', {}));
        if (routed?.status !== 200) continue;
      }
      const delivered = await this.step(lead('deliver', 'deliver', { officerId: routed.body.officerId, channel: 'crm', receipt: `crm-${n}` }));
      if (delivered?.status !== 200) continue;
      if (Math.random() < 0.3) await this.step(lead('credit', 'credit', { reason: 'disconnected_number', note: `credit ${n}` }));
    }
  }

  /**
   * Sends a new command. When the connection is lost, the command is unanswered; the worker then
   * either retries it with the same key once the server is back (what a careful client does) or
   * abandons the lead (leaving it for the final checks).
   */
  private async step(partial: Omit<Command, 'key'>): Promise<Answer | null> {
    const command = { ...partial, key: this.nextKey(partial.kind) };
    for (let attempt = 0; attempt < 4; attempt++) {
      if (this.stopped && attempt > 0) return null;
      const answer = await this.send(command);
      if (answer) return answer;
      if (Math.random() < 0.5) return null;
      this.retried++;
    }
    return null;
  }

  async send(command: Command, options: { record: boolean } = { record: true }): Promise<Answer | null> {
    await this.up;
    if (options.record) this.sent++;
    this.inFlight++;
    try {
      const response = await request(`${this.server.baseUrl}${command.path}`, {
        method: command.method,
        dispatcher: this.agent,
        headers: { authorization: `Bearer ${this.server.adminKey}`, 'content-type': 'application/json', 'idempotency-key': command.key },
        body: JSON.stringify(command.body),
        headersTimeout: 120_000,
        bodyTimeout: 120_000,
      });
      const text = await response.body.text();
      const answer: Answer = { status: response.statusCode, body: text ? JSON.parse(text) : null, replayed: response.headers['idempotent-replayed'] === 'true' };
      if (answer.status >= 500) this.serverErrors.push(`${command.method} ${command.path} key=${command.key}: ${answer.status} ${text}`);
      if (options.record) {
        if (answer.status < 300) this.acks.set(command.key, { command, answer });
        else this.refusedByStatus[answer.status] = (this.refusedByStatus[answer.status] ?? 0) + 1;
      }
      return answer;
    } catch (error) {
      // The connection died with the server (or the body was cut off): no answer.
      if (options.record) this.unanswered.set(command.key, command);
      await this.up;
      return null;
    } finally {
      this.inFlight--;
    }
  }

  private boot(): Promise<ServerProcess> {
    return startServerProcess({ dataDir: this.dataDir, logFile: this.logFile, env: { CLOCK: 'manual' } });
  }

  private nextKey(kind: string): string {
    return `crash-${kind}-${++this.keySeq}-${Math.random().toString(36).slice(2, 10)}`;
  }
}

/** Why an acknowledged command's events are not what its answer said, or null. */
function ackProblem(command: Command, answer: Answer, rows: LedgerRow[]): string | null {
  if (rows.length === 0) return 'acknowledged, but no event with its key is in the ledger file';
  const partial = partialOrDuplicateApply(rows, command.kind === 'clock' || command.kind === 'market' || command.kind === 'officer' || command.kind === 'allocation' ? 2 : MAX_EVENTS_PER_COMMAND);
  if (partial) return partial;
  const last = rows[rows.length - 1];
  if (answer.body?.revision !== undefined && answer.body.revision !== last.revision) return `answered revision ${answer.body.revision}, ledger has ${last.revision}`;
  if (answer.body?.position !== undefined && answer.body.position !== String(last.position)) return `answered position ${answer.body.position}, ledger has ${last.position}`;
  if (answer.body?.leadId !== undefined && last.stream !== `lead-${answer.body.leadId}`) return `answered lead ${answer.body.leadId}, events are in ${last.stream}`;
  if (command.kind === 'route' && (last.type !== 'LeadRouted' || last.data.officerId !== answer.body.officerId)) return `answered officer ${answer.body.officerId}, ledger has ${last.type} ${last.data.officerId}`;
  return null;
}

/**
 * Replays the file in position order: a lead has at most one holder at a time and at most one
 * delivery (to its holder), a credit follows a delivery once, and no allocation's net
 * (assigned − failed − credited) ever exceeds its size.
 */
function invariantViolations(events: LedgerRow[]): string[] {
  const violations: string[] = [];
  const leads = new Map<string, { holder: string | null; delivered: string | null; credited: boolean }>();
  const net = new Map<string, number>();
  const allocationKey = (ref: { officerId: string; month: string; marketId: string } | null) => (ref ? `${ref.officerId}|${ref.month}|${ref.marketId}` : null);
  const bump = (ref: any, by: number, at: LedgerRow) => {
    const key = allocationKey(ref);
    if (!key) return;
    const value = (net.get(key) ?? 0) + by;
    net.set(key, value);
    const size = ALLOCATION_SIZE.get(key);
    if (size !== undefined && value > size) violations.push(`@${at.position} ${key} net ${value} > allocation ${size}`);
  };
  for (const event of events) {
    if (!event.stream.startsWith('lead-')) continue;
    const lead = leads.get(event.stream) ?? { holder: null, delivered: null, credited: false };
    leads.set(event.stream, lead);
    const where = `@${event.position} ${event.stream} ${event.type}`;
    switch (event.type) {
      case 'LeadRouted':
        if (lead.holder !== null || lead.delivered !== null) violations.push(`${where}: routed to ${event.data.officerId} while held by ${lead.holder ?? lead.delivered}`);
        lead.holder = event.data.officerId;
        bump(event.data.allocation, +1, event);
        break;
      case 'LeadDeliveryFailed':
        if (lead.holder !== event.data.officerId) violations.push(`${where}: failure for ${event.data.officerId}, holder ${lead.holder}`);
        lead.holder = null;
        bump(event.data.allocation, -1, event);
        break;
      case 'LeadDelivered':
        if (lead.delivered !== null) violations.push(`${where}: delivered twice (${lead.delivered}, ${event.data.officerId})`);
        if (lead.holder !== event.data.officerId) violations.push(`${where}: delivered to ${event.data.officerId}, routed to ${lead.holder}`);
        lead.delivered = event.data.officerId;
        break;
      case 'LeadCredited':
        if (lead.delivered === null || lead.credited) violations.push(`${where}: credit without a delivery, or a second credit`);
        lead.credited = true;
        bump(event.data.allocation, -1, event);
        break;
    }
  }
  return violations;
}

/**
 * A copy of the whole data dir, as an operator would restore it: the ledger through SQLite's
 * online backup (consistent while the server runs), any other SQLite file the same way (e.g. the
 * PII key store: without it the copy's borrowers would read as erased), other files as they are.
 */
async function copyDataDir(from: string, to: string, ledger: LedgerFile): Promise<void> {
  await ledger.backupTo(join(to, 'ledger.db'));
  for (const name of readdirSync(from)) {
    if (name.startsWith('ledger.db') || name === 'server.log' || name.endsWith('-wal') || name.endsWith('-shm')) continue;
    if (name.endsWith('.db')) {
      const db = new Database(join(from, name), { readonly: true, fileMustExist: true });
      try {
        await db.backup(join(to, name));
      } finally {
        db.close();
      }
    } else copyFileSync(join(from, name), join(to, name));
  }
}

async function get(baseUrl: string, key: string, path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function inParallel<T>(items: T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await run(items[next++]);
    }),
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  return value;
}

function sample<T>(items: T[], n: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

function countBy(values: string[]): Record<string, number> {
  return values.reduce<Record<string, number>>((counts, value) => ({ ...counts, [value]: (counts[value] ?? 0) + 1 }), {});
}
