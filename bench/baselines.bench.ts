/**
 * The baselines: servers that do nothing but answer, each in its own child process, hit by the
 * same load generator with the same 4-POST "lifecycle", bodies and concurrency as the real API.
 */
import { join } from 'node:path';
import { HttpLoadSettings } from './http-lifecycle.bench';
import { LoadResult, runLoad } from './load';
import { REPO_ROOT, startServer } from './support';

export type BaselineName = 'bareFastify' | 'nestFastify' | 'nestExpress';

export const BASELINES: Record<BaselineName, { label: string; file: string }> = {
  bareFastify: { label: 'bare Fastify (no Nest), no-op POST routes', file: 'bare-fastify.ts' },
  nestFastify: { label: 'NestJS + Fastify adapter, one no-op POST controller', file: 'nest-fastify.ts' },
  nestExpress: { label: 'NestJS + Express adapter, one no-op POST controller', file: 'nest-express.ts' },
};

export async function runBaseline(name: BaselineName, settings: HttpLoadSettings, log: (line: string) => void = () => undefined): Promise<LoadResult> {
  const { label, file } = BASELINES[name];
  const server = await startServer(label, ['-r', '@swc-node/register', join(REPO_ROOT, 'bench/baselines', file)]);
  try {
    const result = await runLoad({ origin: server.origin, ...settings, serverPid: server.pid });
    log(
      `  ${label}: ${result.lifecyclesPerSecond.toFixed(0)} "lifecycles"/s, ${result.requestsPerSecond.toFixed(0)} req/s, ` +
        `p99 ${result.request.p99.toFixed(2)} ms/request, non-2xx ${result.non2xx}, errors ${result.errors}`,
    );
    if (result.firstFailure) log(`    first failure: ${result.firstFailure}`);
    return result;
  } finally {
    await server.stop();
  }
}
