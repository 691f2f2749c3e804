// Chroma: the notes of a chord land in their pitch classes, on the grid of the given tuning.
import { describe, expect, it } from 'vitest';
import { midiPitch, trackChroma } from './chroma.ts';
import { PeakPicker } from './peaks.ts';
import { chordNotes, renderTones } from './testing/tones.ts';

const RATE = 5512.5;

function chromaOf(chords: number[][], renderCents: number, gridCents: number) {
  const samples = renderTones(chordNotes(chords, 1.5), 1.5 * chords.length, RATE, renderCents);
  const picker = new PeakPicker(samples, RATE);
  for (let f = 0; f < picker.frameCount; f++) picker.pickFrame(f);
  return trackChroma(picker.result(), gridCents);
}

/** The `count` pitch classes with the largest chroma values, ascending. */
const strongest = (chroma: Float64Array, count: number) =>
  [...chroma.keys()]
    .sort((a, b) => chroma[b]! - chroma[a]!)
    .slice(0, count)
    .sort((a, b) => a - b);

describe('trackChroma', () => {
  it('puts a D major triad over a D bass in D, F# and A', () => {
    const { treble, bass, tonalFrames } = chromaOf([[38, 62, 66, 69]], 0, 0);
    expect(strongest(treble, 3)).toEqual([2, 6, 9]);
    // The next strongest is a harmonic of a chord note, well below the notes themselves.
    expect(treble[strongest(treble, 4).find((pc) => ![2, 6, 9].includes(pc))!]).toBeLessThan(0.3);
    expect(strongest(bass, 1)).toEqual([2]);
    expect(Math.max(...treble)).toBe(1);
    expect(tonalFrames).toBeGreaterThan(0);
  });

  it('needs the tuning: a triad 45 cents sharp is only C, E, G on a grid that follows it', () => {
    expect(strongest(chromaOf([[60, 64, 67]], 45, 45).treble, 3)).toEqual([0, 4, 7]);
    // On the A = 440 grid every partial is nearly half a semitone off and may land a semitone up.
    expect(strongest(chromaOf([[60, 64, 67]], 45, 0).treble, 3)).not.toEqual([0, 4, 7]);
  });

  it('is empty for no peaks', () => {
    const picker = new PeakPicker(new Float32Array(RATE * 2), RATE);
    picker.pickFrame(0);
    const chroma = trackChroma(picker.result(), 0);
    expect([...chroma.treble, ...chroma.bass].every((v) => v === 0)).toBe(true);
    expect(chroma.tonalFrames).toBe(0);
  });

  it('maps frequencies to MIDI pitch on a tuned grid', () => {
    expect(midiPitch(440, 0)).toBeCloseTo(69, 9);
    expect(midiPitch(440 * 2 ** (30 / 1200), 30)).toBeCloseTo(69, 9);
    expect(midiPitch(261.6256, 0)).toBeCloseTo(60, 4);
  });
});
