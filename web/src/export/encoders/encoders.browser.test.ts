// The encoders in headless Chromium, bundled by Vite as the app bundles them (this proves the
// WASM of libFLAC and LAME loads in a browser), each file decoded by Chromium's own decoders
// through decodeAudioData.
import { wrap } from 'comlink';
import { afterAll, describe, expect, it } from 'vitest';
import type { EncodeSpec } from '../types.ts';
import type { EncodeTestWorker } from './encode-test.worker.ts';
import { encodeInBlocks, maxAbsDiff, sine } from './test-signals.ts';

const SAMPLE_RATE = 22050;
const FRAMES = 22050 + 123;
const channels = [sine(440, SAMPLE_RATE, FRAMES), sine(1000, SAMPLE_RATE, FRAMES, 0.25)];

/** Decodes at `contextRate`: Chromium resamples to it, which shows the rate it read from the file. */
async function decode(bytes: Uint8Array, contextRate: number): Promise<AudioBuffer> {
  const context = new OfflineAudioContext(2, 1, contextRate);
  return context.decodeAudioData(bytes.slice().buffer);
}

const SPECS: { spec: EncodeSpec; tolerance: number }[] = [
  { spec: { format: 'wav16' }, tolerance: 1 / 32768 },
  { spec: { format: 'wav24' }, tolerance: 1e-6 },
  { spec: { format: 'wav32f' }, tolerance: 0 },
  { spec: { format: 'flac16' }, tolerance: 1 / 32768 },
  { spec: { format: 'flac24' }, tolerance: 1e-6 },
];

describe('encoders in Chromium', () => {
  for (const { spec, tolerance } of SPECS) {
    it(`${spec.format}: Chromium decodes the exact length, rate and samples`, async () => {
      const bytes = await encodeInBlocks(spec, channels, SAMPLE_RATE, [1000]);
      const decoded = await decode(bytes, SAMPLE_RATE);
      expect(decoded.length).toBe(FRAMES);
      expect(decoded.numberOfChannels).toBe(2);
      expect(maxAbsDiff(decoded.getChannelData(0), channels[0]!)).toBeLessThanOrEqual(tolerance);
      expect(maxAbsDiff(decoded.getChannelData(1), channels[1]!)).toBeLessThanOrEqual(tolerance);
      // Read as 22050 Hz, resampled to twice that.
      expect((await decode(bytes, 2 * SAMPLE_RATE)).length).toBe(2 * FRAMES);
    });
  }

  for (const mp3 of [
    { mode: 'cbr', bitrate: 128, vbrQuality: 2 },
    { mode: 'vbr', bitrate: 128, vbrQuality: 2 },
  ] as const) {
    it(`mp3 ${mp3.mode}: Chromium decodes it at its rate, trimmed to the exact length`, async () => {
      const bytes = await encodeInBlocks({ format: 'mp3', mp3 }, channels, SAMPLE_RATE, [1000]);
      const decoded = await decode(bytes, SAMPLE_RATE);
      expect(decoded.length).toBe(FRAMES);
      expect(decoded.numberOfChannels).toBe(2);
      expect((await decode(bytes, 2 * SAMPLE_RATE)).length).toBe(2 * FRAMES);
    });
  }
});

describe('encoders in a module Web Worker', () => {
  const worker = new Worker(new URL('./encode-test.worker.ts', import.meta.url), { type: 'module' });
  const api = wrap<EncodeTestWorker>(worker);
  afterAll(() => worker.terminate());

  for (const spec of [{ format: 'wav24' }, { format: 'flac24' }, { format: 'mp3' }] satisfies EncodeSpec[]) {
    it(`${spec.format}: encodes in the worker to a file Chromium decodes`, async () => {
      const bytes = await api.encodeSines(spec, SAMPLE_RATE, FRAMES);
      const decoded = await decode(bytes, SAMPLE_RATE);
      expect(decoded.length).toBe(FRAMES);
    });
  }
});
