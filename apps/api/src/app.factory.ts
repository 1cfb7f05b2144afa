import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import secureJson from 'secure-json-parse';
import { AppModule } from './app.module';
import { AppConfig } from './config/config';
import { ApiError } from './http/api-error';

/** Builds the HTTP application; used by main.ts and by the e2e tests, so both run the same app. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    genReqId: () => randomUUID(),
    logger: false,
  });
  const fastify = adapter.getInstance();
  // Strict JSON: a body with __proto__ or constructor.prototype keys is refused, not merged.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch {
      return done(Object.assign(new SyntaxError('the body is not valid JSON'), { statusCode: 400 }), undefined);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return done(ApiError.validation([{ field: 'body', message: 'the body must be a JSON object' }]), undefined);
    }
    done(null, parsed);
  });
  // A POST with no body at all means "no fields", e.g. an automatic route request.
  fastify.addHook('preValidation', async (request) => {
    if (request.body === undefined && (request.method === 'POST' || request.method === 'PUT')) request.body = {};
  });

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config), adapter, {
    logger: config.logLevel === 'silent' ? false : levelsFrom(config.logLevel),
    bufferLogs: false,
    bodyParser: false,
  });
  app.enableShutdownHooks();
  return app;
}

function levelsFrom(level: AppConfig['logLevel']) {
  const order = ['fatal', 'error', 'warn', 'log', 'debug'] as const;
  const cut = { fatal: 1, error: 2, warn: 3, info: 4, debug: 5, silent: 0 }[level];
  return order.slice(0, cut) as Array<(typeof order)[number]>;
}
