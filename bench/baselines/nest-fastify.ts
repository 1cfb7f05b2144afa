/** Baseline: a minimal NestJS app (one no-op POST controller) on the Fastify adapter. */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { listenPort } from './common';
import { NoopModule } from './noop.module';

async function main() {
  const app = await NestFactory.create<NestFastifyApplication>(NoopModule, new FastifyAdapter({ logger: false }), { logger: false });
  await app.listen({ port: listenPort(), host: '127.0.0.1' });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
