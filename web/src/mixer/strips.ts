// A mixer's channel strips as numbers: dB faders, balance pan, mute and solo, the presets, and
// the linear left/right gain each stem ends up with. The audio worklet, the export worker and
// the page all use these, so what is heard and what is exported agree.
import type { StemName } from '@sfa/shared/separation/types';

export interface ChannelStrip {
  stem: StemName;
  /** Fader, dB; MIN_DB and below is silence. */
  gainDb: number;
  /** Balance, -1 (left) … 0 … 1 (right). */
  pan: number;
  muted: boolean;
  soloed: boolean;
}

/** The fader's bottom: at or below it the stem is silent ("-∞"). */
export const MIN_DB = -60;
export const MAX_DB = 12;

export function dbToGain(db: number): number {
  return db <= MIN_DB ? 0 : 10 ** (db / 20);
}

export function gainToDb(gain: number): number {
  return gain > 0 ? 20 * Math.log10(gain) : Number.NEGATIVE_INFINITY;
}

export function defaultStrip(stem: StemName): ChannelStrip {
  return { stem, gainDb: 0, pan: 0, muted: false, soloed: false };
}

/** Whether a stem is heard: not muted, and soloed when any stem is. */
export function audible(strips: readonly ChannelStrip[], stem: StemName): boolean {
  const strip = strips.find((s) => s.stem === stem);
  if (!strip || strip.muted) return false;
  return strips.some((s) => s.soloed) ? strip.soloed : true;
}

/**
 * Balance pan: the far side keeps unity, the near side falls along a quarter cosine to
 * silence at the extreme. A stereo stem keeps its image; hard left plays only its left channel.
 */
export function panGains(pan: number): [left: number, right: number] {
  const p = Math.min(1, Math.max(-1, pan));
  return [p > 0 ? Math.cos((p * Math.PI) / 2) : 1, p < 0 ? Math.cos((-p * Math.PI) / 2) : 1];
}

/** Each strip's linear [left, right] gain, with mute, solo, fader, pan and the master fader. */
export function stripGains(strips: readonly ChannelStrip[], masterDb: number): [number, number][] {
  const master = dbToGain(masterDb);
  return strips.map((strip) => {
    if (!audible(strips, strip.stem)) return [0, 0];
    const gain = dbToGain(strip.gainDb) * master;
    const [left, right] = panGains(strip.pan);
    return [gain * left, gain * right];
  });
}

export type MixPreset =
  'all' | 'karaoke' | 'a-cappella' | 'drumless' | 'bassless' | `all-but:${StemName}` | `only:${StemName}`;

/** The stem a preset leaves out or keeps alone, and whether it is possible with these stems. */
export function presetAvailable(preset: MixPreset, stems: readonly StemName[]): boolean {
  const needs: Partial<Record<MixPreset, StemName>> = {
    karaoke: 'vocals',
    'a-cappella': 'vocals',
    drumless: 'drums',
    bassless: 'bass',
  };
  const stem = needs[preset] ?? (preset.includes(':') ? (preset.split(':')[1] as StemName) : undefined);
  return stem === undefined || stems.includes(stem);
}

/** The strips with a preset's mutes applied (solos cleared; faders and pans kept). */
export function applyPreset(strips: readonly ChannelStrip[], preset: MixPreset): ChannelStrip[] {
  const silent = (stem: StemName): boolean => {
    switch (preset) {
      case 'all':
        return false;
      case 'karaoke':
        return stem === 'vocals';
      case 'a-cappella':
        return stem !== 'vocals';
      case 'drumless':
        return stem === 'drums';
      case 'bassless':
        return stem === 'bass';
      default: {
        const [kind, which] = preset.split(':') as ['all-but' | 'only', StemName];
        return kind === 'all-but' ? stem === which : stem !== which;
      }
    }
  };
  return strips.map((strip) => ({ ...strip, muted: silent(strip.stem), soloed: false }));
}

/**
 * Mixes one block: `out` (one array per output channel, 1 or 2) gets the sum of each stem's
 * channels times its gains. A mono stem feeds both sides; a stereo stem into a mono output is
 * averaged. `gains` are from `stripGains`, in the order of `stems`.
 */
export function mixBlock(
  stems: readonly (readonly Float32Array[])[],
  gains: readonly [number, number][],
  out: Float32Array[],
  from: number,
  length: number,
  offset = 0,
): void {
  for (const channel of out) channel.fill(0, offset, offset + length);
  stems.forEach((channels, s) => {
    const [gl, gr] = gains[s]!;
    if (gl === 0 && gr === 0) return;
    const left = channels[0]!;
    const right = channels[1] ?? left;
    if (out.length === 1) {
      const o = out[0]!;
      const g = (gl + gr) / 2;
      for (let i = 0; i < length; i++) o[offset + i]! += (g * (left[from + i]! + right[from + i]!)) / 2;
      return;
    }
    const ol = out[0]!;
    const or = out[1]!;
    for (let i = 0; i < length; i++) {
      ol[offset + i]! += gl * left[from + i]!;
      or[offset + i]! += gr * right[from + i]!;
    }
  });
}
