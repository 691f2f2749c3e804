// Runs one job: decodes the uploaded file (the only way its content is trusted), checks its
// length against the limit, separates it with the job's model and writes each stem, encoded in
// the job's format, to its file as the separator finishes stretches of it. Connections stream
// the files from disk as they grow; the job never waits for a client.

import { createHash, type Hash } from 'node:crypto';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { decodeAudio } from '@sfa/shared/audio/decode';
import { durationForMessage } from '@sfa/shared/audio/time-format';
import type { OffloadStage } from '@sfa/shared/offload/protocol';
import { isAbortError, SfaError, toErrorPayload, type ErrorPayload } from '@sfa/shared/protocol/errors';
import { stagedProgress } from '@sfa/shared/protocol/progress';
import { createStemEncoder, type StemEncoder } from '../audio/stem-encoder.ts';
import type { StreamFormat } from '../audio/wav-stream.ts';
import type { ModelRegistry } from '../models/registry.ts';
import type { Job } from './job.ts';
import type { JobRecord, JobStore } from './job-store.ts';

export type RunOutcome =
  | { kind: 'done'; outputs: NonNullable<JobRecord['outputs']>; inferenceSec: number }
  | { kind: 'failed'; error: ErrorPayload }
  | { kind: 'aborted' };

export interface RunnerDeps {
  store: JobStore;
  registry: ModelRegistry;
  maxDurationSec: number;
}

/** Progress messages at most this often (the last one, at 1, always goes out). */
const PROGRESS_INTERVAL_MS = 100;

/** One stem's file: its encoder, the bytes written so far and their running SHA-256. */
class StemFile {
  readonly #file: FileHandle;
  readonly #encoder: StemEncoder;
  readonly #hash: Hash = createHash('sha256');
  readonly #onBytes: (total: number) => void;
  #bytes = 0;

  private constructor(file: FileHandle, encoder: StemEncoder, onBytes: (total: number) => void) {
    this.#file = file;
    this.#encoder = encoder;
    this.#onBytes = onBytes;
  }

  static async create(path: string, job: Job, stream: StreamFormat, onBytes: (total: number) => void) {
    const encoder = await createStemEncoder(job.record.request.format, stream);
    // 'w' truncates in place: a rerun rewrites the same bytes (the output is deterministic).
    const stem = new StemFile(await open(path, 'w'), encoder, onBytes);
    await stem.#append(encoder.header);
    return stem;
  }

  async write(channels: Float32Array[]): Promise<void> {
    await this.#append(this.#encoder.encode(channels));
  }

  /** Writes the tail and returns the stem's size and SHA-256. */
  async finish(): Promise<{ bytes: number; sha256: string }> {
    await this.#append(this.#encoder.finish());
    return { bytes: this.#bytes, sha256: this.#hash.digest('hex') };
  }

  async close(): Promise<void> {
    this.#encoder.dispose();
    await this.#file.close();
  }

  async #append(bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return;
    await this.#file.write(bytes, 0, bytes.length, this.#bytes);
    this.#hash.update(bytes);
    this.#bytes += bytes.length;
    this.#onBytes(this.#bytes);
  }
}

/** Runs `job` to an outcome; never throws. The caller records the outcome. */
export async function runJob(job: Job, deps: RunnerDeps): Promise<RunOutcome> {
  const { signal } = job.controller;
  const { request } = job.record;
  let lastSent = 0;
  let etaSec: number | undefined;
  const progress = stagedProgress<OffloadStage>({ decode: 0.05, separate: 0.94, finish: 0.01 }, (p) => {
    job.progress = { ...p, ...(etaSec === undefined ? {} : { etaSec }) };
    const now = performance.now();
    if (p.fraction < 1 && now - lastSent < PROGRESS_INTERVAL_MS) return;
    lastSent = now;
    job.notify({ type: 'progress', jobId: job.jobId, ...job.progress });
  });
  const files: StemFile[] = [];
  try {
    progress.report('decode', 0);
    const input = new Uint8Array(await readFile(deps.store.inputPath(job.key)));
    const audio = await decodeAudio(input, { signal, onProgress: (f) => progress.report('decode', f) });
    const frames = audio.channels[0]!.length;
    const durationSec = frames / audio.sampleRate;
    if (durationSec > deps.maxDurationSec) {
      throw new SfaError(
        'too-large',
        `the audio is ${durationForMessage(durationSec)} long; this server takes up to ${durationForMessage(deps.maxDurationSec)}`,
      );
    }
    const stream = { sampleRate: audio.sampleRate, channels: audio.channels.length, frames };
    job.record = { ...job.record, audio: stream };
    job.notify({ type: 'started', jobId: job.jobId, ...stream });

    const lease = await deps.registry.acquire(request.model);
    try {
      for (let index = 0; index < request.stems.length; index++) {
        job.outputs[index] = { bytes: 0 };
        files.push(
          await StemFile.create(deps.store.stemPath(job.key, index), job, stream, (total) => {
            job.outputs[index]!.bytes = total;
            job.changed();
          }),
        );
      }
      const started = performance.now();
      await lease.separator.separate(
        { sampleRate: audio.sampleRate, channels: audio.channels },
        {
          stems: request.stems,
          shifts: request.shifts,
          seed: request.seed,
          collect: false,
          signal,
          onChunk: async (chunk) => {
            for (const [index, stem] of request.stems.entries()) await files[index]!.write(chunk.stems[stem]!);
          },
          onProgress: (p) => {
            etaSec = p.etaSec;
            progress.report('separate', p.fraction);
          },
        },
      );
      const inferenceSec = (performance.now() - started) / 1000;
      const outputs = [];
      for (const [index, stem] of request.stems.entries()) outputs.push({ stem, ...(await files[index]!.finish()) });
      etaSec = 0;
      progress.done('finish');
      return { kind: 'done', outputs, inferenceSec };
    } finally {
      lease.release();
    }
  } catch (error) {
    if (isAbortError(error) || signal.aborted) return { kind: 'aborted' };
    return { kind: 'failed', error: toErrorPayload(error) };
  } finally {
    await Promise.all(files.map((file) => file.close().catch(() => {})));
  }
}
