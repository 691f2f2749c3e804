// Quick: the built-in separator that needs no model download. Pure DSP behind the `Separator`
// interface, so a fresh install separates offline at once: harmonic/percussive separation by
// median filtering of the STFT power (Fitzgerald 2010) for drums, harmonic energy below a
// crossover for bass and centre-panned harmonic energy in the vocal range for vocals, both taken
// from the centre channel, and the rest of the mix as other (masks.ts, frame-stream.ts). It
// streams through the track frame by frame and hands out segments, so memory stays bounded
// whatever the track's length.

import { stagedProgress } from '../../protocol/progress.ts';
import { SfaError, throwIfAborted } from '../../protocol/errors.ts';
import type { PlanarAudio, SeparateOptions, SeparationResult, SeparationStage, Separator, StemName } from '../types.ts';
import { bandLayout } from './bands.ts';
import { createCheckpoint } from '../../protocol/checkpoint.ts';
import { FrameStream } from './frame-stream.ts';
import { DEFAULT_TUNING, QuickMaskModel } from './masks.ts';
import { planStems, QUICK_STEMS } from './stem-plan.ts';

export interface QuickSeparatorOptions {
  /** Length of the stretches streamed to `onChunk` and counted by progress, seconds (default 6). */
  segmentSec?: number;
}

/** FFT size for a sample rate: the power of two nearest 2048 at 44.1 kHz (46 ms), so bins and hops keep their width in Hz and ms. */
export function quickFftSize(sampleRate: number): number {
  const size = 2 ** Math.round(Math.log2((2048 * sampleRate) / 44_100));
  return Math.min(16_384, Math.max(64, size));
}

/** Audio rendered between checkpoints: about 5 ms of work per channel pair. */
const SLICE_SEC = 0.75;

function checkInput({ channels, sampleRate }: PlanarAudio): void {
  if (channels.length < 1) throw new SfaError('bad-request', 'separation needs at least one channel');
  const length = channels[0]!.length;
  if (channels.some((c) => c.length !== length)) throw new SfaError('bad-request', 'the channels differ in length');
  if (!(Number.isFinite(sampleRate) && sampleRate > 0)) {
    throw new SfaError('bad-request', `the sample rate must be a positive number, got ${sampleRate}`);
  }
}

/**
 * Channels in pairs (0-1, 2-3, ...), a last odd one alone: each pair is separated as a stereo
 * image (its centre is what the vocal masks look for), a lone channel as mono. Stereo is one
 * pair, mono one channel; for 5.1 this pairs front L-R, centre-LFE and the surrounds.
 */
function channelGroups(count: number): number[][] {
  const groups: number[][] = [];
  for (let c = 0; c < count; c += 2) groups.push(c + 1 < count ? [c, c + 1] : [c]);
  return groups;
}

/**
 * The Quick separator. `separate` takes audio at any sample rate (it works at the input's rate)
 * and any channel count (see `channelGroups`), and gives stems of the input's rate, channel
 * count and length: 'vocals', 'drums', 'bass', 'other' (the default set, summing to the mix to
 * float32 rounding) and the virtual 'instrumental' (mix - vocals). Throws SfaError 'bad-request'
 * for an unknown stem or malformed input and 'aborted' when the signal fires.
 */
export function createQuickSeparator(options: QuickSeparatorOptions = {}): Separator {
  const segmentSec = options.segmentSec ?? 6;
  if (!(segmentSec > 0)) throw new RangeError(`segmentSec must be positive, got ${segmentSec}`);
  return {
    id: 'quick',
    stems: [...QUICK_STEMS, 'instrumental'],
    defaultStems: QUICK_STEMS,
    separate: (input, separateOptions = {}) => separate(input, separateOptions, segmentSec),
  };
}

async function separate(input: PlanarAudio, options: SeparateOptions, segmentSec: number): Promise<SeparationResult> {
  const { signal, onProgress, onChunk, collect = true } = options;
  checkInput(input);
  const plan = planStems(options.stems);
  if (options.resume) {
    throw new SfaError('bad-request', 'Quick does not resume from a checkpoint: start it again (it runs in seconds)');
  }
  throwIfAborted(signal);
  const { sampleRate, channels } = input;
  const length = channels[0]!.length;
  const fftSize = quickFftSize(sampleRate);
  const hop = fftSize / 2;
  const segmentLength = hop * Math.max(1, Math.round((segmentSec * sampleRate) / hop));
  const segments = Math.ceil(length / segmentLength);
  const sliceLength = hop * Math.max(1, Math.round((SLICE_SEC * sampleRate) / hop));

  let done = 0;
  let etaSec: number | undefined;
  const progress = stagedProgress<SeparationStage>({ prepare: 0.01, separate: 0.98, finish: 0.01 }, (p) =>
    onProgress?.({ ...p, segment: done, segments, ...(etaSec === undefined ? {} : { etaSec }) }),
  );
  progress.report('prepare', 0);

  const bands = bandLayout(sampleRate, fftSize);
  const groups = channelGroups(channels.length).map((group) => {
    const model = new QuickMaskModel(bands, DEFAULT_TUNING, group.length === 1);
    const stream = new FrameStream(
      group.map((c) => channels[c]!),
      { fftSize, syntheses: plan.syntheses, model, bands },
    );
    return { group, stream };
  });
  const collected = {} as Record<StemName, Float32Array[]>;
  if (collect) for (const stem of plan.requested) collected[stem] = channels.map(() => new Float32Array(length));
  // Without onChunk, synthesised stems are written straight into the collected ones.
  const direct = collect && !onChunk;

  // Quick's blocks are larger than the analysis loops' units: a 50 ms slice.
  const checkpoint = createCheckpoint(signal, 50);
  const started = performance.now();
  for (let start = 0; start < length; start += segmentLength) {
    const end = Math.min(length, start + segmentLength);
    const segment = (stem: StemName) =>
      channels.map((_, c) => (direct && collected[stem]?.[c]?.subarray(start, end)) || new Float32Array(end - start));
    const stems = {} as Record<StemName, Float32Array[]>;
    for (const stem of plan.requested) stems[stem] = segment(stem);
    // By mask index: the synthesised stems, requested or not (vocals for the instrumental).
    const synthesised = QUICK_STEMS.map((stem, index) =>
      plan.synthesised.includes(index) ? (stems[stem] ?? segment(stem)) : undefined,
    );
    for (let from = start; from < end; from += sliceLength) {
      const to = Math.min(end, from + sliceLength);
      for (const { group, stream } of groups) {
        stream.render(
          from,
          to,
          synthesised.map((stem) => stem && group.map((c) => stem[c]!.subarray(from - start))),
        );
        if (groups.length > 1) await checkpoint();
      }
      // While the slice is still in cache.
      deriveStems(plan.requested, stems, synthesised, channels, start, from - start, to - start);
      await checkpoint();
    }
    if (collect && !direct) {
      for (const stem of plan.requested) stems[stem]!.forEach((samples, c) => collected[stem]![c]!.set(samples, start));
    }
    if (onChunk) await onChunk({ startFrame: start, stems });
    done++;
    etaSec = ((performance.now() - started) / 1000 / done) * (segments - done);
    progress.report('separate', done / segments);
  }
  throwIfAborted(signal);
  etaSec = 0;
  progress.done('finish');
  return { sampleRate, stems: collect ? collected : ({} as Record<StemName, Float32Array[]>) };
}

/**
 * Fills 'other' (mix - vocals - drums - bass) and 'instrumental' (mix - vocals), where requested,
 * over [from, to) of a segment that starts at `start` in the track.
 */
function deriveStems(
  requested: readonly StemName[],
  stems: Record<StemName, Float32Array[]>,
  synthesised: readonly (Float32Array[] | undefined)[],
  channels: readonly Float32Array[],
  start: number,
  from: number,
  to: number,
): void {
  const [vocals, drums, bass] = synthesised;
  channels.forEach((channel, c) => {
    const mix = channel.subarray(start);
    const v = vocals?.[c];
    if (requested.includes('instrumental')) {
      const out = stems.instrumental![c]!;
      for (let i = from; i < to; i++) out[i] = mix[i]! - v![i]!;
    }
    if (requested.includes('other')) {
      const out = stems.other![c]!;
      const d = drums![c]!;
      const b = bass![c]!;
      for (let i = from; i < to; i++) out[i] = mix[i]! - v![i]! - d[i]! - b[i]!;
    }
  });
}
