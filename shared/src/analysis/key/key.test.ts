// detectKey end to end: chords and scales in known keys, detuned ones, silence and noise,
// cancellation, progress and yielding to the event loop (corpus songs: key-corpus.test.ts).
import { describe, expect, it } from 'vitest';
import { monoAtRate } from '../mono.ts';
import { isAbortError } from '../../protocol/errors.ts';
import { detectKey, detectKeyInMono, KEY_MIN_SAMPLE_RATE } from './key.ts';
import { chordNotes, renderTones, type ToneNote } from './testing/tones.ts';

const RATE = 44100;

/** I-IV-V-I (harmonic-minor V in minor) in root position over the root in the bass, 2 s a chord. */
function cadence(tonic: number, minor: boolean): ToneNote[] {
  const third = minor ? 3 : 4;
  const chord = (root: number, quality: number) => [36 + root, 60 + root, 60 + root + quality, 67 + root];
  return chordNotes([chord(tonic, third), chord(tonic + 5, third), chord(tonic + 7, 4), chord(tonic, third)], 2);
}

/** Up and down an octave from the tonic, 0.4 s a note. */
function scale(tonic: number, steps: number[]): ToneNote[] {
  return [...steps, 12, ...steps.toReversed()].map((step, i) => ({
    midi: 60 + tonic + step,
    startSec: i * 0.4,
    durationSec: 0.38,
  }));
}

describe('detectKey', () => {
  it('names triads, cadences and scales in known keys, detuned or not', async () => {
    const cases: [notes: ToneNote[], durationSec: number, cents: number, name: string, camelot: string][] = [
      [chordNotes([[40, 64, 68, 71]], 4), 4, 0, 'E major', '12B'],
      [cadence(2, false), 8, 0, 'D major', '10B'],
      [cadence(6, true), 8, 20, 'F# minor', '11A'],
      [cadence(10, false), 8, -30, 'Bb major', '6B'],
      [scale(3, [0, 2, 4, 5, 7, 9, 11]), 6.4, 0, 'Eb major', '5B'],
      [scale(1, [0, 2, 3, 5, 7, 8, 11]), 6.4, 0, 'C# minor', '12A'],
    ];
    // At 22.05 kHz: rendering is most of this test's time, and detectKey takes any rate.
    for (const [notes, durationSec, cents, name, camelot] of cases) {
      const key = await detectKey([renderTones(notes, durationSec, RATE / 2, cents)], RATE / 2);
      expect(key, name).toMatchObject({ name, camelot });
      expect(Math.abs(key.tuningCents - cents), name).toBeLessThan(3);
      expect(key.confidence).toBeGreaterThan(0.3);
      expect(key.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('gives silence, noise and nothing at all confidence 0 and a defined key', async () => {
    let seed = 11;
    const noise = Float32Array.from({ length: RATE * 5 }, () => {
      seed = (seed * 16807) % 2147483647;
      return 0.5 * (seed / 2147483647 - 0.5);
    });
    const silent = { tonic: 0, mode: 'major', confidence: 0, tuningCents: 0, name: 'C major', camelot: '8B' };
    expect(await detectKey([new Float32Array(RATE * 5), new Float32Array(RATE * 5)], RATE)).toEqual(silent);
    expect(await detectKey([], RATE)).toEqual(silent);
    expect(await detectKey([new Float32Array(10)], RATE)).toEqual(silent);
    expect(await detectKey([noise], RATE)).toMatchObject({ confidence: 0 });
  });

  it('gives the same result from a shared decimated signal', async () => {
    const samples = renderTones(cadence(9, true), 8, RATE);
    const mono = monoAtRate([samples], RATE, KEY_MIN_SAMPLE_RATE);
    expect(await detectKeyInMono(mono)).toEqual(await detectKey([samples], RATE));
  });

  it('stops with an aborted error when cancelled, before or during the work', async () => {
    const samples = renderTones(cadence(0, false), 8, RATE);
    const channels = Array.from({ length: 8 }, () => samples); // 8 channels: long enough to cancel midway
    await expect(detectKey(channels, RATE, { signal: AbortSignal.abort() })).rejects.toSatisfy(isAbortError);
    const controller = new AbortController();
    const progress: number[] = [];
    const run = detectKey(channels, RATE, {
      signal: controller.signal,
      onProgress: (fraction) => {
        progress.push(fraction);
        controller.abort();
      },
    });
    await expect(run).rejects.toSatisfy(isAbortError);
    expect(progress).toHaveLength(1);
    expect(progress[0]).toBeLessThan(1);
  });

  it('reports progress that never decreases and ends at 1, and lets timers run meanwhile', async () => {
    // A minute of stereo: several hundred milliseconds of work.
    const minute = renderTones(cadence(4, false), 8, RATE);
    const long = new Float32Array(RATE * 60);
    for (let offset = 0; offset < long.length; offset += minute.length)
      long.set(minute.subarray(0, long.length - offset), offset);
    let ticks = 0;
    let ticking = true;
    const tick = () => {
      ticks++;
      if (ticking) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    const progress: number[] = [];
    const started = performance.now();
    const key = await detectKey([long, long], RATE, { onProgress: (fraction) => progress.push(fraction) });
    const elapsedMs = performance.now() - started;
    ticking = false;
    expect(key.name).toBe('E major');
    expect(progress.length).toBeGreaterThan(5);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1]!);
    expect(progress.at(-1)).toBe(1);
    // A timer gets a turn at every yield, and detectKey yields every ~30 ms of work.
    expect(ticks).toBeGreaterThanOrEqual(Math.max(1, Math.floor(elapsedMs / 150)));
  });
});
