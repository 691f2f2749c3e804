// What this server offers a client: version, models with their contracts and stems, the
// execution provider in use (and the GPU's name), accepted input and output formats, limits.

import { Hono } from 'hono';
import {
  JOBS_PATH,
  OFFLOAD_PROTOCOL_VERSION,
  OFFLOAD_SUBPROTOCOL,
  OUTPUT_FORMATS,
  type Capabilities,
} from '@sfa/shared/offload/protocol';
import type { ServerConfig } from '../config.ts';
import type { ExecutionProvider } from '../models/execution-provider.ts';
import type { ModelRegistry } from '../models/registry.ts';
import { SERVER_VERSION } from '../version.ts';

/** What the server decodes (AAC in MP4 needs WebCodecs, which Node lacks). */
export const INPUT_FORMATS = ['wav', 'mp3', 'flac', 'ogg-vorbis', 'ogg-opus', 'ogg-flac'] as const;

export function capabilities(config: ServerConfig, provider: ExecutionProvider, registry: ModelRegistry): Capabilities {
  return {
    version: SERVER_VERSION,
    protocol: OFFLOAD_PROTOCOL_VERSION,
    jobsPath: JOBS_PATH,
    subprotocol: OFFLOAD_SUBPROTOCOL,
    auth: config.open ? 'none' : 'bearer',
    models: registry.list(),
    executionProvider: provider,
    inputFormats: [...INPUT_FORMATS],
    outputFormats: [...OUTPUT_FORMATS],
    limits: {
      maxUploadBytes: config.maxUploadBytes,
      maxDurationSec: config.maxDurationSec,
      concurrency: config.concurrency,
      queueDepth: config.queueDepth,
      maxJobsPerToken: config.maxJobsPerToken,
      resultTtlSec: config.resultTtlSec,
    },
  };
}

export function capabilityRoutes(describe: () => Capabilities): Hono {
  return new Hono().get('/v1/capabilities', (c) => c.json(describe()));
}
