/**
 * Baseline: bare Fastify, no Nest. The POST endpoints parse the JSON body (Fastify's default
 * parser) and return a small JSON; nothing else. This is the framework ceiling on this machine.
 */
import Fastify from 'fastify';
import { BASELINE_LEAD_ID, listenPort } from './common';

async function main() {
  const app = Fastify({ logger: false });
  app.post('/v1/leads', async (_request, reply) => {
    void reply.code(201);
    return { leadId: BASELINE_LEAD_ID, revision: 0, position: '1' };
  });
  app.post('/v1/leads/:leadId/:action', async () => ({ leadId: BASELINE_LEAD_ID, revision: 1, position: '2' }));
  await app.listen({ port: listenPort(), host: '127.0.0.1' });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
