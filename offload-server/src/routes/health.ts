// Liveness and readiness for container orchestrators and load balancers.
import { Hono } from 'hono';

export function healthRoutes(isReady: () => boolean): Hono {
  return new Hono()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', (c) => (isReady() ? c.json({ status: 'ready' }) : c.json({ status: 'starting' }, 503)));
}
