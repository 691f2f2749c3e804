// Durations from the first bytes of a file, as an upload arrives: exact from WAV and FLAC
// headers and an MP3's Xing header, a bitrate guess for bare MP3, Ogg from its last page.

import { describe, expect, it } from 'vitest';
import { encodeWav } from '@sfa/shared/audio/wav-encode';
import { encodeMp3 } from '../../../e2e/mp3-encode.ts';
import { testAudio } from '../testing/fixtures.ts';
import { FlacEncoder } from './flac-encoder.ts';
import { estimateDuration, oggDuration } from './duration-estimate.ts';

const HEAD = 64 * 1024;

describe('estimateDuration', () => {
  it('reads a WAV header, whatever follows it', () => {
    const wav = encodeWav(testAudio(7, 8000, 2), 8000, 16);
    expect(estimateDuration(wav.subarray(0, HEAD), wav.length)).toEqual({ durationSec: 7, exact: true });
    // A streamed WAV with a data size of 0 ("unknown"): the rest of the file.
    const streamed = wav.slice();
    new DataView(streamed.buffer).setUint32(40, 0, true);
    expect(estimateDuration(streamed.subarray(0, HEAD), streamed.length)?.durationSec).toBeCloseTo(7, 6);
  });

  it("reads FLAC's STREAMINFO", async () => {
    const encoder = await FlacEncoder.create({ sampleRate: 48_000, channels: 1, frames: 96_000 });
    const audio = testAudio(2, 48_000, 1);
    const bytes = Buffer.concat([...encoder.encode(audio), ...encoder.finish().bytes]);
    encoder.delete();
    expect(estimateDuration(bytes.subarray(0, HEAD), bytes.length)).toEqual({ durationSec: 2, exact: true });
  });

  it('guesses an MP3 without a Xing header from its first frame, within a factor of two', async () => {
    // LAME through wasm-media-encoders streams VBR frames and never goes back to write a Xing
    // header, so only the first frame's bitrate tells the length.
    const mp3 = await encodeMp3(testAudio(12, 44_100, 2), 44_100);
    const estimate = estimateDuration(mp3.subarray(0, HEAD), mp3.length)!;
    expect(estimate.exact).toBe(false);
    expect(estimate.durationSec).toBeGreaterThan(6);
    expect(estimate.durationSec).toBeLessThan(24);
  });

  it('says nothing for what it cannot know from the head', () => {
    expect(estimateDuration(new TextEncoder().encode('not audio at all'), 16)).toBeUndefined();
    const wav = encodeWav(testAudio(1, 8000, 1), 8000, 16);
    expect(estimateDuration(wav.subarray(0, 30), wav.length)).toBeUndefined();
  });
});

describe('oggDuration', () => {
  /** An Ogg page: header (27 bytes), one lacing value per 255 bytes, the body. */
  function page(granule: bigint, body: Uint8Array, flags = 0): Uint8Array {
    const lacing = [...Array(Math.floor(body.length / 255)).fill(255), body.length % 255];
    const out = new Uint8Array(27 + lacing.length + body.length);
    out.set(new TextEncoder().encode('OggS'), 0);
    out[5] = flags;
    new DataView(out.buffer).setBigInt64(6, granule, true);
    out[26] = lacing.length;
    out.set(lacing, 27);
    out.set(body, 27 + lacing.length);
    return out;
  }

  it('takes the last page granule, minus Opus pre-skip, at 48 kHz', () => {
    const head = new Uint8Array(19);
    head.set(new TextEncoder().encode('OpusHead'), 0);
    head[8] = 1;
    head[9] = 2;
    new DataView(head.buffer).setUint16(10, 312, true);
    const first = page(0n, head, 0x02);
    const last = page(BigInt(48_000 * 90 + 312), new Uint8Array(100), 0x04);
    expect(oggDuration(first, last)).toEqual({ durationSec: 90, exact: true });
    expect(oggDuration(new Uint8Array(10), last)).toBeUndefined();
  });
});
