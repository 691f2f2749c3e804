// A synthetic song for benchmarks: chords, a bass line and a kick, long enough to matter.
// Deterministic, so figures are comparable between runs.

/** Stereo float PCM of `durationSec` seconds at `sampleRate`. */
export function synthesiseSong(durationSec: number, sampleRate: number): [Float32Array, Float32Array] {
  const length = Math.round(durationSec * sampleRate);
  const left = new Float32Array(length);
  const right = new Float32Array(length);
  const beatSec = 60 / 120;
  const chords = [
    [220, 277.18, 329.63],
    [196, 246.94, 293.66],
    [174.61, 220, 261.63],
    [196, 246.94, 293.66],
  ];
  for (let i = 0; i < length; i++) {
    const t = i / sampleRate;
    const beat = t / beatSec;
    const chord = chords[Math.floor(beat / 4) % chords.length]!;
    const sinceBeat = (beat % 1) * beatSec;
    let pad = 0;
    for (const f of chord) pad += Math.sin(2 * Math.PI * f * t);
    const bass = Math.sin(2 * Math.PI * (chord[0]! / 2) * t) * Math.exp(-sinceBeat * 3);
    const kick = Math.sin(2 * Math.PI * (50 + 100 * Math.exp(-sinceBeat * 30)) * sinceBeat) * Math.exp(-sinceBeat * 12);
    left[i] = 0.12 * pad + 0.25 * bass + 0.35 * kick;
    right[i] = 0.1 * pad + 0.25 * bass + 0.35 * kick + 0.02 * Math.sin(2 * Math.PI * 3 * t);
  }
  return [left, right];
}
