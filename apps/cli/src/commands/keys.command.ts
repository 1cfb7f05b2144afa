import { ApiKeyConfigError, ConfiguredApiKey, newApiKeySecret, readApiKeysConfig, sha256Hex } from '../../../api/src/auth/api-key-config';
import { SCOPES } from '../../../api/src/auth/scopes';

export interface KeysCreateOptions {
  id: string;
  scopes: string;
  json: boolean;
}

/**
 * Runs `lead-ledger keys create`: makes a new random secret and prints it once, with the entry to
 * add to API_KEYS / API_KEYS_FILE (id, sha256 of the secret, scopes). Nothing is stored: the
 * service only ever sees the hash, so a lost secret is replaced, never recovered. Resolves to the
 * exit code (0, or 2 for a bad id or scope).
 */
export async function runKeysCreate(options: KeysCreateOptions, io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const secret = newApiKeySecret();
  const candidate = { id: options.id, sha256: sha256Hex(secret), scopes: options.scopes.split(',').map((scope) => scope.trim()).filter((scope) => scope !== '') };
  let entry: ConfiguredApiKey;
  try {
    // The same check the service runs at boot, so a printed entry is always one it accepts.
    [entry] = readApiKeysConfig({ API_KEYS: JSON.stringify([candidate]) });
  } catch (error) {
    if (!(error instanceof ApiKeyConfigError)) throw error;
    // The problems are phrased for the service's configuration ("API_KEYS[0] (id …): …"); here there is one key.
    for (const problem of error.problems) io.stderr.write(`lead-ledger keys create: ${problem.replace(/^API_KEYS\[0\]( \(id "[^"]*"\))?: /, '')}\n`);
    return 2;
  }
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ secret, entry }, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(
    [
      `API key "${entry.id}" with scopes ${entry.scopes.join(', ')}.`,
      '',
      'Secret (shown only this once; give it to the caller, who sends "Authorization: Bearer <secret>"):',
      `  ${secret}`,
      '',
      'Add this entry to the list in API_KEYS or API_KEYS_FILE and restart the service:',
      `  ${JSON.stringify(entry)}`,
      '',
    ].join('\n'),
  );
  return 0;
}

export const KNOWN_SCOPES = SCOPES.join(', ');
