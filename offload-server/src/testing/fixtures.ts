// Test material for the offload server: small generated ONNX models written into a models
// folder as the server reads them, input files, a client run over a real WebSocket (`ws`), and
// the local pipeline's own stems for the same job (what the server's stems must equal).

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import * as ort from 'onnxruntime-node';
import { decodeAudio } from '@sfa/shared/audio/decode';
import { encodeWav } from '@sfa/shared/audio/wav-encode';
import { createOrtSession } from '@sfa/shared/inference/ort-session';
import { runOffloadJob, type OffloadJobOptions, type OffloadJobResult } from '@sfa/shared/offload/client';
import type { OutputFormat } from '@sfa/shared/offload/protocol';
import type { DescriptorOf, WaveformContract } from '@sfa/shared/separation/descriptor';
import { validateDescriptor } from '@sfa/shared/separation/descriptor';
import { waveformDescriptor } from '@sfa/shared/separation/descriptor-presets';
import { createOnnxSeparator } from '@sfa/shared/separation/onnx-separator';
import { createQuickSeparator } from '@sfa/shared/separation/quick/quick';
import type { Separator } from '@sfa/shared/separation/types';
import { GraphBuilder } from '../../../models/builders/onnx-graph.ts';
import { buildWaveformGainModel } from '../../../models/builders/test-models.ts';
import { createStemEncoder } from '../audio/stem-encoder.ts';

export const GAIN_STEMS = ['drums', 'bass', 'other', 'vocals'];
export const GAINS = [0.1, 0.2, 0.3, 0.4];

/** A 1 s segment (a multiple of 128, for the slow model's reshape). */
export const SEGMENT = 44_032;

export function gainDescriptor(id: string): DescriptorOf<WaveformContract> {
  return waveformDescriptor({ id, stems: GAIN_STEMS, segmentLength: SEGMENT });
}

/**
 * stems[s] = gains[s] * waveform, computed after `matmuls` products with an identity matrix:
 * exact (x * 1 plus zeros), but as slow as the test needs a job to be.
 */
export function buildSlowGainModel(descriptor: DescriptorOf<WaveformContract>, matmuls: number): Uint8Array {
  const { inputs, outputs } = descriptor.contract;
  const n = descriptor.segmentLength;
  const g = new GraphBuilder();
  const input = g.input(inputs.waveform.name, inputs.waveform.shape);
  const identity = new Float32Array(256 * 256);
  for (let i = 0; i < 256; i++) identity[i * 257] = 1;
  const eye = g.constant([256, 256], identity);
  let x = g.node('Reshape', [input, g.ints([-1, 256])]);
  for (let i = 0; i < matmuls; i++) x = g.node('MatMul', [x, eye]);
  const back = g.node('Reshape', [x, g.ints([1, 2, n])]);
  g.node('Mul', [g.node('Unsqueeze', [back, g.ints([1])]), g.constant([1, GAINS.length, 1, 1], GAINS)], {}, [
    outputs.stems.name,
  ]);
  g.output(outputs.stems.name, outputs.stems.shape);
  return g.encode();
}

/** Writes `gains` (instant) and, if asked, `slow` (about `slowMatmuls` x 23 MMAC per second of audio). */
export async function writeModels(dir: string, slowMatmuls = 0): Promise<void> {
  await mkdir(dir, { recursive: true });
  const gains = gainDescriptor('gains');
  await writeFile(join(dir, 'gains.onnx'), buildWaveformGainModel(gains, GAINS));
  await writeFile(join(dir, 'gains.json'), JSON.stringify(gains));
  if (slowMatmuls > 0) {
    const slow = gainDescriptor('slow');
    await writeFile(join(dir, 'slow.onnx'), buildSlowGainModel(slow, slowMatmuls));
    await writeFile(join(dir, 'slow.json'), JSON.stringify(slow));
  }
}

/** Stereo (or mono) tones with a little noise, deterministic. */
export function testAudio(seconds: number, sampleRate = 44_100, channels = 2): Float32Array[] {
  const length = Math.round(seconds * sampleRate);
  let seed = 12345;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5) * 0.05;
  return Array.from({ length: channels }, (_, c) =>
    Float32Array.from({ length }, (_, i) => 0.4 * Math.sin((2 * Math.PI * (220 + 110 * c) * i) / sampleRate) + noise()),
  );
}

export function wavFile(seconds: number, sampleRate = 44_100, channels = 2): Uint8Array {
  return encodeWav(testAudio(seconds, sampleRate, channels), sampleRate, 16);
}

/** The stems the local pipeline (decode, separate, encode) makes for the same job. */
export async function localStems(
  modelsDir: string,
  model: string,
  file: Uint8Array,
  stems: string[],
  format: OutputFormat,
  { shifts = 0, seed = 0 }: { shifts?: number; seed?: number } = {},
): Promise<Record<string, Uint8Array>> {
  const audio = await decodeAudio(file);
  let separator: Separator;
  if (model === 'quick') separator = createQuickSeparator();
  else {
    const bytes = new Uint8Array(await readFile(join(modelsDir, `${model}.onnx`)));
    const descriptor = validateDescriptor(JSON.parse(await readFile(join(modelsDir, `${model}.json`), 'utf8')));
    const session = await createOrtSession(ort, bytes, { runtimeName: 'onnxruntime-node', executionProvider: 'cpu' });
    separator = createOnnxSeparator(session, descriptor);
  }
  const stream = { sampleRate: audio.sampleRate, channels: audio.channels.length, frames: audio.channels[0]!.length };
  const parts: Record<string, Uint8Array[]> = {};
  const encoders = await Promise.all(stems.map(() => createStemEncoder(format, stream)));
  stems.forEach((stem, i) => (parts[stem] = [encoders[i]!.header]));
  await separator.separate(
    { sampleRate: audio.sampleRate, channels: audio.channels },
    {
      stems,
      shifts,
      seed,
      collect: false,
      onChunk: (chunk) => stems.forEach((stem, i) => parts[stem]!.push(encoders[i]!.encode(chunk.stems[stem]!))),
    },
  );
  stems.forEach((stem, i) => parts[stem]!.push(encoders[i]!.finish()));
  encoders.forEach((encoder) => encoder.dispose());
  return Object.fromEntries(stems.map((stem) => [stem, Buffer.concat(parts[stem]!)]));
}

export type JobOptions = Omit<OffloadJobOptions, 'serverUrl' | 'WebSocket'>;

/** Runs a job on `serverUrl` with the shared client over `ws`. */
export function runJob(serverUrl: string, options: JobOptions): Promise<OffloadJobResult> {
  return runOffloadJob({ serverUrl, WebSocket, ...options });
}

let counter = 0;
/** A fresh job id per call (ids are idempotent keys: reusing one resumes that job). */
export function newJobId(prefix = 'job'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
}

export { WebSocket };
