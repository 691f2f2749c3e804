// The stretcher through the package's real WASM: speed keeps a tone's pitch, +12 semitones
// doubles it, and the output stays locked to the source position (no drift across blocks).
import { describe, expect, it } from 'vitest';
import { createStretcher } from './stretch.ts';
import { zeroCrossingHz } from './test-tones.ts';

const RATE = 44_100;
const BLOCK = 128;

function tone(frequency: number, seconds: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < out.length; i++) out[i] = 0.5 * Math.sin((2 * Math.PI * frequency * i) / RATE);
  return out;
}

/** Plays `source` from 0 at `rate` and `semitones` as the mixer does, for `seconds` of output. */
async function play(source: Float32Array, rate: number, semitones: number, seconds: number): Promise<Float32Array> {
  const stretcher = await createStretcher(1, RATE);
  stretcher.setSemitones(semitones);
  const out = new Float32Array(Math.round(seconds * RATE));
  let position = 0;
  for (let offset = 0; offset + BLOCK <= out.length; offset += BLOCK) {
    const end = Math.round(position) + stretcher.lookAhead(rate);
    const [window] = stretcher.input();
    for (let i = 0; i < window!.length; i++) window![i] = source[end - window!.length + i] ?? 0;
    stretcher.render(rate, [out], offset, BLOCK);
    position += BLOCK * rate;
  }
  return out;
}

describe('stretcher', () => {
  const source = tone(440, 8);

  it('keeps the pitch at half and at 1.5x speed (within 1%)', async () => {
    for (const rate of [0.5, 1.5]) {
      const out = await play(source, rate, 0, 4);
      expect(zeroCrossingHz(out.subarray(RATE, 3 * RATE), RATE)).toBeCloseTo(440, -1);
      expect(Math.abs(zeroCrossingHz(out.subarray(RATE, 3 * RATE), RATE) / 440 - 1)).toBeLessThan(0.01);
    }
  });

  it('shifts by an octave up and down without changing the tempo', async () => {
    const up = zeroCrossingHz((await play(source, 1, 12, 3)).subarray(RATE, 2 * RATE), RATE);
    const down = zeroCrossingHz((await play(source, 1, -12, 3)).subarray(RATE, 2 * RATE), RATE);
    expect(Math.abs(up / 880 - 1)).toBeLessThan(0.01);
    expect(Math.abs(down / 220 - 1)).toBeLessThan(0.01);
  });

  it('stays locked to the source position: an onset comes out where the position says', async () => {
    // Silence, then a tone from 2.0 s; at half speed it must start 4.0 s into the output.
    const gated = new Float32Array(6 * RATE);
    gated.set(tone(440, 4), 2 * RATE);
    const out = await play(gated, 0.5, 0, 6);
    const onset = out.findIndex((x) => Math.abs(x) > 0.25);
    expect(Math.abs(onset / RATE - 4)).toBeLessThan(0.03);
  });
});
