// The one closed set of error codes the app, workers, CLI and server use, and the error class
// that carries them. comlink only carries name/message/stack across a worker boundary, so
// `toErrorPayload` / `fromErrorPayload` rebuild an SfaError on the other side.

export const ERROR_CODES = [
  'empty-file',
  'not-audio',
  'truncated',
  'unsupported-codec',
  'no-audio',
  'decode-failed',
  'too-large',
  'duplicate',
  'storage-full',
  'storage-failed',
  'not-found',
  'aborted',
  'unauthorized',
  'bad-request',
  'internal',
  // A separation model that cannot be loaded, or whose descriptor is malformed.
  'model-invalid',
  // A model whose inputs or outputs (names, ranks, fixed dims) differ from its descriptor.
  'model-mismatch',
  // A separation resumed from a checkpoint another run made (other audio, model or options).
  'checkpoint-mismatch',
  // A server that turned a job away for now (queue full, or the token's job limit): retry later.
  'busy',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class SfaError extends Error {
  override readonly name = 'SfaError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** How an HTTP response carries an error (the offload server's one error format). */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export interface ErrorPayload {
  name: string;
  code: ErrorCode;
  message: string;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** The message of anything thrown (an Error's message, else its string form). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** True for a user's cancellation, from our own code or from the platform (DOMException). */
export function isAbortError(error: unknown): boolean {
  if (error instanceof SfaError) return error.code === 'aborted';
  return error instanceof Error && error.name === 'AbortError';
}

/** Throws an `aborted` SfaError if the signal has fired; call between units of work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SfaError('aborted', 'Cancelled');
}

export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof SfaError) return { name: error.name, code: error.code, message: error.message };
  if (isAbortError(error)) return { name: 'SfaError', code: 'aborted', message: 'Cancelled' };
  if (error instanceof Error && error.name === 'QuotaExceededError') {
    return { name: 'SfaError', code: 'storage-full', message: 'Storage is full' };
  }
  return { name: 'SfaError', code: 'internal', message: errorMessage(error) };
}

export function fromErrorPayload(payload: ErrorPayload): SfaError {
  return new SfaError(isErrorCode(payload.code) ? payload.code : 'internal', payload.message);
}
