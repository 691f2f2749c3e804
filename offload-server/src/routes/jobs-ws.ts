// The job endpoint, GET /v1/jobs upgraded to a WebSocket. The handshake passes the Origin
// allowlist and the token check (in app.ts) before any socket exists, so a refused client
// never reaches the job code; each accepted socket gets its own JobConnection.

import { upgradeWebSocket } from '@hono/node-server';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { WebSocket } from 'ws';
import { JOBS_PATH } from '@sfa/shared/offload/protocol';
import { requireAllowedOrigin, type AuthVariables } from '../auth.ts';
import { JobConnection, type ConnectionDeps } from '../jobs/connection.ts';

export function jobRoutes(deps: ConnectionDeps, allowedOrigins: readonly string[]): Hono<{ Variables: AuthVariables }> {
  return new Hono<{ Variables: AuthVariables }>().get(
    JOBS_PATH,
    requireAllowedOrigin(allowedOrigins),
    async (c, next) => {
      if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
        throw new HTTPException(426, { message: `${JOBS_PATH} speaks WebSocket only` });
      }
      await next();
    },
    upgradeWebSocket((c) => {
      const tokenId = c.get('tokenId');
      let connection: JobConnection | undefined;
      return {
        onOpen: (_event, ws) => {
          connection = new JobConnection(ws.raw as unknown as WebSocket, tokenId, deps);
        },
        onMessage: (event) => connection?.receive(event.data as string | ArrayBuffer),
        onClose: () => connection?.closed(),
      };
    }),
  );
}
