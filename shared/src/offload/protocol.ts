// The offload server's job protocol, defined once for both ends: the JSON messages each side
// sends over the WebSocket (zod schemas, validated on receipt by the server and the client),
// the names and limits both must agree on, and what `GET /v1/capabilities` answers.
// docs/offload-protocol.md describes the exchange; frames.ts the binary frames.

import { z } from 'zod';
import { ERROR_CODES, SfaError } from '../protocol/errors.ts';

/** Bumped on any change a client of the previous version would misread. */
export const OFFLOAD_PROTOCOL_VERSION = 1;
/** The WebSocket subprotocol the server selects; a client offers it first. */
export const OFFLOAD_SUBPROTOCOL = 'sfa.v1';
/**
 * Browsers cannot set headers on a WebSocket handshake, so the token also travels as a second
 * offered subprotocol, `sfa.bearer.<base64url(token)>`; the server never selects it.
 */
export const TOKEN_SUBPROTOCOL_PREFIX = 'sfa.bearer.';
export const JOBS_PATH = '/v1/jobs';
export const CAPABILITIES_PATH = '/v1/capabilities';

/** Largest binary frame payload either side sends; the server refuses larger frames. */
export const MAX_FRAME_PAYLOAD_BYTES = 1024 * 1024;
/** Upload and stem frames are cut at this size by default: small enough to interleave stems. */
export const DEFAULT_FRAME_PAYLOAD_BYTES = 256 * 1024;

/**
 * Output formats: 16-bit PCM WAV, 32-bit float WAV, or 24-bit FLAC. Each stem is one complete
 * file in that format (header included), at the input's sample rate, channel count and length.
 */
export const OUTPUT_FORMATS = ['pcm16', 'f32', 'flac'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Stages of a job's server-side progress (the upload's progress the client counts itself). */
export const OFFLOAD_STAGES = ['decode', 'separate', 'finish'] as const;
export type OffloadStage = (typeof OFFLOAD_STAGES)[number];

// Ids are the client's, so they are checked tightly: they name files only through a hash, but
// they appear in logs and frame headers.
export const jobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'a job id is 8 to 64 of A-Z a-z 0-9 _ -');
export const modelIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'not a model id');
export const stemNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'not a stem name');
const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');
const byteCount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

// ---- client -> server -------------------------------------------------------------------------

export const openMessageSchema = z.object({
  type: z.literal('open'),
  protocol: z.literal(OFFLOAD_PROTOCOL_VERSION),
  jobId: jobIdSchema,
  model: modelIdSchema,
  /** Stems to make, in the order wanted; default the model's own. */
  stems: z
    .array(stemNameSchema)
    .min(1)
    .max(16)
    .refine((stems) => new Set(stems).size === stems.length, 'stems are listed twice')
    .optional(),
  format: z.enum(OUTPUT_FORMATS),
  /** Random-shift passes to average (ONNX models); seeded, so a job's output is deterministic. */
  shifts: z.number().int().min(0).max(20).default(0),
  seed: z.number().int().min(0).max(0x7fffffff).default(0),
  /** The original file: its size and SHA-256 (the server checks the upload against both). */
  input: z.object({ bytes: byteCount.min(1), sha256: sha256Schema }),
  /** Bytes of each stem the client already holds: the server sends from there. */
  have: z.record(stemNameSchema, byteCount).optional(),
});

export const cancelMessageSchema = z.object({ type: z.literal('cancel'), jobId: jobIdSchema });
/** The client holds every stem and checked its checksum: the server may delete the results. */
export const releaseMessageSchema = z.object({ type: z.literal('release'), jobId: jobIdSchema });

export const clientMessageSchema = z.discriminatedUnion('type', [
  openMessageSchema,
  cancelMessageSchema,
  releaseMessageSchema,
]);

export type OpenMessage = z.infer<typeof openMessageSchema>;
/** What a client writes; `shifts` and `seed` may be left out. */
export type OpenMessageInput = z.input<typeof openMessageSchema>;
export type ClientMessage = z.infer<typeof clientMessageSchema>;

// ---- server -> client -------------------------------------------------------------------------

/** Where a job stands when a connection attaches to it. */
export const JOB_PHASES = ['upload', 'queued', 'running', 'done'] as const;

const acceptedSchema = z.object({
  type: z.literal('accepted'),
  jobId: jobIdSchema,
  /** True: send the file now, from byte 0. False: the server holds the input (or the results). */
  upload: z.boolean(),
  phase: z.enum(JOB_PHASES),
  /** The stems the job makes; a stem frame's index points into this list. */
  stems: z.array(stemNameSchema).min(1),
  format: z.enum(OUTPUT_FORMATS),
});

const queuedSchema = z.object({
  type: z.literal('queued'),
  jobId: jobIdSchema,
  /** 1 = next to run. */
  position: z.number().int().min(1),
  queueLength: z.number().int().min(1),
});

/** The input decoded: the stems will have this rate, channel count and length. */
const startedSchema = z.object({
  type: z.literal('started'),
  jobId: jobIdSchema,
  sampleRate: z.number().int().min(1),
  channels: z.number().int().min(1),
  frames: z.number().int().min(1),
});

const progressSchema = z.object({
  type: z.literal('progress'),
  jobId: jobIdSchema,
  stage: z.enum(OFFLOAD_STAGES),
  /** Of the server's work, in [0, 1]; never decreases within one run, 1 at the end. */
  fraction: z.number().min(0).max(1),
  etaSec: z.number().min(0).optional(),
});

const stemResultSchema = z.object({ stem: stemNameSchema, bytes: byteCount, sha256: sha256Schema });

/** Sent after the last stem byte this connection needed: sizes and checksums of whole stems. */
const doneSchema = z.object({ type: z.literal('done'), jobId: jobIdSchema, stems: z.array(stemResultSchema) });

const cancelledSchema = z.object({ type: z.literal('cancelled'), jobId: jobIdSchema });

/** Refused for now: the queue is full, or this token already runs its limit of jobs. */
const busySchema = z.object({
  type: z.literal('busy'),
  reason: z.enum(['queue-full', 'token-limit']),
  /** Jobs admitted and not yet running. */
  queueLength: z.number().int().min(0),
  retryAfterSec: z.number().min(0),
});

const errorSchema = z.object({
  type: z.literal('error'),
  jobId: jobIdSchema.optional(),
  code: z.enum(ERROR_CODES),
  message: z.string().max(2000),
});

export const serverMessageSchema = z.discriminatedUnion('type', [
  acceptedSchema,
  queuedSchema,
  startedSchema,
  progressSchema,
  doneSchema,
  cancelledSchema,
  busySchema,
  errorSchema,
]);

export type ServerMessage = z.infer<typeof serverMessageSchema>;
export type ServerMessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
export type StemResult = z.infer<typeof stemResultSchema>;

// ---- capabilities -------------------------------------------------------------------------------

export const capabilitiesSchema = z.object({
  version: z.string(),
  protocol: z.number().int(),
  jobsPath: z.string(),
  subprotocol: z.string(),
  auth: z.enum(['bearer', 'none']),
  models: z.array(
    z.object({
      id: modelIdSchema,
      name: z.string(),
      kind: z.enum(['quick', 'htdemucs', 'mdx', 'waveform']),
      stems: z.array(z.string()),
      defaultStems: z.array(z.string()),
      sampleRate: z.number().optional(),
      segmentLength: z.number().optional(),
      /** The descriptor's contract (tensor names, shapes, parameters); absent for Quick. */
      contract: z.record(z.string(), z.unknown()).optional(),
      status: z.enum(['ready', 'loading', 'failed']),
      error: z.string().optional(),
    }),
  ),
  executionProvider: z.object({
    name: z.enum(['cuda', 'cpu']),
    /** The GPU's name where CUDA is up. */
    gpu: z.string().optional(),
    /** Why CUDA is not in use, when it was asked for or tried. */
    note: z.string().optional(),
  }),
  inputFormats: z.array(z.string()),
  outputFormats: z.array(z.enum(OUTPUT_FORMATS)),
  limits: z.object({
    maxUploadBytes: z.number(),
    maxDurationSec: z.number(),
    concurrency: z.number(),
    queueDepth: z.number(),
    maxJobsPerToken: z.number(),
    resultTtlSec: z.number(),
  }),
});

export type Capabilities = z.infer<typeof capabilitiesSchema>;

// ---- parsing ------------------------------------------------------------------------------------

function parseJson<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SfaError('bad-request', `${what} is not JSON`);
  }
  const result = schema.safeParse(value);
  if (!result.success) throw new SfaError('bad-request', `${what} is malformed: ${z.prettifyError(result.error)}`);
  return result.data;
}

/** Validates a text frame from a client. Throws SfaError 'bad-request' saying what is wrong. */
export function parseClientMessage(text: string): ClientMessage {
  return parseJson(clientMessageSchema, text, 'the message');
}

/** Validates a text frame from the server. Throws SfaError 'bad-request' saying what is wrong. */
export function parseServerMessage(text: string): ServerMessage {
  return parseJson(serverMessageSchema, text, "the server's message");
}

// ---- the token as a subprotocol -----------------------------------------------------------------

function base64UrlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function base64UrlDecode(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  try {
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** The subprotocols a client offers: the protocol's own, then its token (if any) encoded. */
export function offeredSubprotocols(token: string | undefined): string[] {
  const protocols = [OFFLOAD_SUBPROTOCOL];
  if (token) protocols.push(TOKEN_SUBPROTOCOL_PREFIX + base64UrlEncode(new TextEncoder().encode(token)));
  return protocols;
}

/** The token in a list of offered subprotocols, or undefined. */
export function tokenFromSubprotocols(protocols: readonly string[]): string | undefined {
  for (const protocol of protocols) {
    if (!protocol.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) continue;
    const bytes = base64UrlDecode(protocol.slice(TOKEN_SUBPROTOCOL_PREFIX.length));
    if (bytes) return new TextDecoder().decode(bytes);
  }
  return undefined;
}
