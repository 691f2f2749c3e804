// Liveness and readiness for container orchestrators and load balancers: alive as soon as the
// process answers; ready once the execution provider is up and every model has loaded and run
// once (or failed, which /v1/capabilities reports).

import { Hono } from 'hono';

export interface Readiness {
  ready: boolean;
  executionProvider: string;
  models: { id: string; status: string }[];
}

export function healthRoutes(readiness: () => Readiness): Hono {
  return new Hono()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', (c) => {
      const { ready, ...detail } = readiness();
      return c.json({ status: ready ? 'ready' : 'starting', ...detail }, ready ? 200 : 503);
    });
}
