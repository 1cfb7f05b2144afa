import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../..');
const MAIN = join(ROOT, 'apps', 'api', 'src', 'main.ts');
const CLI = join(ROOT, 'bin', 'lead-ledger.js');

/** The real API as its own OS process (apps/api/src/main.ts from source), so it can be SIGKILLed. */
export interface ServerProcess {
  pid: number;
  baseUrl: string;
  adminKey: string;
  /** Sends the signal and resolves once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  readonly exited: boolean;
}

/** Env a child gets: ours minus anything that would point it at another ledger or data dir. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { LEDGER_URL: _ledger, DATA_DIR: _dir, MONGODB_URL: _mongo, PORT: _port, ...rest } = process.env;
  return {
    ...rest,
    SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
    // Reliability runs hammer one key: the per-key rate limit would turn that into 429s.
    RATE_LIMIT_PER_MINUTE: '0',
    ...extra,
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts the API on `dataDir` and resolves once it answers HTTP (it listens only after the ledger is
 * open and the read models are rebuilt). `logFile` collects its stdout/stderr.
 */
export async function startServerProcess(options: { dataDir: string; logFile: string; env?: Record<string, string>; readyTimeoutMs?: number }): Promise<ServerProcess> {
  const port = await freePort();
  const log = openSync(options.logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', MAIN], {
    cwd: ROOT,
    env: childEnv({ DATA_DIR: options.dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...options.env }),
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let exited = false;
  const exit = new Promise<void>((resolveExit) => child.once('exit', () => ((exited = true), resolveExit())));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  for (;;) {
    if (exited) throw new Error(`the API exited during start-up (code ${child.exitCode}); log:\n${tail(options.logFile)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the API did not answer within the start-up timeout; log:\n${tail(options.logFile)}`);
    }
    try {
      // Any HTTP answer (even 404) means it is listening, which main.ts does only after boot.
      await fetch(`${baseUrl}/v1/reliability-probe`, { signal: AbortSignal.timeout(2_000) });
      break;
    } catch {
      await sleep(50);
    }
  }
  const adminKey = readFileSync(join(options.dataDir, 'admin-api-key'), 'utf8').trim();
  return {
    pid: child.pid!,
    baseUrl,
    adminKey,
    get exited() {
      return exited;
    },
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
      if (!exited) child.kill(signal);
      await exit;
    },
  };
}

/** `lead-ledger <args>` as a user runs it: a separate process, from the TypeScript source. */
export function runCli(args: string[], timeoutMs = 300_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: childEnv({ LEAD_LEDGER_FROM_SOURCE: '1' }),
    timeout: timeoutMs,
    maxBuffer: 256 * 1024 * 1024,
  });
}

export function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

export const sleep = (ms: number) => new Promise<void>((resolveSleep) => setTimeout(resolveSleep, ms));
