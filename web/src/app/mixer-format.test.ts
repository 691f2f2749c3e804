// How the mixer's faders, pan, speed, pitch and loop read.
import { describe, expect, it } from 'vitest';
import { formatGainDb, formatLoop, formatPan, formatSemitones, formatSpeed, spokenPan } from './mixer-format.ts';

describe('formatGainDb', () => {
  it.each([
    [-6, '−6.0 dB'],
    [0, '0.0 dB'],
    [3.5, '+3.5 dB'],
    [-60, '−∞'],
    [-80, '−∞'],
  ])('%s -> %s', (db, text) => expect(formatGainDb(db)).toBe(text));
});

describe('pan', () => {
  it.each([
    [-0.3, 'L 30', '30 % left'],
    [0, 'C', 'centre'],
    [0.004, 'C', 'centre'],
    [1, 'R 100', '100 % right'],
  ])('%s -> %s / %s', (pan, shown, spoken) => {
    expect(formatPan(pan)).toBe(shown);
    expect(spokenPan(pan)).toBe(spoken);
  });
});

describe('speed and pitch', () => {
  it('reads percent and semitones with a real minus', () => {
    expect(formatSpeed(0.75)).toBe('75 %');
    expect(formatSpeed(1.25)).toBe('125 %');
    expect(formatSemitones(3)).toBe('+3 st');
    expect(formatSemitones(-2)).toBe('−2 st');
    expect(formatSemitones(0)).toBe('0 st');
  });
});

describe('formatLoop', () => {
  // 120 BPM in 4/4: a beat every 0.5 s, a bar every 2 s, bar 1 at 0 s.
  const beats = Array.from({ length: 64 }, (_, i) => i * 0.5);
  const grid = { beats, downbeats: beats.filter((_, i) => i % 4 === 0) };

  it('shows whole bars when the loop starts and ends on bar lines', () => {
    expect(formatLoop({ startSec: 8, endSec: 16 }, grid)).toBe('0:08.0–0:16.0 · bars 5–8');
    expect(formatLoop({ startSec: 8, endSec: 10 }, grid)).toBe('0:08.0–0:10.0 · bar 5');
  });

  it('shows bar.beat at each end otherwise', () => {
    expect(formatLoop({ startSec: 9, endSec: 15.5 }, grid)).toBe('0:09.0–0:15.5 · 5.3–8.3');
  });

  it('shows times only without a grid', () => {
    expect(formatLoop({ startSec: 1.25, endSec: 2 }, undefined)).toBe('0:01.2–0:02.0');
  });
});
