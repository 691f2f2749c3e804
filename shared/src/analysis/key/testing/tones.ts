// Test signals for key detection: harmonic tones (a sawtooth-like 1/h series with a gentle
// decay) at MIDI pitches on a grid detuned by a known number of cents.

export interface ToneNote {
  midi: number;
  startSec: number;
  durationSec: number;
  gain?: number;
}

/** Frequency of MIDI note `midi` when A4 sits `tuningCents` away from 440 Hz. */
export function midiToHz(midi: number, tuningCents = 0): number {
  return 440 * 2 ** ((midi - 69) / 12 + tuningCents / 1200);
}

/** Mono signal of `durationSec` holding `notes`, each with `harmonics` partials of amplitude 1/h. */
export function renderTones(
  notes: readonly ToneNote[],
  durationSec: number,
  sampleRate: number,
  tuningCents = 0,
  harmonics = 6,
): Float32Array {
  const out = new Float32Array(Math.round(durationSec * sampleRate));
  for (const note of notes) {
    const f0 = midiToHz(note.midi, tuningCents);
    const start = Math.round(note.startSec * sampleRate);
    const end = Math.min(out.length, start + Math.round(note.durationSec * sampleRate));
    const fade = Math.round(0.01 * sampleRate);
    for (let i = start; i < end; i++) {
      const t = (i - start) / sampleRate;
      const edge = Math.min(1, (i - start) / fade, (end - i) / fade);
      let v = 0;
      for (let h = 1; h <= harmonics && h * f0 < 0.45 * sampleRate; h++) v += Math.sin(2 * Math.PI * h * f0 * t) / h;
      out[i]! += 0.15 * (note.gain ?? 1) * edge * Math.exp(-0.5 * t) * v;
    }
  }
  return out;
}

/** Block chords: each chord (MIDI notes) held for `chordSec`, one after another. */
export function chordNotes(chords: readonly (readonly number[])[], chordSec: number): ToneNote[] {
  return chords.flatMap((chord, i) =>
    chord.map((midi) => ({ midi, startSec: i * chordSec, durationSec: chordSec - 0.02 })),
  );
}
