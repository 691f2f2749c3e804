// Channel-strip arithmetic checked against hand-computed values.
import { describe, expect, it } from 'vitest';
import {
  applyPreset,
  audible,
  dbToGain,
  defaultStrip,
  gainToDb,
  MIN_DB,
  mixBlock,
  panGains,
  presetAvailable,
  stripGains,
  type ChannelStrip,
} from './strips.ts';

const four = (): ChannelStrip[] => (['vocals', 'drums', 'bass', 'other'] as const).map(defaultStrip);

describe('channel strips', () => {
  it('converts dB: -6.02 dB halves, the fader bottom is silence', () => {
    expect(dbToGain(-20 * Math.log10(2))).toBeCloseTo(0.5, 12);
    expect(dbToGain(0)).toBe(1);
    expect(dbToGain(MIN_DB)).toBe(0);
    expect(gainToDb(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(gainToDb(10)).toBeCloseTo(20, 12);
  });

  it('pans by balance: centre is unity both sides, hard left silences the right', () => {
    expect(panGains(0)).toEqual([1, 1]);
    expect(panGains(-1)[0]).toBe(1);
    expect(panGains(-1)[1]).toBeCloseTo(0, 12);
    expect(panGains(0.5)[0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(panGains(0.5)[1]).toBe(1);
    expect(panGains(7)).toEqual(panGains(1));
  });

  it('solo wins over the others, mute wins over solo', () => {
    const strips = four();
    strips[1]!.soloed = true;
    expect(strips.map((s) => audible(strips, s.stem))).toEqual([false, true, false, false]);
    strips[1]!.muted = true;
    expect(strips.map((s) => audible(strips, s.stem))).toEqual([false, false, false, false]);
    strips[1]!.muted = false;
    strips[2]!.soloed = true;
    expect(strips.map((s) => audible(strips, s.stem))).toEqual([false, true, true, false]);
  });

  it('combines fader, pan and master into linear gains', () => {
    const strips = four();
    strips[0]!.gainDb = -6;
    strips[0]!.pan = 1;
    strips[3]!.muted = true;
    const gains = stripGains(strips, -6);
    const half = 10 ** (-6 / 20);
    expect(gains[0]![0]).toBeCloseTo(0, 12);
    expect(gains[0]![1]).toBeCloseTo(half * half, 12);
    expect(gains[1]).toEqual([half, half]);
    expect(gains[3]).toEqual([0, 0]);
  });

  it('presets mute what they name and clear solos, keeping faders', () => {
    const strips = four();
    strips[2]!.soloed = true;
    strips[0]!.gainDb = -3;
    const muted = (preset: Parameters<typeof applyPreset>[1]) =>
      applyPreset(strips, preset)
        .filter((s) => s.muted)
        .map((s) => s.stem);
    expect(muted('karaoke')).toEqual(['vocals']);
    expect(muted('a-cappella')).toEqual(['drums', 'bass', 'other']);
    expect(muted('drumless')).toEqual(['drums']);
    expect(muted('bassless')).toEqual(['bass']);
    expect(muted('all-but:other')).toEqual(['other']);
    expect(muted('only:bass')).toEqual(['vocals', 'drums', 'other']);
    expect(muted('all')).toEqual([]);
    expect(applyPreset(strips, 'karaoke').some((s) => s.soloed)).toBe(false);
    expect(applyPreset(strips, 'karaoke')[0]!.gainDb).toBe(-3);
    expect(presetAvailable('karaoke', ['vocals', 'other'])).toBe(true);
    expect(presetAvailable('drumless', ['vocals', 'other'])).toBe(false);
    expect(presetAvailable('all-but:piano', ['vocals', 'other'])).toBe(false);
  });

  it('mixes mono and stereo stems into stereo and mono outputs', () => {
    const mono = [Float32Array.of(1, 2, 3)];
    const stereo = [Float32Array.of(1, 1, 1), Float32Array.of(-1, -1, -1)];
    const out = [new Float32Array(4), new Float32Array(4)];
    mixBlock(
      [mono, stereo],
      [
        [0.5, 0.25],
        [1, 2],
      ],
      out,
      1,
      2,
      1,
    );
    expect(Array.from(out[0]!)).toEqual([0, 2, 2.5, 0]);
    expect(Array.from(out[1]!)).toEqual([0, -1.5, -1.25, 0]);
    const monoOut = [new Float32Array(2)];
    mixBlock([stereo], [[1, 1]], monoOut, 0, 2);
    expect(Array.from(monoOut[0]!)).toEqual([0, 0]);
  });
});
