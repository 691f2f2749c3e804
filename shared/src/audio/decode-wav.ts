// WAV through our own parser (no WASM to load), converted in blocks of frames so that a long
// file reports progress and can be cancelled like the others.

import type { DecodedStream } from './decoded-audio.ts';
import type { DecodeSteps } from './decode-steps.ts';
import { readWavLayout } from './wav.ts';
import { decodeWavFrames } from './wav-samples.ts';

/** About this many progress steps per file, at least this many frames a step. */
const STEPS_PER_FILE = 100;
const MIN_FRAMES_PER_STEP = 1 << 14;

export async function decodeWavFile(bytes: Uint8Array, steps: DecodeSteps): Promise<DecodedStream> {
  const { format, data, frameCount } = readWavLayout(bytes);
  const channels = Array.from({ length: format.channels }, () => new Float32Array(frameCount));
  const framesPerStep = Math.max(MIN_FRAMES_PER_STEP, Math.ceil(frameCount / STEPS_PER_FILE));
  for (let from = 0; from < frameCount; from += framesPerStep) {
    await steps.step(from / frameCount);
    decodeWavFrames(data, format, channels, from, Math.min(frameCount, from + framesPerStep));
  }
  return { sampleRate: format.sampleRate, channels, codec: format.label };
}
