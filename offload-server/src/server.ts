// Puts the server together: the execution provider, the models, the job store and manager,
// metrics, the Hono app and the WebSocket server on one HTTP listener. main.ts runs it; tests
// build a context in-process for app.request() or start the whole thing.

import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import * as ort from 'onnxruntime-node';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_PAYLOAD_BYTES, OFFLOAD_SUBPROTOCOL } from '@sfa/shared/offload/protocol';
import { createApp } from './app.ts';
import { TokenChecker } from './auth.ts';
import type { ServerConfig } from './config.ts';
import { JobStore } from './jobs/job-store.ts';
import { JobManager } from './jobs/jobs.ts';
import type { Logger } from './log.ts';
import { ServerMetrics } from './metrics.ts';
import { chooseExecutionProvider, type ExecutionProvider } from './models/execution-provider.ts';
import { ModelRegistry } from './models/registry.ts';
import type { Readiness } from './routes/health.ts';
import { SERVER_VERSION } from './version.ts';

export interface ServerContext {
  config: ServerConfig;
  log: Logger;
  provider: ExecutionProvider;
  registry: ModelRegistry;
  store: JobStore;
  jobs: JobManager;
  metrics: ServerMetrics;
  /** Undefined when the server runs open (loopback only). */
  tokens: TokenChecker | undefined;
  readiness(): Readiness;
  /** Loads and warms up the models; readiness turns true when it resolves. */
  warmUp(): Promise<void>;
}

export async function createContext(config: ServerConfig, log: Logger): Promise<ServerContext> {
  const provider = await chooseExecutionProvider(ort, config.executionProvider);
  if (provider.note) log.info('running on CPU', { reason: provider.note });
  const registry = await ModelRegistry.open({
    ort,
    provider,
    modelsDir: config.modelsDir,
    threads: config.threads,
    concurrency: config.concurrency,
    log,
  });
  const store = new JobStore(config.dataDir);
  const metrics = new ServerMetrics();
  const jobs = new JobManager({ config, store, registry, metrics, log });
  await jobs.init();
  let ready = false;
  return {
    config,
    log,
    provider,
    registry,
    store,
    jobs,
    metrics,
    tokens: config.open ? undefined : new TokenChecker(config.tokens),
    readiness: () => ({
      ready,
      executionProvider: provider.name,
      models: registry.list().map(({ id, status }) => ({ id, status })),
    }),
    warmUp: async () => {
      await registry.warmUp();
      ready = true;
    },
  };
}

export interface RunningServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Starts listening; models warm up in the background (/readyz says when they are done). */
export async function startServer(config: ServerConfig, log: Logger): Promise<RunningServer> {
  const context = await createContext(config, log);
  const app = createApp(context);
  const wss = new WebSocketServer({
    noServer: true,
    // A frame's header is under 100 bytes; anything larger than that plus a payload is refused.
    maxPayload: MAX_FRAME_PAYLOAD_BYTES + 1024,
    // Choose the protocol's own subprotocol, never the one carrying the token.
    handleProtocols: (protocols) => (protocols.has(OFFLOAD_SUBPROTOCOL) ? OFFLOAD_SUBPROTOCOL : false),
  });
  const server: ServerType = await new Promise((resolve, reject) => {
    const listener = serve({ fetch: app.fetch, hostname: config.host, port: config.port, websocket: { server: wss } });
    listener.once('listening', () => resolve(listener));
    listener.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  log.info('listening', {
    url,
    pid: process.pid,
    version: SERVER_VERSION,
    executionProvider: context.provider.name,
    ...(context.provider.gpu ? { gpu: context.provider.gpu } : {}),
    auth: config.open ? 'none (loopback)' : `${config.tokens.length} token(s)`,
    dataDir: config.dataDir,
  });
  void context.warmUp().then(() => log.info('ready', { models: context.registry.list().map((m) => m.id) }));
  return {
    port,
    url,
    close: async () => {
      await context.jobs.close();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
