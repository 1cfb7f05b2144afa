import { ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

export interface ProjectorProcess {
  child: ChildProcess;
  /** The HTTP port it listens on (it is started with PROJECTOR_PORT=0). */
  port: Promise<number>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Warnings logged so far (failures it retried). */
  warnings(): number;
}

const running = new Set<ChildProcess>();

/** The projector app (apps/projector) from source, in its own process, configured by env like a deployment. */
export function startProjectorProcess(env: { LEDGER_URL: string; MONGODB_URL: string } & Record<string, string>): ProjectorProcess {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(ROOT, 'apps/projector/src/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'), PROJECTOR_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines: Array<{ level: number; msg: string; port?: number }> = [];
  let stderr = '';
  let buffered = '';
  let onPort: (port: number) => void = () => {};
  const port = new Promise<number>((resolve) => (onPort = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop()!;
    for (const line of complete) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line);
      lines.push(entry);
      if (entry.msg === 'projector listening') onPort(entry.port);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      if (code !== 0 && code !== null) console.error(`projector exited ${code}: ${stderr}`);
      resolve(code);
    }),
  );
  return { child, port, exited, warnings: () => lines.filter((entry) => entry.level === 40).length };
}

/** SIGKILLs every projector process still running (for afterAll). */
export function killAllProjectorProcesses(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Polls until `check` gives a value (no timed assertion: the jest timeout is the only limit). */
export async function waitUntil<T>(check: () => Promise<T | null>, pauseMs = 10): Promise<T> {
  for (;;) {
    const value = await check().catch(() => null);
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
