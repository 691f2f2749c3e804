// Key names and the Camelot wheel (1A-12A minor, 1B-12B major; a step round the wheel is a fifth),
// which DJ software uses to show which tracks mix well: the same code, one step either way, or
// the relative major/minor.
//
// Spelling: each key is named as its key signature writes it, i.e. with the fewest sharps or
// flats, so "Bb major", "Eb major", "Ab major", "Db major" but "C# minor", "G# minor", "F# minor";
// where both spellings take six accidentals the sharp major and the flat minor are used
// ("F# major", "Eb minor"). Sharps are written "#" and flats "b".

import type { Mode } from '../types.ts';

const MAJOR_NAMES = ['C', 'Db', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];
const MINOR_NAMES = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'G#', 'A', 'Bb', 'B'];
/** Wheel number of C major (and so of A minor). */
const C_MAJOR_NUMBER = 8;

export interface CamelotKey {
  /** Position on the wheel, 1-12. */
  number: number;
  /** A for minor, B for major. */
  letter: 'A' | 'B';
  /** Pitch class of the tonic, 0 = C ... 11 = B. */
  tonic: number;
  mode: Mode;
}

function pitchClass(tonic: number): number {
  if (!Number.isInteger(tonic)) throw new RangeError(`Tonic must be an integer pitch class, got ${tonic}`);
  return ((tonic % 12) + 12) % 12;
}

/** 'F# minor', 'Bb major'. */
export function keyName(tonic: number, mode: Mode): string {
  const pc = pitchClass(tonic);
  return `${(mode === 'major' ? MAJOR_NAMES : MINOR_NAMES)[pc]} ${mode}`;
}

/** '8B' for C major, '8A' for A minor, '11A' for F# minor. */
export function camelotCode(tonic: number, mode: Mode): string {
  // The relative major shares the minor key's number; each fifth up is one step clockwise.
  const major = mode === 'major' ? pitchClass(tonic) : (pitchClass(tonic) + 3) % 12;
  const number = ((C_MAJOR_NUMBER - 1 + 7 * major) % 12) + 1;
  return `${number}${mode === 'major' ? 'B' : 'A'}`;
}

/** The key of a Camelot code ('8A', '12b', ' 03B '); undefined if it is not one. */
export function parseCamelot(code: string): CamelotKey | undefined {
  const match = /^\s*(\d{1,2})\s*([AaBb])\s*$/.exec(code);
  if (!match) return undefined;
  const number = Number(match[1]);
  if (number < 1 || number > 12) return undefined;
  const letter = match[2]!.toUpperCase() === 'B' ? 'B' : 'A';
  // The major tonic is `number - 8` fifths from C (7 semitones a fifth, mod 12).
  const major = (7 * (number - C_MAJOR_NUMBER) + 120) % 12;
  return letter === 'B'
    ? { number, letter, tonic: major, mode: 'major' }
    : { number, letter, tonic: (major + 9) % 12, mode: 'minor' };
}

/**
 * Codes that mix harmonically with `code`: itself, one step either way round the wheel (same
 * letter) and its relative major or minor (same number, other letter), in that order and in
 * canonical form ('8A'). None for a string that is not a Camelot code (an unanalysed track's).
 */
export function harmonicNeighbours(code: string): string[] {
  const key = parseCamelot(code);
  if (!key) return [];
  const { number, letter } = key;
  const step = (delta: number) => `${((number - 1 + delta + 12) % 12) + 1}${letter}`;
  return [`${number}${letter}`, step(-1), step(1), `${number}${letter === 'A' ? 'B' : 'A'}`];
}
