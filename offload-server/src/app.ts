// The Hono application: CORS for allowed origins, bearer auth on /v1, one error format.
import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { ErrorBody, ErrorCode } from '@sfa/shared/protocol/errors';
import type { ServerConfig } from './config.ts';
import { capabilityRoutes } from './routes/capabilities.ts';
import { healthRoutes } from './routes/health.ts';

export function createApp(config: ServerConfig, isReady: () => boolean = () => true): Hono {
  const app = new Hono();
  if (config.allowedOrigins.length > 0) {
    app.use('*', cors({ origin: config.allowedOrigins.includes('*') ? '*' : config.allowedOrigins }));
  }
  if (config.tokens.length > 0) {
    app.use('/v1/*', bearerAuth({ token: config.tokens }));
  }
  app.route('/', healthRoutes(isReady));
  app.route('/', capabilityRoutes(config));
  app.notFound((c) =>
    c.json(
      { error: { code: 'not-found', message: `No route for ${c.req.method} ${c.req.path}` } } satisfies ErrorBody,
      404,
    ),
  );
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      const code: ErrorCode = error.status === 401 ? 'unauthorized' : 'bad-request';
      return c.json({ error: { code, message: error.message || 'Request refused' } } satisfies ErrorBody, error.status);
    }
    console.error(error);
    return c.json({ error: { code: 'internal', message: 'Internal server error' } } satisfies ErrorBody, 500);
  });
  return app;
}
