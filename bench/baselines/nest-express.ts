/** Baseline: the same minimal NestJS app on the Express adapter (@nestjs/platform-express). */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import { listenPort } from './common';
import { NoopModule } from './noop.module';

async function main() {
  const app = await NestFactory.create<NestExpressApplication>(NoopModule, new ExpressAdapter(), { logger: false });
  await app.listen(listenPort(), '127.0.0.1');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
