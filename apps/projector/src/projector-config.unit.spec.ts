import { resolve } from 'node:path';
import { loadProjectorConfig, ProjectorConfigError } from './projector-config';

describe('projector app configuration', () => {
  it('given only MONGODB_URL, then it follows the embedded ledger in ./data with the documented defaults', () => {
    expect(loadProjectorConfig({ MONGODB_URL: 'mongodb://db:27017/lead_ledger' })).toEqual({
      ledger: { kind: 'sqlite', path: resolve('./data/ledger.db') },
      mongodbUrl: 'mongodb://db:27017/lead_ledger',
      port: 3001,
      host: '127.0.0.1',
      batchSize: 1000,
      lagReadyMax: 1000,
      logLevel: 'info',
    });
  });

  it('given no MONGODB_URL, then it refuses to start and names the variable', () => {
    expect(() => loadProjectorConfig({})).toThrow(ProjectorConfigError);
    expect(() => loadProjectorConfig({})).toThrow(/MONGODB_URL/);
  });

  it('given bad values, then every offending variable is named, and a URL value is never echoed', () => {
    const error = captured(() => loadProjectorConfig({ MONGODB_URL: 'postgres://user:secret@db', PROJECTOR_BATCH_SIZE: '0', PROJECTOR_PORT: 'x', LEDGER_URL: 'ftp://nope' }));
    expect(error.message).toMatch(/MONGODB_URL/);
    expect(error.message).toMatch(/PROJECTOR_BATCH_SIZE/);
    expect(error.message).toMatch(/PROJECTOR_PORT/);
    expect(error.message).toMatch(/LEDGER_URL/);
    expect(error.message).not.toContain('secret');
  });

  function captured(fn: () => unknown): Error {
    try {
      fn();
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected an error');
  }
});
