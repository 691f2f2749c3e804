// Starts the offload server: config from the environment, then HTTP on host:port.
import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { SERVER_VERSION } from './version.ts';

try {
  const config = loadConfig();
  const app = createApp(config);
  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    console.log(`offload server ${SERVER_VERSION} listening on http://${config.host}:${info.port}`);
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    const reason =
      error.code === 'EADDRINUSE'
        ? `port ${config.port} on ${config.host} is already in use (set PORT)`
        : error.message;
    console.error(`offload server: cannot listen: ${reason}`);
    process.exit(1);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`offload server: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
