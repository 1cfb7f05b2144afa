import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../../apps/api/src/config/config';

const ROOT = resolve(__dirname, '../..');

/** Env for a child API: ours, minus anything that would point it at another ledger, data dir or port. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { LEDGER_URL: _ledger, DATA_DIR: _dir, MONGODB_URL: _mongo, PORT: _port, ...rest } = process.env;
  return { ...rest, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...extra };
}

describe('configuration is validated once, at boot (e2e)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'lead-ledger-ops-config-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops the real process before it serves anything, exit code 1, with a message naming every bad variable', () => {
    // when
    const run = spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/api/src/main.ts'], {
      cwd: ROOT,
      env: childEnv({ DATA_DIR: dataDir, PORT: '99999', LEDGER_URL: 'ftp://ledger.example/events' }),
      encoding: 'utf8',
      // Generous: it fails fast, but the machine may be busy; a hang shows as a timeout (status null).
      timeout: 120_000,
    });

    // then
    expect(run.error).toBeUndefined();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('invalid configuration');
    expect(run.stderr).toMatch(/PORT must be less than or equal to 65535; got "99999"/);
    expect(run.stderr).toMatch(/LEDGER_URL must be sqlite:<path>, esdb:\/\/… or kurrentdb:\/\/…/);
    // A configuration problem is the operator's to fix: no stack trace.
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('names each variable, and never repeats the value of one that may hold a secret', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', SHUTDOWN_GRACE_MS: '-5', METRICS_TOKEN: 'short-secret', PROJECTION_LAG_READY_MAX: '1.5' });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('PORT must be a number; got "eighty"');
    expect(message).toContain('LOG_LEVEL must be one of [fatal, error, warn, info, debug, silent]; got "loud"');
    expect(message).toContain('SHUTDOWN_GRACE_MS must be greater than or equal to 0; got "-5"');
    expect(message).toContain('PROJECTION_LAG_READY_MAX must be an integer; got "1.5"');
    expect(message).toContain('METRICS_TOKEN length must be at least 16 characters long');
    expect(message).not.toContain('short-secret');
  });

  it('applies defaults for unset or empty variables', () => {
    const config = loadConfig({ DATA_DIR: dataDir, PORT: '', SHUTDOWN_GRACE_MS: undefined });

    expect(config).toEqual(
      expect.objectContaining({
        port: 3000,
        host: '127.0.0.1',
        dataDir,
        ledger: { kind: 'sqlite', path: join(dataDir, 'ledger.db') },
        logLevel: 'info',
        shutdownGraceMs: 10_000,
        projectionLagReadyMax: 1000,
        metricsToken: null,
      }),
    );
  });
});
