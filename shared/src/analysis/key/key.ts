// The key of a track. Stages: mono at 5.5-11 kHz -> spectral peaks of 0.74 s windows, half overlapping
// -> tuning from where the peaks fall between semitones -> chroma on that tuned grid, for the
// whole track and for its opening -> the best of the 24 keys (scoring.ts).

import type { KeyAnalysis } from '../types.ts';
import { monoAtRateInSlices, type MonoSignal } from '../mono.ts';
import { camelotCode, keyName } from './camelot.ts';
import { trackChroma } from './chroma.ts';
import { Cooperative, type CooperativeOptions, type Stage } from './cooperative.ts';
import { openingPeaks } from './opening.ts';
import { DEFAULT_PEAK_OPTIONS, PeakPicker } from './peaks.ts';
import { bestKey } from './scoring.ts';
import { estimateTuning, wrapCents } from './tuning.ts';

/** Decimate to the lowest rate at or above this: keeps everything up to 2.1 kHz, the top of the chroma range. */
export const KEY_MIN_SAMPLE_RATE = 5000;
/** Share of detectKey's progress spent decimating; it costs several times the rest. */
const DECIMATION_SHARE = 0.8;

export type KeyOptions = CooperativeOptions;

/**
 * Key, mode and tuning of a track. `channels` are the track's channels at `sampleRate` Hz (any
 * number, equal lengths). Yields to the event loop every ~30 ms of work; throws an `aborted`
 * SfaError when `signal` fires, and a RangeError for a sample rate that is not a positive number.
 * Silence and atonal audio give confidence 0 (and read as C major).
 */
export async function detectKey(
  channels: readonly Float32Array[],
  sampleRate: number,
  options: KeyOptions = {},
): Promise<KeyAnalysis> {
  if (!(sampleRate > 0 && Number.isFinite(sampleRate))) throw new RangeError(`Bad sample rate: ${sampleRate}`);
  const work = new Cooperative(options);
  const decimation = work.stage(0, DECIMATION_SHARE);
  await decimation.pause();
  const mono = await monoAtRateInSlices(channels, sampleRate, KEY_MIN_SAMPLE_RATE, (fraction) => {
    decimation.progress(fraction);
    return decimation.pause();
  });
  const result = await keyOfMono(mono, work.stage(DECIMATION_SHARE, 1));
  work.progress(1);
  return result;
}

/**
 * `detectKey` on a track already mixed down and decimated (`monoAtRate`): the analysis engine
 * decimates once for every analysis. The rate should be 5-22 kHz; lower rates lose the top of the
 * chroma range, higher ones only cost time.
 */
export async function detectKeyInMono(mono: MonoSignal, options: KeyOptions = {}): Promise<KeyAnalysis> {
  const work = new Cooperative(options);
  const result = await keyOfMono(mono, work.stage(0, 1));
  work.progress(1);
  return result;
}

async function keyOfMono({ samples, sampleRate }: MonoSignal, stage: Stage): Promise<KeyAnalysis> {
  await stage.pause();
  const picker = new PeakPicker(samples, sampleRate, DEFAULT_PEAK_OPTIONS);
  for (let frame = 0; frame < picker.frameCount; frame++) {
    picker.pickFrame(frame);
    stage.progress((0.95 * (frame + 1)) / picker.frameCount);
    await stage.pause();
  }
  const peaks = picker.result();
  const opening = openingPeaks(samples, sampleRate, DEFAULT_PEAK_OPTIONS);
  await stage.pause();

  const tuningCents = estimateTuning(peaks);
  const { tonic, mode, confidence } = bestKey({
    track: trackChroma(peaks, tuningCents),
    opening: trackChroma(opening, tuningCents),
    soundingFrames: peaks.soundingFrames,
  });
  return {
    tonic,
    mode,
    confidence: Math.round(confidence * 1000) / 1000,
    // Rounding may land on -50.0, which the (-50, 50] range spells +50.
    tuningCents: wrapCents(Math.round(tuningCents * 10) / 10),
    name: keyName(tonic, mode),
    camelot: camelotCode(tonic, mode),
  };
}
