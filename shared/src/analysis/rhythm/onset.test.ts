import { describe, expect, it } from 'vitest';
import { computeOnsetEnvelope } from './onset.ts';

const SAMPLE_RATE = 44100;

/** Short 2 kHz blips (5 ms decay) every 60 / bpm seconds from `firstSec`. */
function clickTrack(bpm: number, durationSec: number, firstSec = 0.25): { samples: Float32Array; clicksSec: number[] } {
  const samples = new Float32Array(Math.round(durationSec * SAMPLE_RATE));
  const clicksSec: number[] = [];
  for (let t = firstSec; t < durationSec - 0.1; t += 60 / bpm) {
    clicksSec.push(t);
    const start = Math.round(t * SAMPLE_RATE);
    for (let i = 0; i < 0.03 * SAMPLE_RATE; i++) {
      samples[start + i] = Math.sin((2 * Math.PI * 2000 * i) / SAMPLE_RATE) * Math.exp(-i / (0.005 * SAMPLE_RATE));
    }
  }
  return { samples, clicksSec };
}

/** Frames that are the largest within ±5 frames and above `floor`. */
function peaks(values: Float32Array, floor: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    let isPeak = values[i]! > floor;
    for (let k = Math.max(0, i - 5); isPeak && k <= Math.min(values.length - 1, i + 5); k++) {
      if (values[k]! > values[i]! || (values[k] === values[i] && k < i)) isPeak = false;
    }
    if (isPeak) out.push(i);
  }
  return out;
}

describe('computeOnsetEnvelope', () => {
  it('peaks once per click, within a frame and a half of it, at about 86 frames a second', async () => {
    const { samples, clicksSec } = clickTrack(100, 6);
    const envelope = await computeOnsetEnvelope([samples], SAMPLE_RATE);
    expect(envelope.frameRate).toBeCloseTo(11025 / 128, 6);
    expect(Math.max(...envelope.values)).toBe(1);
    const found = peaks(envelope.values, 0.3).map((frame) => frame / envelope.frameRate);
    expect(found).toHaveLength(clicksSec.length);
    found.forEach((t, i) => expect(Math.abs(t - clicksSec[i]!)).toBeLessThan(1.5 / envelope.frameRate));
  });

  it('does not depend on the level of the recording', async () => {
    const { samples } = clickTrack(120, 4);
    const loud = await computeOnsetEnvelope([samples], SAMPLE_RATE);
    const quiet = await computeOnsetEnvelope([samples.map((v) => v * 0.05)], SAMPLE_RATE);
    let worst = 0;
    for (let i = 0; i < loud.values.length; i++) worst = Math.max(worst, Math.abs(loud.values[i]! - quiet.values[i]!));
    expect(worst).toBeLessThan(1e-3);
  });

  it('is all zero for silence, and empty for an empty signal', async () => {
    const silent = await computeOnsetEnvelope(
      [new Float32Array(SAMPLE_RATE), new Float32Array(SAMPLE_RATE)],
      SAMPLE_RATE,
    );
    expect(silent.values.length).toBe(Math.floor(11025 / 128) + 1);
    expect(silent.values.every((v) => v === 0)).toBe(true);
    expect((await computeOnsetEnvelope([new Float32Array(0)], SAMPLE_RATE)).values.length).toBe(0);
  });
});
