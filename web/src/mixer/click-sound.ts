// The metronome's click, one formula for the track player's click track (an AudioBuffer) and
// the mixer's worklet (sample by sample): a sine burst with a 0.5 ms attack and an 8 ms decay
// (no DC, no pop), higher and louder on a downbeat.

export const CLICK_SEC = 0.03;

/** The click's sample `age` frames after it starts (0 outside its CLICK_SEC). */
export function clickSample(age: number, sampleRate: number, accent: boolean): number {
  if (age < 0 || age >= Math.round(CLICK_SEC * sampleRate)) return 0;
  const frequency = accent ? 1600 : 1000;
  const gain = accent ? 1 : 0.6;
  const t = age / sampleRate;
  return gain * Math.min(1, age / (sampleRate * 0.0005)) * Math.exp(-t / 0.008) * Math.sin(2 * Math.PI * frequency * t);
}
