// Titles and artists read from each container's tags; broken tags never fail an import.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readTags } from './tags.ts';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../../../e2e/fixtures/${name}`, import.meta.url)));

describe('readTags', () => {
  it.each([
    ['tone.mp3', { title: 'Fixture Tone MP3', artist: 'SFA Tests' }, 3.0],
    ['tone.flac', { title: 'Fixture Tone FLAC', artist: 'SFA Tests' }, 4.0],
    ['tone.wav', { title: 'Fixture Tone WAV', artist: 'SFA Tests' }, 2.5],
    ['tone.ogg', { title: 'Fixture Tone Vorbis', artist: 'SFA Tests' }, 3.5],
    ['tone.opus', { title: 'Fixture Tone Opus', artist: 'SFA Tests' }, 3.0],
    ['tone.m4a', { title: 'Fixture Tone AAC', artist: 'SFA Tests' }, 3.0],
  ])('%s', async (name, expected, durationSec) => {
    const tags = await readTags(fixture(name));
    expect(tags).toMatchObject(expected);
    // From headers, not decoding: within one codec frame (MP3's Xing count includes the priming).
    expect(tags.durationSec).toBeGreaterThan(durationSec - 0.01);
    expect(tags.durationSec).toBeLessThan(durationSec + 0.05);
  });

  it('returns {} for files without tags or that are not audio, and never throws', async () => {
    expect(await readTags(new Uint8Array())).toEqual({});
    expect(await readTags(fixture('not-audio.mp3'))).toEqual({});
    expect(await readTags(Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff))).toEqual({});
    const tags = await readTags(fixture('corrupt.flac'));
    expect(tags).toMatchObject({ title: 'Fixture Tone FLAC' });
  });
});
