// Starts the offload server: config from the environment, then HTTP and WebSockets on
// host:port. A bad configuration exits with code 2 and a message naming the variable.

import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { ExecutionProviderError } from './models/execution-provider.ts';
import { startServer } from './server.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`offload server: ${error.message}`);
  process.exit(2);
}
const log = createLogger(config.logLevel);
try {
  const server = await startServer(config, log);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    log.info('stopping');
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'EADDRINUSE'
      ? `port ${config.port} on ${config.host} is already in use (set PORT)`
      : error instanceof ExecutionProviderError
        ? error.message
        : (error as Error).message;
  log.error('cannot start', { reason });
  console.error(`offload server: cannot start: ${reason}`);
  process.exit(1);
}
