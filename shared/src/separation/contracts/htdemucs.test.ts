// htdemucs end to end on onnxruntime-node with models built at test time: the spectrogram recipe
// against a plain reimplementation of HTDemucs._spec / _ispec, stems that must sum back to the
// mix, band-split stems against demucs's apply_model computed independently in float64, and one
// run at the real sizes ([1,2,343980] and [1,4,2048,336]).
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { bandMasks, buildHtdemucsMaskModel } from '../../../../models/builders/test-models.ts';
import { createOrtSession } from '../../inference/ort-session.ts';
import { htdemucsDescriptor } from '../descriptor-presets.ts';
import { createOnnxSeparator } from '../onnx-separator.ts';
import { sdr } from '../metrics/sdr.ts';
import { applyModel, htdemucsIspec, htdemucsMaskModel, htdemucsSpec, toStereo64 } from '../testing/reference.ts';
import { sumStems, testMix } from '../testing/signals.ts';
import { HtdemucsSpectrogram } from './htdemucs.ts';

const RATE = 44_100;

async function separatorFor(descriptor: ReturnType<typeof htdemucsDescriptor>, model: Uint8Array) {
  const session = await createOrtSession(ortNode, model, {
    runtimeName: 'onnxruntime-node',
    executionProvider: 'cpu',
    threads: 1,
  });
  return createOnnxSeparator(session, descriptor);
}

/** Smooth masks, different per stem, that sum to `total` at every bin. */
function smoothMasks(stems: number, bins: number, total = 1): Float32Array[] {
  const raw = Array.from({ length: stems }, (_, s) =>
    Float64Array.from(
      { length: bins },
      (_, f) => Math.exp(-(((f - (s + 0.5) * (bins / stems)) / (bins / 6)) ** 2)) + 0.05,
    ),
  );
  return raw.map((mask) => Float32Array.from(mask, (v, f) => (total * v) / raw.reduce((sum, m) => sum + m[f]!, 0)));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('htdemucs spectrogram', () => {
  it('matches a plain HTDemucs._spec and inverts as _ispec does', () => {
    const nFft = 256;
    const length = 1000;
    const [x] = testMix(length, 1, RATE);
    const spectrogram = new HtdemucsSpectrogram(length, nFft);
    expect([spectrogram.bins, spectrogram.frames]).toEqual([128, Math.ceil(length / 64)]);
    const ours = new Float32Array(4 * spectrogram.bins * spectrogram.frames);
    spectrogram.forward(x!, 0, ours);
    const reference = htdemucsSpec(Float64Array.from(x!), nFft);
    expect(reference.length).toBe(spectrogram.frames);
    const plane = spectrogram.bins * spectrogram.frames;
    let worst = 0;
    reference.forEach(({ re, im }, t) => {
      for (let f = 0; f < spectrogram.bins; f++) {
        worst = Math.max(worst, Math.abs(ours[f * spectrogram.frames + t]! - re[f]!));
        worst = Math.max(worst, Math.abs(ours[plane + f * spectrogram.frames + t]! - im[f]!));
      }
    });
    expect(worst).toBeLessThan(1e-5);

    // The inverse, including what the recipe loses at the segment's edges (frames 0, 1 and the
    // last two are dropped, so the first and last 3/8 nFft samples come back attenuated).
    const back = new Float32Array(length);
    spectrogram.addInverse(ours, 0, 0, back);
    const referenceBack = htdemucsIspec(reference, nFft, length);
    expect(maxAbsDiff(back, referenceBack)).toBeLessThan(1e-5);
    expect(maxAbsDiff(back.subarray(200, 800), x!.subarray(200, 800))).toBeLessThan(1e-5);
    expect(Math.abs(back[10]! - x![10]!)).toBeGreaterThan(1e-3);
  });
});

describe('htdemucs separation', () => {
  it('gives back the mix (SDR > 60 dB) when the masks sum to one, at every segment boundary case', async () => {
    const segment = 11_025;
    const stride = Math.floor(0.75 * segment);
    const descriptor = htdemucsDescriptor({ id: 'htdemucs-test', segmentLength: segment, nFft: 256 });
    const masks = smoothMasks(4, 128);
    const separator = await separatorFor(descriptor, buildHtdemucsMaskModel(descriptor, { masks }));
    for (const length of [3_000, segment, segment + 1, 2 * stride, 3 * segment, 3 * stride + 1]) {
      // Silent ends: the recipe cannot rebuild a segment's first and last 3/8 nFft samples from
      // the frequency branch alone (see above); inside a track the blend hides that.
      const mix = testMix(length, 2, RATE, { edgeSilence: 128 });
      const { stems, sampleRate } = await separator.separate({ sampleRate: RATE, channels: mix });
      expect(sampleRate).toBe(RATE);
      const four = ['drums', 'bass', 'other', 'vocals'].map((name) => stems[name]!);
      for (const stem of four) expect(stem.map((c) => c.length)).toEqual([length, length]);
      expect(sdr(mix, sumStems(four)), `length ${length}`).toBeGreaterThan(60);
      // Each stem is its own band, not a copy of the mix.
      expect(sdr(mix, stems.vocals!)).toBeLessThan(10);
    }
  });

  it('gives band-split stems equal to demucs apply_model computed independently in float64', async () => {
    const segment = 4_096;
    const nFft = 256;
    const descriptor = htdemucsDescriptor({ id: 'band-split', segmentLength: segment, nFft });
    const masks = bandMasks(128, [0, 6, 20, 60, 128]);
    const timeGains = [0.1, 0, 0.2, 0];
    const separator = await separatorFor(descriptor, buildHtdemucsMaskModel(descriptor, { masks, timeGains }));
    const mix = testMix(10_500, 2, RATE);
    const { stems } = await separator.separate({ sampleRate: RATE, channels: mix });
    const expected = applyModel(toStereo64(mix), segment, 0.25, htdemucsMaskModel(masks, timeGains, nFft));
    descriptor.stems.forEach((name, s) => {
      for (let c = 0; c < 2; c++)
        expect(maxAbsDiff(stems[name]![c]!, expected[s]![c]!), `${name} ${c}`).toBeLessThan(2e-5);
    });
  });

  it('runs at the real htdemucs sizes, time branch plus frequency branch', async () => {
    const descriptor = htdemucsDescriptor();
    expect(descriptor.contract.inputs.spectrogram.shape).toEqual([1, 4, 2048, 336]);
    // Half the mix through the time branch, half through the masks.
    const masks = smoothMasks(4, 2048, 0.5);
    const timeGains = [0.2, 0.1, 0.15, 0.05];
    const separator = await separatorFor(descriptor, buildHtdemucsMaskModel(descriptor, { masks, timeGains }));
    const length = Math.round(1.3 * 343_980);
    const mix = testMix(length, 2, RATE, { edgeSilence: 2048 });
    const { stems } = await separator.separate({ sampleRate: RATE, channels: mix });
    expect(sdr(mix, sumStems(descriptor.stems.map((name) => stems[name]!)))).toBeGreaterThan(60);
  });
});
