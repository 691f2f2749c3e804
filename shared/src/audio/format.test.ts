// Container sniffing by magic bytes, on the fixtures and on things that are not audio.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SfaError } from '../protocol/errors.ts';
import { sniffFormat } from './format.ts';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../../../e2e/fixtures/${name}`, import.meta.url)));
/** One byte per character (code points below 256), unlike TextEncoder's UTF-8. */
const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

function sniffError(bytes: Uint8Array): SfaError {
  try {
    sniffFormat(bytes);
  } catch (error) {
    if (error instanceof SfaError) return error;
    throw error;
  }
  throw new Error('expected sniffFormat to throw');
}

/** An MPEG-1 Layer III frame header: 128 kb/s, 44.1 kHz, stereo, no padding: 417 bytes a frame. */
const MP3_FRAME = [0xff, 0xfb, 0x90, 0x00];

function bareMp3(frames: number): Uint8Array {
  const bytes = new Uint8Array(frames * 417);
  for (let i = 0; i < frames; i++) bytes.set(MP3_FRAME, i * 417);
  return bytes;
}

describe('sniffFormat on the fixtures', () => {
  it.each([
    ['tone.wav', 'wav', 'unknown'],
    ['truncated.wav', 'wav', 'unknown'],
    ['empty-audio.wav', 'wav', 'unknown'],
    ['adpcm.wav', 'wav', 'unknown'],
    ['tone.mp3', 'mp3', 'mp3'],
    ['tone-mono.mp3', 'mp3', 'mp3'],
    ['tone.flac', 'flac', 'flac'],
    ['corrupt.flac', 'flac', 'flac'],
    ['tone.ogg', 'ogg', 'vorbis'],
    ['tone.opus', 'ogg', 'opus'],
    ['tone-flac.oga', 'ogg', 'flac'],
    ['tone.m4a', 'mp4', 'unknown'],
  ])('%s is %s / %s', (name, container, codec) => {
    expect(sniffFormat(fixture(name))).toEqual({ container, codec });
  });

  it('says an empty file is empty and a text file is text', () => {
    expect(sniffError(fixture('empty.mp3'))).toMatchObject({ code: 'empty-file', message: 'the file is empty' });
    expect(sniffError(fixture('not-audio.mp3'))).toMatchObject({
      code: 'not-audio',
      message: 'not an audio file: it starts with text',
    });
  });
});

describe('sniffFormat on other content', () => {
  it.each([
    ['<!DOCTYPE html><html><body>404</body></html>', 'it is a web page (HTML)'],
    ['\uFEFF  <html lang="en">', 'it is a web page (HTML)'],
    ['<?xml version="1.0"?><svg/>', 'it is an XML document'],
    ['#EXTM3U\n#EXTINF:123,Song\nsong.mp3\n', 'it is a playlist (M3U), not the audio it lists'],
    ['Hello, world\n', 'it starts with text'],
  ])('recognises text %j', (text, hint) => {
    expect(sniffError(new TextEncoder().encode(text))).toMatchObject({
      code: 'not-audio',
      message: `not an audio file: ${hint}`,
    });
  });

  it.each([
    [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'it is a PNG image'],
    [[0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46], 'it is a JPEG image'],
    [[0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0], 'it is a ZIP archive (or an Office document)'],
    [[0x25, 0x50, 0x44, 0x46, 0x2d, 0x31], 'it is a PDF document'],
    [[0x00, 0x01, 0x02, 0x03, 0x80, 0x90, 0xa0, 0xb0], 'its contents match no audio format we know'],
  ])('recognises binary %j', (bytes, hint) => {
    expect(sniffError(Uint8Array.from(bytes))).toMatchObject({
      code: 'not-audio',
      message: `not an audio file: ${hint}`,
    });
  });

  it('names audio formats it recognises but does not decode', () => {
    const aiff = ascii('FORM\0\0\0\x20AIFFCOMM');
    expect(sniffError(aiff)).toMatchObject({ code: 'unsupported-codec', message: 'unsupported format: AIFF audio' });
    const adts = Uint8Array.from([0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc]);
    expect(sniffError(adts).code).toBe('unsupported-codec');
    const speex = Uint8Array.from([...ascii('OggS'), 0, 2, ...Array(20).fill(0), 1, 8, ...ascii('Speex   ')]);
    expect(sniffError(speex)).toMatchObject({ code: 'unsupported-codec', message: 'unsupported codec: Speex in Ogg' });
  });

  it('accepts a bare MP3 frame sync only when a second frame follows it', () => {
    expect(sniffFormat(bareMp3(3))).toEqual({ container: 'mp3', codec: 'mp3' });
    const lone = bareMp3(1);
    expect(sniffError(lone).code).toBe('not-audio');
    const broken = bareMp3(2);
    broken[417 + 1] = 0x00; // second header destroyed
    expect(sniffError(broken).code).toBe('not-audio');
  });

  it('finds MP3 frames and FLAC streams after an ID3v2 tag', () => {
    const id3 = Uint8Array.from([...ascii('ID3'), 4, 0, 0, 0, 0, 0, 20, ...Array(20).fill(0)]);
    const withMp3 = new Uint8Array([...id3, ...bareMp3(2)]);
    expect(sniffFormat(withMp3)).toEqual({ container: 'mp3', codec: 'mp3' });
    const withFlac = new Uint8Array([...id3, ...fixture('tone.flac').subarray(0, 100)]);
    expect(sniffFormat(withFlac)).toEqual({ container: 'flac', codec: 'flac' });
    expect(sniffError(id3.subarray(0, 15)).code).toBe('truncated');
    expect(sniffError(new Uint8Array([...id3, ...ascii('just text')])).message).toBe(
      'not an audio file: it has an ID3 tag but no MP3 audio after it',
    );
  });

  it('recognises RF64', () => {
    const rf64 = ascii('RF64\xff\xff\xff\xffWAVEds64');
    expect(sniffFormat(rf64)).toEqual({ container: 'wav', codec: 'unknown' });
  });
});
