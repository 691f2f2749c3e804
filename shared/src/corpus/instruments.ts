// Synthesised instruments for the corpus: wavetable voices (bass, pads, plucks, a sung-vowel
// lead) and noise-based drums. Each writes into stereo buffers with an equal-power pan, so a
// stem is exactly the sum of its notes and the mix exactly the sum of its stems.

import type { Random } from './random.ts';

export type Stereo = [Float32Array, Float32Array];

const TABLE_SIZE = 4096;
const tableCache = new Map<string, Float32Array>();

/** One period of a waveform with the given harmonic amplitudes (index 0 = fundamental). */
function wavetable(key: string, amplitudes: (harmonic: number) => number, harmonics: number): Float32Array {
  const cacheKey = `${key}:${harmonics}`;
  const cached = tableCache.get(cacheKey);
  if (cached) return cached;
  const table = new Float32Array(TABLE_SIZE + 1);
  let peak = 0;
  for (let i = 0; i < TABLE_SIZE; i++) {
    let v = 0;
    for (let h = 1; h <= harmonics; h++) v += amplitudes(h) * Math.sin((2 * Math.PI * h * i) / TABLE_SIZE);
    table[i] = v;
    peak = Math.max(peak, Math.abs(v));
  }
  for (let i = 0; i < TABLE_SIZE; i++) table[i]! /= peak || 1;
  table[TABLE_SIZE] = table[0]!;
  tableCache.set(cacheKey, table);
  return table;
}

/** Spectral envelope of a sung "ah": three formant bumps over a falling slope. */
function vowelAmplitude(frequency: number): number {
  const bump = (f: number, centre: number, width: number) => Math.exp(-(((f - centre) / width) ** 2));
  return (
    (1 / (1 + frequency / 500)) *
    (0.3 + bump(frequency, 750, 150) + 0.6 * bump(frequency, 1150, 200) + 0.35 * bump(frequency, 2700, 300))
  );
}

export type Timbre = 'bass' | 'pad' | 'pluck' | 'voice';

interface Envelope {
  attackSec: number;
  releaseSec: number;
  /** Exponential decay rate per second during the note (0 = sustain). */
  decayPerSec: number;
}

const ENVELOPES: Record<Timbre, Envelope> = {
  bass: { attackSec: 0.005, releaseSec: 0.05, decayPerSec: 2.5 },
  pad: { attackSec: 0.04, releaseSec: 0.15, decayPerSec: 0.4 },
  pluck: { attackSec: 0.002, releaseSec: 0.08, decayPerSec: 7 },
  voice: { attackSec: 0.05, releaseSec: 0.08, decayPerSec: 0.2 },
};

function harmonicsFor(
  timbre: Timbre,
  frequency: number,
  sampleRate: number,
): { key: string; count: number; amp: (h: number) => number } {
  const limit = Math.max(1, Math.floor((0.45 * sampleRate) / frequency));
  switch (timbre) {
    case 'bass':
      return { key: 'bass', count: Math.min(limit, 6), amp: (h) => 1 / h ** 1.5 };
    case 'pad':
      return { key: 'pad', count: Math.min(limit, 10), amp: (h) => 1 / h ** 1.2 };
    case 'pluck':
      return { key: 'pluck', count: Math.min(limit, 12), amp: (h) => 1 / h };
    case 'voice': {
      // The formant envelope depends on the pitch, so the table is keyed by the rounded note.
      const note = Math.round(12 * Math.log2(frequency / 440));
      const f0 = 440 * 2 ** (note / 12);
      return { key: `voice${note}`, count: Math.min(limit, 24), amp: (h) => vowelAmplitude(h * f0) };
    }
  }
}

export interface Note {
  timbre: Timbre;
  startSec: number;
  durationSec: number;
  frequency: number;
  gain: number;
  /** -1 left .. 1 right. */
  pan: number;
}

function panGains(pan: number): [number, number] {
  const angle = ((pan + 1) * Math.PI) / 4;
  return [Math.cos(angle), Math.sin(angle)];
}

/** Adds a pitched note; the voice gets a delayed 5.5 Hz vibrato of +-30 cents. */
export function addNote(out: Stereo, sampleRate: number, note: Note): void {
  const env = ENVELOPES[note.timbre];
  const { key, count, amp } = harmonicsFor(note.timbre, note.frequency, sampleRate);
  const table = wavetable(key, amp, count);
  const start = Math.round(note.startSec * sampleRate);
  const held = Math.round(note.durationSec * sampleRate);
  const total = held + Math.round(env.releaseSec * sampleRate);
  const [gl, gr] = panGains(note.pan);
  const attack = Math.max(1, Math.round(env.attackSec * sampleRate));
  const release = Math.max(1, total - held);
  const decay = Math.exp(-env.decayPerSec / sampleRate);
  const [left, right] = out;
  let phase = 0;
  let level = 1;
  const vibratoStart = 0.15 * sampleRate;
  for (let i = 0; i < total; i++) {
    const at = start + i;
    if (at >= left.length) break;
    let increment = (note.frequency * TABLE_SIZE) / sampleRate;
    if (note.timbre === 'voice' && i > vibratoStart) {
      increment *= 2 ** ((30 / 1200) * Math.sin((2 * Math.PI * 5.5 * (i - vibratoStart)) / sampleRate));
    }
    phase += increment;
    if (phase >= TABLE_SIZE) phase -= TABLE_SIZE;
    if (at < 0) continue;
    const index = phase | 0;
    const frac = phase - index;
    const sample = table[index]! + frac * (table[index + 1]! - table[index]!);
    let envelope = level;
    if (i < attack) envelope *= i / attack;
    if (i >= held) envelope *= 1 - (i - held) / release;
    level *= decay;
    const v = sample * envelope * note.gain;
    left[at]! += v * gl;
    right[at]! += v * gr;
  }
}

export type Drum = 'kick' | 'snare' | 'hat' | 'crash';

/** Adds one drum hit at `startSec`. */
export function addDrum(
  out: Stereo,
  sampleRate: number,
  drum: Drum,
  startSec: number,
  gain: number,
  pan: number,
  random: Random,
): void {
  const start = Math.round(startSec * sampleRate);
  const lengthSec = { kick: 0.35, snare: 0.25, hat: 0.07, crash: 1.2 }[drum];
  const length = Math.round(lengthSec * sampleRate);
  const [gl, gr] = panGains(pan);
  const [left, right] = out;
  let phase = 0;
  let previousNoise = 0;
  let lowNoise = 0;
  for (let i = 0; i < length; i++) {
    const at = start + i;
    if (at >= left.length) break;
    const t = i / sampleRate;
    const noise = random.next() * 2 - 1;
    let v: number;
    switch (drum) {
      case 'kick':
        phase += (2 * Math.PI * (45 + 110 * Math.exp(-t * 35))) / sampleRate;
        v = Math.sin(phase) * Math.exp(-t * 9) + 0.3 * noise * Math.exp(-t * 300);
        break;
      case 'snare':
        phase += (2 * Math.PI * 190) / sampleRate;
        lowNoise += 0.5 * (noise - lowNoise);
        v = 0.5 * Math.sin(phase) * Math.exp(-t * 25) + 0.7 * lowNoise * Math.exp(-t * 16);
        break;
      case 'hat':
        // First difference twice: a crude high-pass that keeps the hiss above ~5 kHz.
        v = 0.8 * (noise - previousNoise) * Math.exp(-t * 60);
        break;
      case 'crash':
        v = 0.5 * (noise - previousNoise) * Math.exp(-t * 3.5);
        break;
    }
    previousNoise = noise;
    if (at < 0) continue;
    left[at]! += v * gain * gl;
    right[at]! += v * gain * gr;
  }
}
