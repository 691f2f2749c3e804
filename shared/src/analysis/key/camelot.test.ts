// The Camelot wheel as DJ software prints it, checked key by key, and its neighbours.
import { describe, expect, it } from 'vitest';
import type { Mode } from '../types.ts';
import { camelotCode, harmonicNeighbours, keyName, parseCamelot } from './camelot.ts';

// The standard wheel (Mixed In Key's chart), written out by hand rather than computed.
const WHEEL: [code: string, name: string, tonic: number, mode: Mode][] = [
  ['1A', 'G# minor', 8, 'minor'],
  ['1B', 'B major', 11, 'major'],
  ['2A', 'Eb minor', 3, 'minor'],
  ['2B', 'F# major', 6, 'major'],
  ['3A', 'Bb minor', 10, 'minor'],
  ['3B', 'Db major', 1, 'major'],
  ['4A', 'F minor', 5, 'minor'],
  ['4B', 'Ab major', 8, 'major'],
  ['5A', 'C minor', 0, 'minor'],
  ['5B', 'Eb major', 3, 'major'],
  ['6A', 'G minor', 7, 'minor'],
  ['6B', 'Bb major', 10, 'major'],
  ['7A', 'D minor', 2, 'minor'],
  ['7B', 'F major', 5, 'major'],
  ['8A', 'A minor', 9, 'minor'],
  ['8B', 'C major', 0, 'major'],
  ['9A', 'E minor', 4, 'minor'],
  ['9B', 'G major', 7, 'major'],
  ['10A', 'B minor', 11, 'minor'],
  ['10B', 'D major', 2, 'major'],
  ['11A', 'F# minor', 6, 'minor'],
  ['11B', 'A major', 9, 'major'],
  ['12A', 'C# minor', 1, 'minor'],
  ['12B', 'E major', 4, 'major'],
];

describe('Camelot wheel', () => {
  it('gives every one of the 24 keys its standard code and name', () => {
    for (const [code, name, tonic, mode] of WHEEL) {
      expect(camelotCode(tonic, mode), name).toBe(code);
      expect(keyName(tonic, mode)).toBe(name);
      expect(parseCamelot(code)).toEqual({ number: Number.parseInt(code, 10), letter: code.slice(-1), tonic, mode });
    }
    expect(new Set(WHEEL.map(([code]) => code)).size).toBe(24);
  });

  it('reads codes loosely but rejects what is not one', () => {
    expect(parseCamelot(' 08a ')).toMatchObject({ number: 8, letter: 'A', tonic: 9, mode: 'minor' });
    for (const bad of ['', '?', '0A', '13B', 'A8', '8C', '8', '1.5A']) expect(parseCamelot(bad), bad).toBeUndefined();
    expect(camelotCode(-3, 'minor')).toBe('8A');
    expect(() => keyName(1.5, 'major')).toThrow(RangeError);
  });

  it('lists the harmonically compatible codes: same, one step either way, relative', () => {
    expect(harmonicNeighbours('8A')).toEqual(['8A', '7A', '9A', '8B']);
    expect(harmonicNeighbours('12B')).toEqual(['12B', '11B', '1B', '12A']);
    expect(harmonicNeighbours('1a')).toEqual(['1A', '12A', '2A', '1B']);
    expect(harmonicNeighbours('?')).toEqual([]);
    // Every neighbour is a fifth away in the same mode, or the relative major/minor.
    for (const [code, , tonic, mode] of WHEEL) {
      const [, down, up, relative] = harmonicNeighbours(code).map((c) => parseCamelot(c)!);
      expect(down).toMatchObject({ tonic: (tonic + 5) % 12, mode });
      expect(up).toMatchObject({ tonic: (tonic + 7) % 12, mode });
      expect(relative).toMatchObject({
        tonic: (tonic + (mode === 'major' ? 9 : 3)) % 12,
        mode: mode === 'major' ? 'minor' : 'major',
      });
    }
  });
});
