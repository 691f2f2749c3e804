// The Hono application: CORS for allowed origins, a token on every /v1 route (jobs included),
// health, capabilities, metrics and the job WebSocket, and one error format.

import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { ErrorBody, ErrorCode } from '@sfa/shared/protocol/errors';
import { requireToken, type AuthVariables } from './auth.ts';
import { capabilities, capabilityRoutes } from './routes/capabilities.ts';
import { healthRoutes } from './routes/health.ts';
import { jobRoutes } from './routes/jobs-ws.ts';
import { metricsRoutes } from './routes/metrics.ts';
import type { ServerContext } from './server.ts';

const STATUS_CODES: Partial<Record<number, ErrorCode>> = { 401: 'unauthorized', 403: 'unauthorized', 404: 'not-found' };

export function createApp(context: ServerContext): Hono<{ Variables: AuthVariables }> {
  const { config, log } = context;
  const app = new Hono<{ Variables: AuthVariables }>();
  if (config.allowedOrigins.length > 0) {
    app.use('*', cors({ origin: config.allowedOrigins.includes('*') ? '*' : config.allowedOrigins }));
  }
  app.use('/v1/*', requireToken(context.tokens));
  app.route(
    '/',
    healthRoutes(() => context.readiness()),
  );
  app.route('/', metricsRoutes(context.metrics));
  app.route(
    '/',
    capabilityRoutes(() => capabilities(config, context.provider, context.registry)),
  );
  app.route('/', jobRoutes(context, config.allowedOrigins));
  app.notFound((c) =>
    c.json(
      { error: { code: 'not-found', message: `No route for ${c.req.method} ${c.req.path}` } } satisfies ErrorBody,
      404,
    ),
  );
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      const code = STATUS_CODES[error.status] ?? 'bad-request';
      if (error.status === 401) c.header('WWW-Authenticate', 'Bearer realm="sfa"');
      if (error.status === 401 || error.status === 403) {
        log.info('request refused', { path: c.req.path, status: error.status, reason: error.message });
      }
      return c.json({ error: { code, message: error.message || 'Request refused' } } satisfies ErrorBody, error.status);
    }
    log.error('request failed', { path: c.req.path, error });
    return c.json({ error: { code: 'internal', message: 'Internal server error' } } satisfies ErrorBody, 500);
  });
  return app;
}
