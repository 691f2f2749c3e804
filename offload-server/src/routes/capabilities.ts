// What this server offers a client: its version, the input formats it decodes and its limits.
// Models and GPU execution providers are added here as the separation engine lands.
import { Hono } from 'hono';
import type { ServerConfig } from '../config.ts';
import { SERVER_VERSION } from '../version.ts';

export const INPUT_FORMATS = ['wav', 'mp3', 'flac', 'ogg-vorbis', 'ogg-opus'] as const;

export function capabilityRoutes(config: ServerConfig): Hono {
  return new Hono().get('/v1/capabilities', (c) =>
    c.json({
      version: SERVER_VERSION,
      inputFormats: INPUT_FORMATS,
      models: [],
      executionProviders: ['cpu'],
      limits: { maxUploadBytes: config.maxUploadBytes },
      auth: config.tokens.length > 0 ? 'bearer' : 'none',
    }),
  );
}
