import Database from 'better-sqlite3';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { aLeadBody } from '../support/app-harness';

const ROOT = resolve(__dirname, '../..');
const WORKERS = 24;
/** SIGTERM goes out once this many creates have been answered, so the rest of the burst straddles it. */
const ANSWERS_BEFORE_SIGTERM = 40;

interface Outcome {
  status: number | null;
  body: unknown;
  /** The response started but its body did not arrive whole (or was not the JSON it claimed). */
  incomplete: boolean;
  /** No response at all: refused or reset before an answer began. */
  refused: boolean;
}

/**
 * Graceful shutdown of the real process (apps/api/src/main.ts): SIGTERM in the middle of a burst of
 * writes. Every request that got an answer got all of it, every 201 is in the ledger file, and the
 * process exits 0 once the ledger is flushed and closed.
 */
describe('graceful shutdown on SIGTERM (e2e, real child process)', () => {
  let dataDir: string;
  let logFile: string;
  let child: ChildProcess | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'lead-ledger-ops-shutdown-'));
    logFile = join(dataDir, 'api.log');
  });
  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes the requests in flight, keeps every acknowledged write, and exits 0', async () => {
    // given: the API serving on its own port
    const port = await freePort();
    const log = openSync(logFile, 'a');
    child = spawn(process.execPath, ['-r', '@swc-node/register', join(ROOT, 'apps/api/src/main.ts')], {
      cwd: ROOT,
      env: childEnv({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '0', SHUTDOWN_GRACE_MS: '30000' }),
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
      child!.once('exit', (code, signal) => resolveExit({ code, signal })),
    );
    const baseUrl = `http://127.0.0.1:${port}`;
    await untilReady(baseUrl, () => child!.exitCode !== null);
    const adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();

    // when: a burst of creates from concurrent workers, and SIGTERM once enough have been answered
    const outcomes: Outcome[] = [];
    let answered = 0;
    let signalled = false;
    const worker = async () => {
      for (;;) {
        const outcome = await createLead(baseUrl, adminKey);
        outcomes.push(outcome);
        if (outcome.refused) return;
        answered++;
        if (!signalled && answered >= ANSWERS_BEFORE_SIGTERM) {
          signalled = true;
          child!.kill('SIGTERM');
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    const exited = await exit;

    // then
    const logText = readFileSync(logFile, 'utf8');
    expect({ exited, log: exited.code === 0 ? '' : logText.slice(-4000) }).toEqual({ exited: { code: 0, signal: null }, log: '' });
    expect(outcomes.filter((outcome) => outcome.incomplete)).toEqual([]);
    const created = outcomes.filter((outcome) => outcome.status === 201).map((outcome) => outcome.body as { leadId: string; position: string });
    expect(created.length).toBeGreaterThanOrEqual(ANSWERS_BEFORE_SIGTERM);
    expect(outcomes.filter((outcome) => outcome.status !== null && outcome.status >= 500 && outcome.status !== 503)).toEqual([]);
    // Every worker kept going until the server turned it away: the burst outlived the SIGTERM.
    expect(outcomes.filter((outcome) => outcome.refused)).toHaveLength(WORKERS);

    const db = new Database(join(dataDir, 'ledger.db'), { readonly: true, fileMustExist: true });
    try {
      const find = db.prepare('SELECT type, stream FROM events WHERE position = ?');
      const missing = created.filter(({ leadId, position }) => {
        const row = find.get(Number(position)) as { type: string; stream: string } | undefined;
        return row?.type !== 'LeadCreated' || row.stream !== `lead-${leadId}`;
      });
      expect(missing).toEqual([]);
    } finally {
      db.close();
    }
    expect(logText).toContain('SIGTERM: not accepting new connections');
    expect(logText).toContain('stopped: ledger flushed and closed');
  }, 240_000);
});

async function createLead(baseUrl: string, adminKey: string): Promise<Outcome> {
  const n = Math.floor(Math.random() * 9000) + 1000;
  const body = aLeadBody({ borrower: { firstName: 'Sam', lastName: 'Lee', phone: `+1214555${n}`, email: `sam.${randomUUID()}@example.com` } });
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', 'idempotency-key': `shutdown-${randomUUID()}` },
      body: JSON.stringify(body),
    });
  } catch {
    return { status: null, body: null, incomplete: false, refused: true };
  }
  try {
    return { status: response.status, body: JSON.parse(await response.text()), incomplete: false, refused: false };
  } catch {
    return { status: response.status, body: null, incomplete: true, refused: false };
  }
}

async function untilReady(baseUrl: string, exited: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    if (exited()) throw new Error('the API exited during start-up');
    try {
      if ((await fetch(`${baseUrl}/health/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  throw new Error('the API did not become ready');
}

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { LEDGER_URL: _ledger, DATA_DIR: _dir, MONGODB_URL: _mongo, PORT: _port, ...rest } = process.env;
  return { ...rest, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...extra };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}
