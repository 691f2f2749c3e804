// Titles made from file names when a file has no title tag.
import { describe, expect, it } from 'vitest';
import { titleFromFileName } from './titles.ts';

describe('titleFromFileName', () => {
  it.each([
    ['01_my_song.mp3', '01 my song'],
    ['Artist - Song.final.flac', 'Artist - Song.final'],
    ['C:\\music\\track.wav', 'track'],
    ['/home/me/no-extension', 'no-extension'],
    ['.mp3', '.mp3'],
    ['___.wav', '___.wav'],
  ])('%s -> %s', (fileName, title) => {
    expect(titleFromFileName(fileName)).toBe(title);
  });
});
