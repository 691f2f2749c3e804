// Resuming a separation from a stored checkpoint gives exactly the chunks an uninterrupted run
// gives after that point: bit for bit, across resampling, shift passes and wide overlaps.
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { bandMasks, buildHtdemucsMaskModel } from '../../../models/builders/test-models.ts';
import { createOrtSession } from '../inference/ort-session.ts';
import { SfaError } from '../protocol/errors.ts';
import { htdemucsDescriptor } from './descriptor-presets.ts';
import { createOnnxSeparator } from './onnx-separator.ts';
import { createQuickSeparator } from './quick/quick.ts';
import { testMix } from './testing/signals.ts';
import type { SeparateOptions, SeparationCheckpoint, StemChunk } from './types.ts';

const descriptor = htdemucsDescriptor({ id: 'bands', segmentLength: 11_025, nFft: 256 });
const BANDS = bandMasks(128, [0, 6, 20, 60, 128]);

async function separator() {
  const session = await createOrtSession(
    ortNode,
    buildHtdemucsMaskModel(descriptor, { masks: BANDS, timeGains: [0.1, 0, 0.05, 0] }),
    {
      runtimeName: 'onnxruntime-node',
      executionProvider: 'cpu',
      threads: 1,
    },
  );
  return createOnnxSeparator(session, descriptor);
}

/** The chunks of a run, copied and with their checkpoints cloned as IndexedDB would store them. */
async function chunksOf(run: (onChunk: (chunk: StemChunk) => void) => Promise<unknown>): Promise<StemChunk[]> {
  const chunks: StemChunk[] = [];
  await run((chunk) => chunks.push(structuredClone(chunk)));
  return chunks;
}

function expectSameChunks(actual: StemChunk[], expected: StemChunk[]) {
  expect(actual.map((c) => c.startFrame)).toEqual(expected.map((c) => c.startFrame));
  actual.forEach((chunk, i) => {
    for (const [stem, channels] of Object.entries(expected[i]!.stems)) {
      channels.forEach((samples, c) => {
        const got = chunk.stems[stem]![c]!;
        expect(got.length).toBe(samples.length);
        // Bit for bit: Object.is tells -0 from 0 and compares NaN, as a byte comparison would.
        let differing = 0;
        for (let n = 0; n < samples.length; n++) if (!Object.is(got[n], samples[n])) differing++;
        expect(differing, `${stem} channel ${c} of chunk ${i}`).toBe(0);
      });
    }
    expect(chunk.checkpoint).toEqual(expected[i]!.checkpoint);
  });
}

// Each case separates its audio six times over.
describe('resuming a separation', { timeout: 60_000 }, () => {
  const cases: { name: string; rate: number; channels: number; options: SeparateOptions }[] = [
    { name: 'at the model rate', rate: 44_100, channels: 2, options: {} },
    { name: 'resampled from 48 kHz', rate: 48_000, channels: 2, options: {} },
    { name: 'mono, 22.05 kHz, two shift passes', rate: 22_050, channels: 1, options: { shifts: 2, seed: 7 } },
    {
      name: 'overlap 0.7 and chosen stems',
      rate: 32_000,
      channels: 2,
      options: { overlap: 0.7, stems: ['vocals', 'instrumental'] },
    },
  ];

  for (const { name, rate, channels, options } of cases) {
    it(`gives the uninterrupted run's chunks after any checkpoint (${name})`, async () => {
      const model = await separator();
      const input = { sampleRate: rate, channels: testMix(Math.round(2.3 * rate), channels, rate) };
      const whole = await chunksOf((onChunk) => model.separate(input, { ...options, collect: false, onChunk }));
      expect(whole.length).toBeGreaterThan(4);
      const last = whole.at(-1)!;
      expect(last.startFrame + last.stems[Object.keys(last.stems)[0]!]![0]!.length).toBe(input.channels[0]!.length);
      for (const k of [0, 1, Math.floor(whole.length / 2), whole.length - 2, whole.length - 1]) {
        const resume = whole[k]!.checkpoint!;
        const rest = await chunksOf((onChunk) =>
          model.separate(input, { ...options, collect: false, onChunk, resume }),
        );
        expectSameChunks(rest, whole.slice(k + 1));
      }
    });
  }

  it('reports progress from where it resumes, never going back', async () => {
    const model = await separator();
    const input = { sampleRate: 44_100, channels: testMix(3 * 44_100, 2, 44_100) };
    const whole = await chunksOf((onChunk) => model.separate(input, { collect: false, onChunk }));
    const resume = whole[2]!.checkpoint!;
    const fractions: number[] = [];
    const segments: number[] = [];
    await model.separate(input, {
      collect: false,
      resume,
      onProgress: (p) => {
        fractions.push(p.fraction);
        segments.push(p.segment);
      },
    });
    expect(segments[0]).toBeGreaterThan(0);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!)).toBe(true);
    expect(fractions.at(-1)).toBe(1);
  });

  it('refuses a checkpoint from another run', async () => {
    const model = await separator();
    const input = { sampleRate: 44_100, channels: testMix(2 * 44_100, 2, 44_100) };
    const whole = await chunksOf((onChunk) => model.separate(input, { collect: false, onChunk }));
    const resume: SeparationCheckpoint = whole[1]!.checkpoint!;
    const other = { sampleRate: 44_100, channels: testMix(2 * 44_100 + 1, 2, 44_100) };
    await expect(model.separate(other, { resume })).rejects.toThrow(/another separation/);
    await expect(model.separate(input, { resume, seed: 3, shifts: 1 })).rejects.toThrow(/another separation/);
  });

  it('is refused by Quick, which starts over instead', async () => {
    const input = { sampleRate: 44_100, channels: testMix(44_100, 2, 44_100) };
    const model = await separator();
    const whole = await chunksOf((onChunk) => model.separate(input, { collect: false, onChunk }));
    await expect(createQuickSeparator().separate(input, { resume: whole[0]!.checkpoint! })).rejects.toThrow(SfaError);
  });
});
