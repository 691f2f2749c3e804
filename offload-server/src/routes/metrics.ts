// GET /metrics in Prometheus's text format, for a scraper on the operator's network (like
// /healthz it needs no token: it holds counts, never job contents or ids).

import { Hono } from 'hono';
import type { ServerMetrics } from '../metrics.ts';

export function metricsRoutes(metrics: ServerMetrics): Hono {
  return new Hono().get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }),
  );
}
