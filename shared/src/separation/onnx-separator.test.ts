// The separator's behaviour whatever the contract, on onnxruntime-node: any length, mono, other
// sample rates, shifts, cancellation, progress, streamed chunks, single stems, and refusing
// models that are corrupt or do not match their descriptor.
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../models/builders/onnx-graph.ts';
import { bandMasks, buildHtdemucsMaskModel, buildWaveformGainModel } from '../../../models/builders/test-models.ts';
import { createOrtSession } from '../inference/ort-session.ts';
import { SfaError } from '../protocol/errors.ts';
import type { ModelDescriptor } from './descriptor.ts';
import { htdemucsDescriptor, waveformDescriptor } from './descriptor-presets.ts';
import { createOnnxSeparator } from './onnx-separator.ts';
import { sdr } from './metrics/sdr.ts';
import { sumStems, testMix } from './testing/signals.ts';
import type { SeparationProgress, StemChunk } from './types.ts';

const RATE = 44_100;
const SEGMENT = 4_410;
const STRIDE = Math.floor(0.75 * SEGMENT);

function session(model: Uint8Array) {
  return createOrtSession(ortNode, model, { runtimeName: 'onnxruntime-node', executionProvider: 'cpu', threads: 1 });
}

async function separatorFor(descriptor: ModelDescriptor, model: Uint8Array) {
  return createOnnxSeparator(await session(model), descriptor);
}

const waveform = waveformDescriptor({ id: 'gains', stems: ['vocals', 'drums', 'bass'], segmentLength: SEGMENT });
const GAINS = [0.5, 0.3, 0.2];
const htdemucs = htdemucsDescriptor({ id: 'bands', segmentLength: 11_025, nFft: 256 });
const BANDS = bandMasks(128, [0, 6, 20, 60, 128]);

function scaled(channels: Float32Array[], gain: number): Float32Array[] {
  return channels.map((c) => c.map((v) => v * gain));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

async function rejection(promise: Promise<unknown>): Promise<SfaError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SfaError);
    return error as SfaError;
  }
  throw new Error('expected a rejection');
}

describe('createOnnxSeparator', () => {
  it('returns stems of exactly the input length for any length (gains model: stems = gain * mix)', async () => {
    const separator = await separatorFor(waveform, buildWaveformGainModel(waveform, GAINS));
    for (const length of [1, 100, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * STRIDE, 3 * SEGMENT, 10 * STRIDE + 7]) {
      const mix = testMix(length, 2, RATE);
      const { stems } = await separator.separate({ sampleRate: RATE, channels: mix });
      waveform.stems.forEach((name, s) => {
        expect(stems[name]!.map((c) => c.length)).toEqual([length, length]);
        for (let c = 0; c < 2; c++)
          expect(maxAbsDiff(stems[name]![c]!, scaled(mix, GAINS[s]!)[c]!), `${length}`).toBeLessThan(1e-6);
      });
    }
  });

  it('separates mono as the model hears it (duplicated) and returns mono stems', async () => {
    const separator = await separatorFor(htdemucs, buildHtdemucsMaskModel(htdemucs, { masks: BANDS }));
    const mix = testMix(30_000, 1, RATE, { edgeSilence: 128 });
    const { stems } = await separator.separate({ sampleRate: RATE, channels: mix });
    for (const stem of Object.values(stems)) expect(stem.map((c) => c.length)).toEqual([30_000]);
    expect(sdr(mix, sumStems(htdemucs.stems.map((name) => stems[name]!)))).toBeGreaterThan(60);
  });

  it('resamples 48 kHz and 22.05 kHz input to the model rate and the stems back', async () => {
    const gains = await separatorFor(waveform, buildWaveformGainModel(waveform, GAINS));
    const bands = await separatorFor(htdemucs, buildHtdemucsMaskModel(htdemucs, { masks: BANDS }));
    for (const rate of [48_000, 22_050]) {
      const length = Math.round(0.7 * rate);
      const mix = testMix(length, 2, rate, { edgeSilence: 300, maxFrequency: 0.35 * rate });
      const a = await gains.separate({ sampleRate: rate, channels: mix });
      expect(a.sampleRate).toBe(rate);
      expect(a.stems.vocals!.map((c) => c.length)).toEqual([length, length]);
      expect(sdr(scaled(mix, 0.5), a.stems.vocals!), `${rate} Hz`).toBeGreaterThan(60);

      const b = await bands.separate({ sampleRate: rate, channels: mix }, { stems: bands.stems });
      expect(sdr(mix, sumStems(htdemucs.stems.map((name) => b.stems[name]!))), `${rate} Hz`).toBeGreaterThan(60);
      // The instrumental is the mix minus the vocals, at the input's rate.
      for (let c = 0; c < 2; c++) {
        const rest = mix[c]!.map((v, i) => v - b.stems.vocals![c]![i]!);
        expect(maxAbsDiff(b.stems.instrumental![c]!, rest)).toBe(0);
      }
    }
  });

  it('averages random shifts reproducibly: the same seed gives the same stems', async () => {
    const separator = await separatorFor(htdemucs, buildHtdemucsMaskModel(htdemucs, { masks: BANDS }));
    const mix = testMix(25_000, 2, RATE, { edgeSilence: 128 });
    const input = { sampleRate: RATE, channels: mix };
    const segments: number[] = [];
    const first = await separator.separate(input, { shifts: 2, seed: 7, onProgress: (p) => segments.push(p.segments) });
    const again = await separator.separate(input, { shifts: 2, seed: 7 });
    const other = await separator.separate(input, { shifts: 2, seed: 8 });
    const unshifted = await separator.separate(input);
    // 'bass' here is the 1-3.4 kHz band, where the test mix has most of its partials.
    expect(again.stems.bass).toEqual(first.stems.bass);
    expect(other.stems.bass).not.toEqual(first.stems.bass);
    expect(unshifted.stems.bass).not.toEqual(first.stems.bass);
    // Two passes over the track, each at least as many segments as one unshifted pass.
    expect(segments[0]).toBeGreaterThanOrEqual(2 * Math.ceil(25_000 / Math.floor(0.75 * 11_025)));
    expect(sdr(mix, sumStems(htdemucs.stems.map((name) => first.stems[name]!)))).toBeGreaterThan(60);
    // Shifts move the segment boundaries, not the result: a linear model gives nearly the same.
    expect(sdr(unshifted.stems.bass!, first.stems.bass!)).toBeGreaterThan(40);
  });

  it('reports progress that never decreases, counts segments and ends at exactly 1', async () => {
    const separator = await separatorFor(waveform, buildWaveformGainModel(waveform, GAINS));
    const reports: SeparationProgress[] = [];
    await separator.separate(
      { sampleRate: RATE, channels: testMix(10 * STRIDE, 2, RATE) },
      { onProgress: (p) => reports.push(p) },
    );
    for (let i = 1; i < reports.length; i++)
      expect(reports[i]!.fraction).toBeGreaterThanOrEqual(reports[i - 1]!.fraction);
    const last = reports.at(-1)!;
    expect(last).toMatchObject({ stage: 'finish', fraction: 1, segment: 10, segments: 10, etaSec: 0 });
    expect(reports.filter((p) => p.stage === 'separate').map((p) => p.segment)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(reports.find((p) => p.stage === 'separate')!.etaSec).toBeGreaterThanOrEqual(0);
  });

  it('stops between segments when cancelled, and stays usable', async () => {
    const separator = await separatorFor(waveform, buildWaveformGainModel(waveform, GAINS));
    const input = { sampleRate: RATE, channels: testMix(10 * STRIDE, 2, RATE) };
    const controller = new AbortController();
    const runsBefore = separator.session.stats.runs;
    const error = await rejection(
      separator.separate(input, {
        signal: controller.signal,
        onProgress: (p) => p.segment === 3 && controller.abort(),
      }),
    );
    expect(error.code).toBe('aborted');
    // Three segments were done; the run after them had already started (the model runs on the
    // next segment while the engine finishes this one) and ends before the call rejects.
    expect(separator.session.stats.runs - runsBefore).toBeGreaterThanOrEqual(3);
    expect(separator.session.stats.runs - runsBefore).toBeLessThanOrEqual(4);

    const early = await rejection(separator.separate(input, { signal: AbortSignal.abort() }));
    expect(early.code).toBe('aborted');
    const { stems } = await separator.separate(input, { stems: ['bass'] });
    expect(Object.keys(stems)).toEqual(['bass']);
  });

  it('streams chunks in order that cover the input exactly, holding no whole-track stems', async () => {
    const separator = await separatorFor(htdemucs, buildHtdemucsMaskModel(htdemucs, { masks: BANDS }));
    for (const rate of [RATE, 48_000]) {
      const mix = testMix(40_000, 2, rate);
      const whole = await separator.separate(
        { sampleRate: rate, channels: mix },
        { stems: ['vocals', 'instrumental'] },
      );
      const chunks: StemChunk[] = [];
      const result = await separator.separate(
        { sampleRate: rate, channels: mix },
        { stems: ['vocals', 'instrumental'], collect: false, onChunk: (chunk) => void chunks.push(chunk) },
      );
      expect(result.stems).toEqual({});
      expect(chunks.length).toBeGreaterThan(2);
      let next = 0;
      for (const chunk of chunks) {
        expect(chunk.startFrame).toBe(next);
        expect(Object.keys(chunk.stems)).toEqual(['vocals', 'instrumental']);
        const frames = chunk.stems.vocals![0]!.length;
        expect(frames).toBeGreaterThan(0);
        for (const name of ['vocals', 'instrumental']) {
          for (let c = 0; c < 2; c++) {
            expect(chunk.stems[name]![c]).toEqual(whole.stems[name]![c]!.subarray(next, next + frames));
          }
        }
        next += frames;
      }
      expect(next).toBe(40_000);
    }
  });

  it('delivers single stems and the virtual instrumental (mix - vocals)', async () => {
    const separator = await separatorFor(htdemucs, buildHtdemucsMaskModel(htdemucs, { masks: BANDS }));
    expect(separator.stems).toEqual(['drums', 'bass', 'other', 'vocals', 'instrumental']);
    const mix = testMix(20_000, 2, RATE, { edgeSilence: 128 });
    // By default the model's own stems, and on request the derived instrumental as well.
    expect(separator.defaultStems).toEqual(['drums', 'bass', 'other', 'vocals']);
    const plain = await separator.separate({ sampleRate: RATE, channels: mix });
    expect(Object.keys(plain.stems)).toEqual(['drums', 'bass', 'other', 'vocals']);
    const all = await separator.separate({ sampleRate: RATE, channels: mix }, { stems: separator.stems });
    const vocals = await separator.separate({ sampleRate: RATE, channels: mix }, { stems: ['vocals'] });
    expect(Object.keys(vocals.stems)).toEqual(['vocals']);
    expect(vocals.stems.vocals).toEqual(all.stems.vocals);
    const karaoke = await separator.separate({ sampleRate: RATE, channels: mix }, { stems: ['instrumental'] });
    expect(karaoke.stems.instrumental).toEqual(all.stems.instrumental);
    // mix - vocals = drums + bass + other here, since the band masks sum to one.
    const rest = sumStems(['drums', 'bass', 'other'].map((name) => all.stems[name]!));
    expect(sdr(rest, karaoke.stems.instrumental!)).toBeGreaterThan(60);

    const unknown = await rejection(separator.separate({ sampleRate: RATE, channels: mix }, { stems: ['guitar'] }));
    expect(unknown).toMatchObject({ code: 'bad-request', message: expect.stringContaining('has no stem "guitar"') });
    // An empty list is a mistake, not a request for nothing (Quick says the same).
    const none = await rejection(separator.separate({ sampleRate: RATE, channels: mix }, { stems: [] }));
    expect(none).toMatchObject({ code: 'bad-request', message: 'no stems were requested' });
  });

  it('hears a NaN or infinite sample as silence rather than losing whole segments to it', async () => {
    const separator = await separatorFor(htdemucs, buildHtdemucsMaskModel(htdemucs, { masks: BANDS }));
    const mix = testMix(30_000, 2, RATE);
    mix[0]![12_000] = Number.NaN;
    mix[1]![20_000] = Number.POSITIVE_INFINITY;
    const { stems } = await separator.separate({ sampleRate: RATE, channels: mix });
    const nonFinite = htdemucs.stems
      .flatMap((name) => stems[name]!)
      .reduce((count, channel) => count + channel.filter((v) => !Number.isFinite(v)).length, 0);
    expect(nonFinite).toBe(0);
  });

  it('refuses input it cannot separate', async () => {
    const separator = await separatorFor(waveform, buildWaveformGainModel(waveform, GAINS));
    const six = testMix(100, 6, RATE);
    // The model hears stereo; more channels are refused with what to do instead.
    expect(await rejection(separator.separate({ sampleRate: RATE, channels: six }))).toMatchObject({
      code: 'bad-request',
      message:
        'model "gains" separates mono or stereo audio, not 6 channels: mix it down to stereo, ' +
        'or use Quick, which separates the channels in pairs',
    });
    expect((await rejection(separator.separate({ sampleRate: RATE, channels: [new Float32Array(0)] }))).code).toBe(
      'no-audio',
    );
    const shifts = await rejection(separator.separate({ sampleRate: RATE, channels: six.slice(0, 2) }, { shifts: -1 }));
    expect(shifts.code).toBe('bad-request');
  });
});

describe('models that cannot be used', () => {
  it('refuses a corrupt or truncated model file with model-invalid', async () => {
    const garbage = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) % 251);
    expect((await rejection(session(garbage))).code).toBe('model-invalid');
    const model = buildWaveformGainModel(waveform, GAINS);
    const truncated = await rejection(session(model.subarray(0, model.length / 2)));
    expect(truncated).toMatchObject({
      code: 'model-invalid',
      message: expect.stringMatching(/^the model could not be loaded: /),
    });
  });

  it('refuses a model whose tensors disagree with its descriptor, naming the difference', async () => {
    const shorter = waveformDescriptor({ id: 'short', stems: waveform.stems, segmentLength: 2_000 });
    const model = await session(buildWaveformGainModel(shorter, GAINS));
    let error: SfaError | undefined;
    try {
      createOnnxSeparator(model, waveform);
    } catch (e) {
      error = e as SfaError;
    }
    expect(error).toBeInstanceOf(SfaError);
    expect(error!.code).toBe('model-mismatch');
    expect(error!.message).toContain(
      'input "input" (waveform) has 2000 at axis 2 [1, 2, 2000], the descriptor says [1, 2, 4410]',
    );
    expect(error!.message).toContain('output "output" (stems) has 2000 at axis 3');

    const renamed = htdemucsDescriptor({
      id: 'renamed',
      segmentLength: 11_025,
      nFft: 256,
      names: { waveform: 'mix', spectrogram: 'spec', frequency: 'freq', time: 'time' },
    });
    const htModel = await session(buildHtdemucsMaskModel(renamed, { masks: BANDS }));
    expect(() => createOnnxSeparator(htModel, htdemucs)).toThrow(/the model has no input "input" \(waveform\)/);
    expect(() => createOnnxSeparator(htModel, htdemucs)).toThrow(/the model has no output "add_67" \(time\)/);
    const twoStems = htdemucsDescriptor({
      ...renamed.contract,
      id: 'two',
      segmentLength: 11_025,
      nFft: 256,
      stems: ['a', 'b'],
      names: { waveform: 'mix', spectrogram: 'spec', frequency: 'freq', time: 'time' },
    });
    expect(() => createOnnxSeparator(htModel, twoStems)).toThrow(/output "freq" \(frequency\) has 4 at axis 1/);
  });

  it('refuses outputs that come back in another shape than the descriptor says (symbolic dims)', async () => {
    // Symbolic dims pass the load-time check; this model then returns half a segment.
    const g = new GraphBuilder();
    const input = g.input('input', [1, 2, 'samples']);
    const half = g.node('Slice', [input, g.ints([0]), g.ints([SEGMENT / 2]), g.ints([2])]);
    const stems = g.node('Unsqueeze', [half, g.ints([1])]);
    g.node('Mul', [stems, g.constant([1, 3, 1, 1], GAINS)], {}, ['output']);
    g.output('output', [1, 3, 2, 'out_samples']);
    const separator = createOnnxSeparator(await session(g.encode()), waveform);
    const error = await rejection(separator.separate({ sampleRate: RATE, channels: testMix(SEGMENT, 2, RATE) }));
    expect(error).toMatchObject({
      code: 'model-mismatch',
      message: `model "gains" returned output "output" (stems) as [1, 3, 2, ${SEGMENT / 2}]; the descriptor says [1, 3, 2, ${SEGMENT}]`,
    });
  });
});
