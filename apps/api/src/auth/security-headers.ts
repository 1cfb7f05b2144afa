import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every answer (@fastify/helmet): CSP, nosniff, frame and referrer policies,
 * HSTS. The CSP allows only same-origin scripts, with no inline script: the Swagger UI (/docs)
 * and the dashboard (/ui, chart.js served from this origin) load their scripts as files. Inline
 * styles stay allowed because Swagger UI and chart.js set them. No upgrade-insecure-requests: the
 * service is often reached over plain HTTP inside a cluster or on localhost, and upgrading would
 * break /docs there.
 */
export async function registerSecurityHeaders(fastify: FastifyInstance): Promise<void> {
  await fastify.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'script-src': ["'self'"],
        'connect-src': ["'self'"],
        'frame-ancestors': ["'none'"],
        'upgrade-insecure-requests': null,
      },
    },
    frameguard: { action: 'deny' },
    // The API is called cross-origin by server-side clients only; no browser embedding needs COEP.
    crossOriginEmbedderPolicy: false,
  });
}
