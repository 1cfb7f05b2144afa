/**
 * Bench plumbing: temp dirs and child processes that are always cleaned up (normal end, error,
 * Ctrl-C), free ports and readiness checks. Everything listens on and talks to 127.0.0.1 only.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const HOST = '127.0.0.1';
export const REPO_ROOT = resolve(__dirname, '..');

const tempDirs = new Set<string>();
const children = new Set<ChildProcess>();

/** A fresh temp dir that is removed by `cleanupAll()` (or at process exit at the latest). */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `lead-ledger-bench-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** A port the OS says is free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface ServerProcess {
  name: string;
  pid: number;
  origin: string;
  port: number;
  child: ChildProcess;
  /** What the child wrote to stderr/stdout (tail), for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `node <args>` with `env` (plus PORT and HOST) and waits until it answers HTTP on
 * 127.0.0.1:PORT (any status counts as up).
 */
export async function startServer(name: string, args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    // Benchmarks measure throughput, not the per-key rate limit (a run can exceed its default); a caller's env still wins.
    env: { ...process.env, RATE_LIMIT_PER_MINUTE: '0', ...env, PORT: String(port), HOST },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = child.exitCode !== null;
  const exitedPromise = new Promise<void>((done) =>
    child.once('exit', () => {
      exited = true;
      children.delete(child);
      done();
    }),
  );

  const server: ServerProcess = {
    name,
    pid: child.pid!,
    origin: `http://${HOST}:${port}`,
    port,
    child,
    output: () => output,
    async stop(graceMs = 5_000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitedPromise;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${name} exited during start-up (code ${child.exitCode}):\n${output}`);
    if (await answersHttp(port)) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${name} did not answer on ${server.origin} within ${timeoutMs} ms:\n${output}`);
    }
    await sleep(100);
  }
}

/** True when something on 127.0.0.1:port answers an HTTP request with a status line. */
function answersHttp(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = new Socket();
    let settled = false;
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('data', (data) => finish(data.toString('latin1').startsWith('HTTP/1.1 ')));
    socket.connect(port, HOST, () => socket.write(`GET /__bench_ready HTTP/1.1\r\nHost: ${HOST}:${port}\r\nConnection: close\r\n\r\n`));
  });
}

/**
 * CPU time (user + system) a process has used, in ms, from /proc (Linux); null elsewhere. With
 * `mainThreadOnly`, only its main thread's (for Node: the event loop's, where all JS runs).
 */
export function processCpuMs(pid: number, mainThreadOnly = false): number | null {
  try {
    const stat = readFileSync(mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state is field 3, utime field 14, stime field 15 (1-based, in clock ticks).
    const utime = Number(fields[14 - 3]);
    const stime = Number(fields[15 - 3]);
    return ((utime + stime) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/** USER_HZ is 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;

/** Stops every child and removes every temp dir still registered. Safe to call more than once. */
export async function cleanupAll(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
          child.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  children.clear();
  for (const dir of [...tempDirs]) removeTempDir(dir);
}

/** Last-resort, synchronous cleanup for `process.on('exit')`: kill what is left, delete what is left. */
export function cleanupNow(): void {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  children.clear();
  for (const dir of [...tempDirs]) {
    try {
      removeTempDir(dir);
    } catch {
      /* best effort */
    }
  }
}

let installed = false;
/** Cleans up on exit, on uncaught errors, and on SIGINT/SIGTERM. */
export function installCleanupHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', cleanupNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, cleaning up`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}
