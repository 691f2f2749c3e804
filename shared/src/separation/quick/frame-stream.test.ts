// Quick's streaming STFT: perfect reconstruction through stereo and centre-channel syntheses,
// in any slicing of the output, with the model seeing every frame once and in order.
import { describe, expect, it } from 'vitest';
import { bandLayout } from './bands.ts';
import { FrameStream, type MaskModel, type Synthesis } from './frame-stream.ts';

const FFT_SIZE = 256;
const bands = bandLayout(44_100, FFT_SIZE);

function noise(length: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => ((state = (state * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32) * 2 - 1);
}

/** Constant masks: mask i is gains[i] in every band. Records the frames it sees. */
function constantModel(gains: number[], lookahead = 3) {
  const seen = { analysed: [] as number[], masked: [] as number[] };
  const masks = gains.map((g) => new Float32Array(bands.count).fill(g));
  const model: MaskModel = {
    lookahead,
    analyse: (frame) => void seen.analysed.push(frame),
    masks: (frame) => (seen.masked.push(frame), masks),
  };
  return { model, seen };
}

function render(channels: Float32Array[], syntheses: Synthesis[], gains: number[], slices: number[]) {
  const { model, seen } = constantModel(gains);
  const stream = new FrameStream(channels, { fftSize: FFT_SIZE, syntheses, model, bands });
  const length = channels[0]!.length;
  const out = gains.map(() => channels.map(() => new Float32Array(length)));
  let start = 0;
  for (const end of [...slices, length]) {
    stream.render(
      start,
      end,
      out.map((stem) => stem.map((c) => c.subarray(start))),
    );
    start = end;
  }
  return { out, seen };
}

function maxError(a: Float32Array, expected: (i: number) => number): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - expected(i)));
  return worst;
}

describe('FrameStream', () => {
  // 1000 samples, not a multiple of the hop (128); slices end on hop multiples.
  const left = noise(1000, 1);
  const right = noise(1000, 2);

  it('gives back the input through a stereo synthesis with a mask of one, in any slicing', () => {
    for (const slices of [[], [128], [256, 384, 896]]) {
      const { out, seen } = render([left, right], [{ kind: 'stereo', mask: 0 }], [1], slices);
      expect(maxError(out[0]![0]!, (i) => left[i]!)).toBeLessThan(1e-6);
      expect(maxError(out[0]![1]!, (i) => right[i]!)).toBeLessThan(1e-6);
      // Frames 0 .. ceil(1000 / 128) are needed, each analysed and masked once, in order.
      const frames = Math.ceil(1000 / 128) + 1;
      expect(seen.masked).toEqual(Array.from({ length: frames }, (_, t) => t));
      expect(seen.analysed).toEqual(Array.from({ length: frames + 3 }, (_, t) => t));
    }
  });

  it('makes two real signals from the centre channel in one synthesis', () => {
    const { out } = render([left, right], [{ kind: 'mid', masks: [0, 1] }], [1, 0.25], [512]);
    for (let c = 0; c < 2; c++) {
      expect(maxError(out[0]![c]!, (i) => 0.5 * (left[i]! + right[i]!))).toBeLessThan(1e-6);
      expect(maxError(out[1]![c]!, (i) => 0.125 * (left[i]! + right[i]!))).toBeLessThan(1e-6);
    }
  });

  it('handles a mono stream both ways', () => {
    const syntheses: Synthesis[] = [
      { kind: 'stereo', mask: 0 },
      { kind: 'mid', masks: [1, 2] },
    ];
    const { out } = render([left], syntheses, [0.5, 1, 0.5], [384]);
    expect(maxError(out[0]![0]!, (i) => 0.5 * left[i]!)).toBeLessThan(1e-6);
    expect(maxError(out[1]![0]!, (i) => left[i]!)).toBeLessThan(1e-6);
    expect(maxError(out[2]![0]!, (i) => 0.5 * left[i]!)).toBeLessThan(1e-6);
  });

  it('shares a bin between masks linearly: complementary masks sum to the input', () => {
    const { model } = constantModel([0.3, 0.7]);
    const stream = new FrameStream([left, right], {
      fftSize: FFT_SIZE,
      syntheses: [
        { kind: 'stereo', mask: 0 },
        { kind: 'stereo', mask: 1 },
      ],
      model,
      bands,
    });
    const out = [0, 1].map(() => [new Float32Array(1000), new Float32Array(1000)]);
    stream.render(0, 1000, out);
    expect(maxError(out[0]![0]!, (i) => 0.3 * left[i]!)).toBeLessThan(1e-6);
    expect(maxError(out[1]![1]!, (i) => 0.7 * right[i]!)).toBeLessThan(1e-6);
  });
});
