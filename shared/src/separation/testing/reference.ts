// Independent, plain float64 versions of what the engine does, written straight from the
// reference code for the tests to compare against: demucs's apply_model (TensorChunk padding,
// triangle weights, center_trim), HTDemucs._spec / _ispec with torch.stft / istft semantics, and
// UVR's MDX-Net STFT. Direct DFTs, whole arrays, no streaming: slow, and obviously right.

export type Stereo = [Float64Array, Float64Array];

/** numpy.pad(x, (left, right), mode='reflect'). */
export function reflectPad(x: Float64Array, left: number, right: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(left + n + right);
  for (let i = 0; i < out.length; i++) {
    let j = i - left;
    while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
    out[i] = x[j]!;
  }
  return out;
}

function hann(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
}

/** torch.stft(x, nFft, hop, window=hann, center=True, pad_mode='reflect'): frames of nFft/2+1 bins. */
export function torchStft(
  x: Float64Array,
  nFft: number,
  hop: number,
  normalized: boolean,
): { re: Float64Array; im: Float64Array }[] {
  const padded = reflectPad(x, nFft / 2, nFft / 2);
  const window = hann(nFft);
  const frames = 1 + Math.floor(x.length / hop);
  const scale = normalized ? 1 / Math.sqrt(nFft) : 1;
  const bins = nFft / 2 + 1;
  const cos = Float64Array.from({ length: nFft }, (_, n) => Math.cos((2 * Math.PI * n) / nFft));
  const sin = Float64Array.from({ length: nFft }, (_, n) => Math.sin((2 * Math.PI * n) / nFft));
  const out = [];
  for (let t = 0; t < frames; t++) {
    const re = new Float64Array(bins);
    const im = new Float64Array(bins);
    for (let k = 0; k < bins; k++) {
      for (let n = 0; n < nFft; n++) {
        const v = padded[t * hop + n]! * window[n]!;
        const phase = (k * n) % nFft;
        re[k]! += v * cos[phase]!;
        im[k]! -= v * sin[phase]!;
      }
      re[k]! *= scale;
      im[k]! *= scale;
    }
    out.push({ re, im });
  }
  return out;
}

/** torch.istft(z, nFft, hop, window=hann, center=True, length): the imaginary parts of DC and Nyquist are ignored. */
export function torchIstft(
  frames: { re: Float64Array; im: Float64Array }[],
  nFft: number,
  hop: number,
  normalized: boolean,
  length: number,
): Float64Array {
  const window = hann(nFft);
  const full = new Float64Array(nFft + hop * (frames.length - 1));
  const envelope = new Float64Array(full.length);
  const scale = normalized ? Math.sqrt(nFft) : 1;
  const cos = Float64Array.from({ length: nFft }, (_, n) => Math.cos((2 * Math.PI * n) / nFft));
  const sin = Float64Array.from({ length: nFft }, (_, n) => Math.sin((2 * Math.PI * n) / nFft));
  frames.forEach(({ re, im }, t) => {
    for (let n = 0; n < nFft; n++) {
      let v = re[0]! + re[nFft / 2]! * (n % 2 === 0 ? 1 : -1);
      for (let k = 1; k < nFft / 2; k++) {
        const phase = (k * n) % nFft;
        v += 2 * (re[k]! * cos[phase]! - im[k]! * sin[phase]!);
      }
      full[t * hop + n]! += (v / nFft) * scale * window[n]!;
      envelope[t * hop + n]! += window[n]! ** 2;
    }
  });
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const j = i + nFft / 2;
    if (j < full.length) out[i] = full[j]! / envelope[j]!;
  }
  return out;
}

/** HTDemucs._spec for one channel: frames 2 .. 2+le of the normalised STFT, Nyquist dropped. */
export function htdemucsSpec(x: Float64Array, nFft: number): { re: Float64Array; im: Float64Array }[] {
  const hop = nFft / 4;
  const le = Math.ceil(x.length / hop);
  const pad = (hop / 2) * 3;
  const padded = reflectPad(x, pad, pad + le * hop - x.length);
  return torchStft(padded, nFft, hop, true)
    .slice(2, 2 + le)
    .map(({ re, im }) => ({ re: re.slice(0, nFft / 2), im: im.slice(0, nFft / 2) }));
}

/** HTDemucs._ispec for one channel. */
export function htdemucsIspec(z: { re: Float64Array; im: Float64Array }[], nFft: number, length: number): Float64Array {
  const hop = nFft / 4;
  const zero = () => ({ re: new Float64Array(nFft / 2 + 1), im: new Float64Array(nFft / 2 + 1) });
  const withNyquist = z.map(({ re, im }) => {
    const frame = zero();
    frame.re.set(re);
    frame.im.set(im);
    return frame;
  });
  const frames = [zero(), zero(), ...withNyquist, zero(), zero()];
  const pad = (hop / 2) * 3;
  const le = hop * Math.ceil(length / hop) + 2 * pad;
  return torchIstft(frames, nFft, hop, true, le).slice(pad, pad + length);
}

/** demucs apply_model(split=True, shifts=0) for a model taking and giving whole segments. */
export function applyModel(
  mix: Stereo,
  segment: number,
  overlap: number,
  model: (input: Stereo) => Stereo[],
): Stereo[] {
  const length = mix[0].length;
  const stride = Math.floor((1 - overlap) * segment);
  const half = Math.floor(segment / 2);
  const weight = Float64Array.from({ length: segment }, (_, i) => (i < half ? i + 1 : segment - i));
  const maxWeight = Math.max(...weight);
  weight.forEach((w, i) => (weight[i] = w / maxWeight));
  let out: Stereo[] | undefined;
  const sumWeight = new Float64Array(length);
  for (let offset = 0; offset < length; offset += stride) {
    const chunkLength = Math.min(length - offset, segment);
    // TensorChunk(mix, offset, segment).padded(segment)
    const delta = segment - chunkLength;
    const start = offset - Math.floor(delta / 2);
    const input = mix.map((channel) =>
      Float64Array.from({ length: segment }, (_, i) =>
        start + i >= 0 && start + i < length ? channel[start + i]! : 0,
      ),
    ) as Stereo;
    const result = model(input);
    out ??= result.map(() => [new Float64Array(length), new Float64Array(length)] as Stereo);
    // center_trim(result, chunkLength)
    const trim = Math.floor((segment - chunkLength) / 2);
    result.forEach((stem, s) =>
      stem.forEach((channel, c) => {
        for (let i = 0; i < chunkLength; i++) out![s]![c]![offset + i]! += weight[i]! * channel[trim + i]!;
      }),
    );
    for (let i = 0; i < chunkLength; i++) sumWeight[offset + i]! += weight[i]!;
  }
  for (const stem of out!) for (const channel of stem) channel.forEach((v, i) => (channel[i] = v / sumWeight[i]!));
  return out!;
}

/** An htdemucs whose frequency branch multiplies by `masks[stem][bin]` and time branch by `timeGains`. */
export function htdemucsMaskModel(masks: Float32Array[], timeGains: number[], nFft: number) {
  return (input: Stereo): Stereo[] => {
    const specs = input.map((channel) => htdemucsSpec(channel, nFft));
    return masks.map(
      (mask, s) =>
        specs.map((spec, c) => {
          const masked = spec.map(({ re, im }) => ({
            re: re.map((v, f) => v * mask[f]!),
            im: im.map((v, f) => v * mask[f]!),
          }));
          const freq = htdemucsIspec(masked, nFft, input[c]!.length);
          return freq.map((v, i) => v + timeGains[s]! * input[c]![i]!);
        }) as Stereo,
    );
  };
}

/** UVR's MDX-Net run around a model multiplying the spectrogram by `mask[bin]`: the primary stem. */
export function mdxMaskModel(mask: Float32Array, nFft: number, hop: number, compensation: number) {
  return (input: Stereo): Stereo[] => [
    input.map((channel) => {
      const frames = torchStft(channel, nFft, hop, false).map(({ re, im }) => ({
        re: re.map((v, f) => (f < 3 || f >= mask.length ? 0 : v * mask[f]!)),
        im: im.map((v, f) => (f < 3 || f >= mask.length ? 0 : v * mask[f]!)),
      }));
      return torchIstft(frames, nFft, hop, false, channel.length).map((v) => v * compensation);
    }) as Stereo,
  ];
}

export function toStereo64(channels: readonly Float32Array[]): Stereo {
  return [Float64Array.from(channels[0]!), Float64Array.from(channels[1] ?? channels[0]!)];
}
