// Renders one synthetic song with known tempo, beats, downbeats and key, and its four true
// stems (vocals, drums, bass, other). Analysis accuracy and separation quality are scored on
// these songs, so every choice here is about giving the truth exactly: the mix is the sum of
// the stems sample for sample, and the beat grid is the one the notes were placed on.

import type { Mode, TempoSegment } from '../analysis/types.ts';
import { addDrum, addNote, type Note, type Stereo } from './instruments.ts';
import { Random } from './random.ts';
import { layBeats, type TempoPlan } from './timeline.ts';

export const CORPUS_STEMS = ['vocals', 'drums', 'bass', 'other'] as const;
export type CorpusStem = (typeof CORPUS_STEMS)[number];

export interface SongSpec {
  seed: number;
  sampleRate: number;
  /** Length of the whole file, seconds. */
  durationSec: number;
  tempo: TempoPlan;
  beatsPerBar: 3 | 4;
  /** Pitch class of the tonic, 0 = C. */
  tonic: number;
  mode: Mode;
  /** 0 = straight eighths; 1/3 = triplet swing (the off-beat lands at 2/3 of the beat). */
  swing: number;
  drums: boolean;
  /** Silence before anything sounds, seconds. */
  leadSilenceSec: number;
  /** A free-time (rubato) intro of sustained chords before the beat starts, seconds. */
  rubatoIntroSec: number;
  /** The whole song detuned from A = 440 Hz, in cents. */
  tuningCents: number;
}

export interface SongTruth {
  /** Tempo at the first beat, BPM; see `curve` for songs whose tempo changes. */
  bpm: number;
  curve: TempoSegment[];
  tempoChanges: boolean;
  beatsPerBar: 3 | 4;
  /** Seconds from the start of the file. */
  beats: number[];
  downbeats: number[];
  tonic: number;
  mode: Mode;
  tuningCents: number;
  hasDrums: boolean;
  swing: number;
}

export interface RenderedSong {
  spec: SongSpec;
  sampleRate: number;
  /** Stereo mix, exactly the sum of the stems. */
  mix: Stereo;
  stems: Record<CorpusStem, Stereo>;
  truth: SongTruth;
}

const MAJOR = [0, 2, 4, 5, 7, 9, 11];
const NATURAL_MINOR = [0, 2, 3, 5, 7, 8, 10];
const MAJOR_PROGRESSIONS = [
  [0, 4, 5, 3],
  [0, 3, 4, 0],
  [0, 5, 3, 4],
  [0, 3, 0, 4],
];
const MINOR_PROGRESSIONS = [
  [0, 5, 2, 6],
  [0, 3, 4, 0],
  [0, 6, 5, 4],
  [0, 3, 6, 4],
];

/** Semitones above the tonic of a scale degree (any integer; octaves wrap). */
function degreeSemitones(mode: Mode, degree: number, raiseLeadingTone: boolean): number {
  const scale = mode === 'major' ? MAJOR : NATURAL_MINOR;
  const octave = Math.floor(degree / 7);
  const step = ((degree % 7) + 7) % 7;
  let semis = scale[step]!;
  // Minor songs use the harmonic-minor V chord (its raised third is the leading tone), as most
  // minor-key music does: it is also what tells a minor key from its relative major.
  if (raiseLeadingTone && mode === 'minor' && step === 6) semis += 1;
  return semis + 12 * octave;
}

/** Lowest MIDI note >= `floor` with pitch class `pc`. */
function noteAbove(pc: number, floor: number): number {
  return floor + ((((pc - floor) % 12) + 12) % 12);
}

export function renderSong(spec: SongSpec): RenderedSong {
  const random = new Random(spec.seed);
  const { sampleRate } = spec;
  const length = Math.round(spec.durationSec * sampleRate);
  const makeStereo = (): Stereo => [new Float32Array(length), new Float32Array(length)];
  const stems: Record<CorpusStem, Stereo> = {
    vocals: makeStereo(),
    drums: makeStereo(),
    bass: makeStereo(),
    other: makeStereo(),
  };
  const frequency = (midi: number) => 440 * 2 ** ((midi - 69) / 12 + spec.tuningCents / 1200);
  const jitter = () => random.gaussian() * 0.003;
  const play = (stem: CorpusStem, note: Note) => addNote(stems[stem], sampleRate, note);

  const rhythmStart = spec.leadSilenceSec + spec.rubatoIntroSec;
  // Leave room for the last notes to ring out inside the file.
  const { beats: allBeats, curve } = layBeats(spec.tempo, rhythmStart, spec.durationSec - 0.5);
  const bars = Math.floor(allBeats.length / spec.beatsPerBar);
  const beats = allBeats.slice(0, bars * spec.beatsPerBar + 1);
  const progression = random.pick(spec.mode === 'major' ? MAJOR_PROGRESSIONS : MINOR_PROGRESSIONS);
  const chordOf = (bar: number) => progression[bar % progression.length]!;
  const chordTones = (degree: number) =>
    [0, 2, 4].map((third) => degreeSemitones(spec.mode, degree + third, degree % 7 === 4));
  const melodyOctave = noteAbove(spec.tonic, 62);

  const beatTime = (index: number, fraction: number) => {
    const start = beats[index]!;
    const next = beats[index + 1] ?? start + 60 / spec.tempo.bpm;
    const swung = fraction === 0.5 ? 0.5 + spec.swing / 2 : fraction;
    return start + swung * (next - start);
  };

  // Rubato intro: I-IV-V-I held for irregular lengths, no pulse.
  if (spec.rubatoIntroSec > 0) {
    let t = spec.leadSilenceSec;
    const end = rhythmStart - 0.05;
    for (const degree of [0, 3, 4, 0]) {
      if (t >= end) break;
      const holdSec = Math.min(end - t, random.range(0.2, 0.45) * spec.rubatoIntroSec);
      for (const semis of chordTones(degree)) {
        for (const pan of [-0.6, 0.6]) {
          play('other', {
            timbre: 'pad',
            startSec: t,
            durationSec: holdSec,
            frequency: frequency(noteAbove(spec.tonic + semis, 55)) * (pan < 0 ? 0.998 : 1.002),
            gain: 0.18,
            pan,
          });
        }
      }
      t += holdSec;
    }
  }

  const arpeggio = !spec.drums || random.next() < 0.5;
  let melodyNote = melodyOctave;
  for (let bar = 0; bar < bars; bar++) {
    const first = bar * spec.beatsPerBar;
    const barStart = beats[first]!;
    const barEnd = beats[first + spec.beatsPerBar] ?? barStart + (spec.beatsPerBar * 60) / spec.tempo.bpm;
    const degree = chordOf(bar);
    const tones = chordTones(degree);
    const rootPc = spec.tonic + tones[0]!;

    // Other: a wide pad (two detuned copies panned apart) holding the chord for the bar.
    for (const semis of tones) {
      for (const pan of [-0.7, 0.7]) {
        play('other', {
          timbre: 'pad',
          startSec: barStart,
          durationSec: barEnd - barStart - 0.02,
          frequency: frequency(noteAbove(spec.tonic + semis, 55)) * (pan < 0 ? 0.9977 : 1.0023),
          gain: 0.16,
          pan,
        });
      }
    }
    if (arpeggio) {
      for (let beat = 0; beat < spec.beatsPerBar; beat++) {
        for (const half of [0, 0.5]) {
          const step = beat * 2 + (half ? 1 : 0);
          const semis = tones[step % 3]! + (step >= 3 ? 12 : 0);
          const t = beatTime(first + beat, half) + jitter();
          play('other', {
            timbre: 'pluck',
            startSec: t,
            durationSec: 0.12,
            frequency: frequency(noteAbove(spec.tonic + semis, 60)),
            gain: half ? 0.22 : 0.3,
            pan: step % 2 ? 0.45 : -0.45,
          });
        }
      }
    }

    // Bass: the chord root on the beat, with a pickup on an off-beat in 4/4.
    const bassMidi = noteAbove(rootPc, 33);
    const bassHits =
      spec.beatsPerBar === 4
        ? [
            [0, 0],
            [1, 0.5],
            [2, 0],
            [3, 0],
          ]
        : [
            [0, 0],
            [1, 0],
            [2, 0],
          ];
    for (const [beat, fraction] of bassHits as [number, number][]) {
      const t = beatTime(first + beat, fraction) + jitter();
      const next = beatTime(first + beat, fraction) + (barEnd - barStart) / spec.beatsPerBar;
      play('bass', {
        timbre: 'bass',
        startSec: t,
        durationSec: Math.max(0.08, (next - t) * 0.85),
        frequency: frequency(bassMidi),
        gain: beat === 0 ? 0.9 : 0.7,
        pan: 0,
      });
    }

    // Vocals: a sung line in phrases of three bars and a breath, chord tones on strong beats.
    if (bar % 4 !== 3) {
      const rhythm =
        spec.beatsPerBar === 4
          ? random.pick([
              [
                [0, 1],
                [1, 1],
                [2, 2],
              ],
              [
                [0, 2],
                [2, 1],
                [3, 0.5],
                [3.5, 0.5],
              ],
              [
                [0, 1.5],
                [1.5, 0.5],
                [2, 2],
              ],
            ])
          : random.pick([
              [
                [0, 2],
                [2, 1],
              ],
              [
                [0, 1],
                [1, 1],
                [2, 1],
              ],
            ]);
      for (const [position, lengthBeats] of rhythm as [number, number][]) {
        const beat = Math.floor(position);
        const strong = position === 0 || (spec.beatsPerBar === 4 && position === 2);
        if (strong) {
          const options = tones.map((semis) => noteAbove(spec.tonic + semis, melodyOctave));
          melodyNote = options.reduce((best, n) => (Math.abs(n - melodyNote) < Math.abs(best - melodyNote) ? n : best));
        } else {
          const step = random.pick([-2, -1, 1, 2]);
          const scaleDegree = Math.round(random.range(0, 7)) + step;
          melodyNote = noteAbove(spec.tonic + degreeSemitones(spec.mode, scaleDegree, false), melodyOctave);
        }
        const start = beatTime(first + beat, position - beat) + jitter();
        const durationSec = (lengthBeats * (barEnd - barStart)) / spec.beatsPerBar - 0.03;
        play('vocals', {
          timbre: 'voice',
          startSec: start,
          durationSec,
          frequency: frequency(melodyNote),
          gain: 0.45,
          pan: 0,
        });
      }
    }

    // Drums.
    if (spec.drums) {
      const drums = stems.drums;
      const hit = (
        drum: 'kick' | 'snare' | 'hat' | 'crash',
        beat: number,
        fraction: number,
        gain: number,
        pan: number,
      ) => addDrum(drums, sampleRate, drum, beatTime(first + beat, fraction) + jitter(), gain, pan, random);
      if (bar % 8 === 0) hit('crash', 0, 0, 0.35, 0.3);
      hit('kick', 0, 0, 1, 0);
      if (spec.beatsPerBar === 4) {
        hit('kick', 2, 0, 0.9, 0);
        if (random.next() < 0.4) hit('kick', 2, 0.5, 0.6, 0);
        hit('snare', 1, 0, 0.8, 0.1);
        hit('snare', 3, 0, 0.8, 0.1);
      } else {
        hit('snare', 1, 0, 0.55, 0.1);
        hit('snare', 2, 0, 0.55, 0.1);
      }
      for (let beat = 0; beat < spec.beatsPerBar; beat++) {
        hit('hat', beat, 0, 0.3, 0.4);
        hit('hat', beat, 0.5, 0.18, 0.4);
      }
    }
  }

  // Random stem balance within +-3 dB, then one gain for everything so the mix peaks at -1 dBFS.
  const gains: Record<CorpusStem, number> = { vocals: 0.55, drums: 0.6, bass: 0.55, other: 0.5 };
  for (const stem of Object.keys(gains) as CorpusStem[]) gains[stem] *= 10 ** (random.range(-3, 3) / 20);
  const mix: Stereo = makeStereo();
  let peak = 0;
  for (let c = 0; c < 2; c++) {
    const out = mix[c]!;
    for (const stem of CORPUS_STEMS) {
      const channel = stems[stem][c]!;
      const gain = gains[stem];
      for (let i = 0; i < length; i++) {
        channel[i]! *= gain;
        out[i]! += channel[i]!;
      }
    }
    for (let i = 0; i < length; i++) peak = Math.max(peak, Math.abs(out[i]!));
  }
  const scale = peak > 0 ? 0.891 / peak : 1;
  // Scale the stems, then rebuild the mix from the rounded stems so it stays their exact sum.
  for (let c = 0; c < 2; c++) {
    const out = mix[c]!.fill(0);
    for (const stem of CORPUS_STEMS) {
      const channel = stems[stem][c]!;
      for (let i = 0; i < length; i++) {
        channel[i]! *= scale;
        out[i]! += channel[i]!;
      }
    }
  }

  const truthBeats = beats.slice(0, bars * spec.beatsPerBar);
  return {
    spec,
    sampleRate,
    mix,
    stems,
    truth: {
      bpm: spec.tempo.bpm,
      curve,
      tempoChanges: curve.length > 1,
      beatsPerBar: spec.beatsPerBar,
      beats: truthBeats,
      downbeats: truthBeats.filter((_, i) => i % spec.beatsPerBar === 0),
      tonic: ((spec.tonic % 12) + 12) % 12,
      mode: spec.mode,
      tuningCents: spec.tuningCents,
      hasDrums: spec.drums,
      swing: spec.swing,
    },
  };
}
