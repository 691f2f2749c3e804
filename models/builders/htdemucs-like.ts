// A model with htdemucs's contract (tensor names and shapes), layer structure and roughly its
// size and compute, with random weights, for benchmarks: four strided frequency-conv encoders
// (4 -> 48 -> 96 -> 192 -> 384 channels, 2048 -> 8 bins) and four time-conv encoders, each
// with a 1x1 GLU "rewrite"; a cross-domain transformer (self-attention and cross-attention layers
// in turn, dim 512, 8 heads, FFN 2048) over 8 x 336 frequency tokens and the time tokens; and
// transposed-conv decoders back up with skip connections. Its output is noise; its cost is real.

import type { DescriptorOf, HtdemucsContract } from '../../shared/src/separation/descriptor.ts';
import { seededRandom } from '../../shared/src/separation/segments.ts';
import { GraphBuilder } from './onnx-graph.ts';

export interface HtdemucsLikeOptions {
  channels?: number[];
  transformerDim?: number;
  heads?: number;
  feedForward?: number;
  layers?: number;
  seed?: number;
}

export interface BuiltModel {
  bytes: Uint8Array;
  parameters: number;
  /** Multiply-accumulates per run (convolutions and matrix products). */
  macs: number;
}

/** Builds the model for `descriptor` (use htdemucsDescriptor() for the real sizes). */
export function buildHtdemucsLikeModel(
  descriptor: DescriptorOf<HtdemucsContract>,
  {
    channels = [48, 96, 192, 384],
    transformerDim = 512,
    heads = 8,
    feedForward = 2048,
    layers = 5,
    seed = 1,
  }: HtdemucsLikeOptions = {},
): BuiltModel {
  const { inputs, outputs, nFft } = descriptor.contract;
  const stems = descriptor.stems.length;
  const segment = descriptor.segmentLength;
  const frames = Math.ceil(segment / (nFft / 4));
  const g = new GraphBuilder();
  const random = seededRandom(seed);
  let macs = 0;

  /** Weights scaled by 1/sqrt(fan-in), so activations stay near unit size through the stack. */
  const weights = (dims: number[], fanIn: number) => {
    const scale = Math.sqrt(3 / fanIn);
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = (2 * random() - 1) * scale;
    return g.constant(dims, data);
  };
  const zeros = (n: number) => g.constant([n], new Float32Array(n));
  const ones = (n: number) => g.constant([n], new Float32Array(n).fill(1));

  // Convolutions: frequency layers are 2-D with kernel (8, 1), time layers 1-D with kernel 8.
  const conv = (
    x: string,
    cin: number,
    cout: number,
    outElements: number,
    freq: boolean,
    kernel: number,
    stride: number,
  ) => {
    macs += outElements * cin * kernel;
    const shape = freq ? [cout, cin, kernel, 1] : [cout, cin, kernel];
    const pad = kernel === 1 ? 0 : 2;
    return g.node('Conv', [x, weights(shape, cin * kernel), zeros(cout)], {
      kernel_shape: freq ? [kernel, 1] : [kernel],
      strides: freq ? [stride, 1] : [stride],
      pads: freq ? [pad, 0, pad, 0] : [pad, pad],
      dilations: freq ? [1, 1] : [1],
    });
  };
  /** htdemucs's rewrite: a 1x1 conv to twice the channels, then a GLU. */
  const glu = (x: string, c: number, positions: number, freq: boolean) => {
    const doubled = conv(x, c, 2 * c, positions * 2 * c, freq, 1, 1);
    const a = `${doubled}_a`;
    const b = `${doubled}_b`;
    g.node('Split', [doubled, g.ints([c, c])], { axis: 1 }, [a, b]);
    return g.node('Mul', [a, g.node('Sigmoid', [b])]);
  };

  // Encoders.
  let xf = inputs.spectrogram.name;
  let xt = inputs.waveform.name;
  g.input(inputs.waveform.name, inputs.waveform.shape);
  g.input(inputs.spectrogram.name, inputs.spectrogram.shape);
  let bins = nFft / 2;
  let length = segment;
  let cin = 4;
  let tin = 2;
  const skips: { f: string; t: string; bins: number; length: number; channels: number }[] = [];
  for (const cout of channels) {
    bins /= 4;
    // HEncLayer pads the time branch to a multiple of the stride first.
    const rest = (4 - (length % 4)) % 4;
    if (rest > 0) xt = g.node('Pad', [xt, g.ints([0, 0, 0, 0, 0, rest])]);
    length = (length + rest) / 4;
    xf = glu(g.node('Relu', [conv(xf, cin, cout, cout * bins * frames, true, 8, 4)]), cout, bins * frames, true);
    xt = glu(g.node('Relu', [conv(xt, tin, cout, cout * length, false, 8, 4)]), cout, length, false);
    skips.push({ f: xf, t: xt, bins, length, channels: cout });
    cin = cout;
    tin = cout;
  }

  // Cross-domain transformer on tokens of `transformerDim`.
  const c = cin;
  const d = transformerDim;
  const freqTokens = bins * frames;
  const timeTokens = length;
  const matmul = (x: string, rows: number, k: number, n: number) => {
    macs += rows * k * n;
    return g.node('MatMul', [x, weights([k, n], k)]);
  };
  const tokens = (x: string, count: number) =>
    matmul(g.node('Transpose', [g.node('Reshape', [x, g.ints([c, count])])], { perm: [1, 0] }), count, c, d);
  const layerNorm = (x: string) =>
    g.node('LayerNormalization', [x, ones(d), zeros(d)], { axis: -1, epsilon: { float: 1e-5 } });
  const headDim = d / heads;
  const attention = (x: string, tq: number, y: string, tk: number) => {
    const q = g.node('Transpose', [g.node('Reshape', [matmul(x, tq, d, d), g.ints([tq, heads, headDim])])], {
      perm: [1, 0, 2],
    });
    const k = g.node('Transpose', [g.node('Reshape', [matmul(y, tk, d, d), g.ints([tk, heads, headDim])])], {
      perm: [1, 2, 0],
    });
    const v = g.node('Transpose', [g.node('Reshape', [matmul(y, tk, d, d), g.ints([tk, heads, headDim])])], {
      perm: [1, 0, 2],
    });
    macs += 2 * heads * tq * tk * headDim;
    const scores = g.node('Mul', [g.node('MatMul', [q, k]), g.constant([1], [1 / Math.sqrt(headDim)])]);
    const mixed = g.node('MatMul', [g.node('Softmax', [scores], { axis: -1 }), v]);
    const merged = g.node('Reshape', [g.node('Transpose', [mixed], { perm: [1, 0, 2] }), g.ints([tq, d])]);
    const attended = layerNorm(g.node('Add', [x, matmul(merged, tq, d, d)]));
    const hidden = g.node('Relu', [matmul(attended, tq, d, feedForward)]);
    return layerNorm(g.node('Add', [attended, matmul(hidden, tq, feedForward, d)]));
  };
  let tf = tokens(xf, freqTokens);
  let tt = tokens(xt, timeTokens);
  for (let layer = 0; layer < layers; layer++) {
    const cross = layer % 2 === 1;
    const nextF = attention(tf, freqTokens, cross ? tt : tf, cross ? timeTokens : freqTokens);
    const nextT = attention(tt, timeTokens, cross ? tf : tt, cross ? freqTokens : timeTokens);
    tf = nextF;
    tt = nextT;
  }
  const untokens = (x: string, count: number, shape: number[]) =>
    g.node('Reshape', [g.node('Transpose', [matmul(x, count, d, c)], { perm: [1, 0] }), g.ints(shape)]);
  xf = untokens(tf, freqTokens, [1, c, bins, frames]);
  xt = untokens(tt, timeTokens, [1, c, timeTokens]);

  // Decoders, with skips; the last layer gives 4 channels (CaC) or 2 per stem.
  for (let level = channels.length - 1; level >= 0; level--) {
    const skip = skips[level]!;
    const cout = level > 0 ? channels[level - 1]! : 0;
    const fOut = level > 0 ? cout : 4 * stems;
    const tOut = level > 0 ? cout : 2 * stems;
    const outBins = skip.bins * 4;
    const outLength = level > 0 ? skips[level - 1]!.length : segment;
    const f = glu(g.node('Add', [xf, skip.f]), skip.channels, skip.bins * frames, true);
    const t = glu(g.node('Add', [xt, skip.t]), skip.channels, skip.length, false);
    macs += fOut * outBins * frames * skip.channels * 8 + tOut * outLength * skip.channels * 8;
    xf = g.node('ConvTranspose', [f, weights([skip.channels, fOut, 8, 1], skip.channels * 2), zeros(fOut)], {
      kernel_shape: [8, 1],
      strides: [4, 1],
      pads: [2, 0, 2, 0],
      dilations: [1, 1],
    });
    // As HDecLayer: transposed conv without padding (4L + 4 samples), cropped to the skip's length.
    const wide = g.node('ConvTranspose', [t, weights([skip.channels, tOut, 8], skip.channels * 2), zeros(tOut)], {
      kernel_shape: [8],
      strides: [4],
      dilations: [1],
    });
    xt = g.node('Slice', [wide, g.ints([2]), g.ints([2 + outLength]), g.ints([2])]);
    if (level > 0) {
      xf = g.node('Relu', [xf]);
      xt = g.node('Relu', [xt]);
    }
  }
  g.node('Reshape', [xf, g.ints([1, stems, 4, nFft / 2, frames])], {}, [outputs.frequency.name]);
  g.node('Reshape', [xt, g.ints([1, stems, 2, segment])], {}, [outputs.time.name]);
  g.output(outputs.frequency.name, outputs.frequency.shape);
  g.output(outputs.time.name, outputs.time.shape);
  return { bytes: g.encode(), parameters: g.parameters, macs };
}
