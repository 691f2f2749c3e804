import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { parseBuffer } from 'music-metadata';
import { afterAll, describe, expect, it } from 'vitest';
import { integerScale, quantise } from './pcm.ts';
import { encodeInBlocks, noise, sameBytes, sine, roundTripCases, TEST_TAGS } from './test-signals.ts';

const decoder = new FLACDecoder();
afterAll(() => decoder.free());

/** Decodes with @wasm-audio-decoders/flac (its own libFLAC build, independent of the encoder's). */
async function decodeFlac(bytes: Uint8Array) {
  await decoder.ready;
  await decoder.reset();
  const decoded = await decoder.decodeFile(bytes);
  return { sampleRate: decoded.sampleRate, channels: decoded.channelData, errors: decoded.errors };
}

/** The integers the encoder should have stored: the input quantised as WAV does. */
function quantised(samples: Float32Array, bits: 16 | 24): Int32Array {
  const scale = integerScale(bits);
  return Int32Array.from(samples, (sample) => quantise(sample, scale));
}

/**
 * The integers in the file, from the decoder's floats: it divides by 2^(bits-1) - 1 (not by
 * 2^(bits-1) as the encoder multiplies), so multiplying back recovers them to within float32
 * precision (under 0.5 even at 24 bits).
 */
function decodedIntegers(samples: Float32Array, bits: 16 | 24): Int32Array {
  const divisor = integerScale(bits) - 1;
  return Int32Array.from(samples, (sample) => Math.round(sample * divisor));
}

const CASES = roundTripCases(1.2);

describe('FLAC encoder', () => {
  for (const bits of [16, 24] as const) {
    for (const { name, sampleRate, channels } of CASES) {
      it(`flac${bits}: ${name} decodes to exactly the quantised input`, async () => {
        const bytes = await encodeInBlocks({ format: bits === 16 ? 'flac16' : 'flac24' }, channels, sampleRate, [4096]);
        const decoded = await decodeFlac(bytes);
        expect(decoded.errors).toEqual([]);
        expect(decoded.sampleRate).toBe(sampleRate);
        expect(decoded.channels).toHaveLength(channels.length);
        decoded.channels.forEach((channel, c) => {
          expect(channel).toHaveLength(channels[c]!.length);
          const expected = quantised(channels[c]!, bits);
          const actual = decodedIntegers(channel, bits);
          const mismatch = actual.findIndex((value, i) => value !== expected[i]);
          expect(mismatch, `sample ${mismatch}: ${actual[mismatch]} vs ${expected[mismatch]}`).toBe(-1);
        });
      });
    }
  }

  it('writes the same bytes whatever the block sizes', async () => {
    const channels = [noise(7, 210_000), sine(440, 44100, 210_000)];
    const whole = await encodeInBlocks({ format: 'flac24' }, channels, 44100);
    const uneven = await encodeInBlocks({ format: 'flac24' }, channels, 44100, [1, 127, 4096, 100_000]);
    expect(sameBytes(uneven, whole)).toBe(true);
  });

  it('declares the total samples up front, and the MD5 when the sink can be patched', async () => {
    const channels = [sine(440, 44100, 50_000), sine(660, 44100, 50_000)];
    const patched = await encodeInBlocks({ format: 'flac16' }, channels, 44100);
    const streamed = await encodeInBlocks({ format: 'flac16' }, channels, 44100, undefined, { seekable: false });
    const totalSamples = (bytes: Uint8Array) =>
      (bytes[21]! & 0x0f) * 2 ** 32 + new DataView(bytes.buffer).getUint32(22, false);
    const md5 = (bytes: Uint8Array) => Array.from(bytes.subarray(26, 42));
    expect(totalSamples(patched)).toBe(50_000);
    expect(totalSamples(streamed)).toBe(50_000);
    expect(md5(streamed).every((byte) => byte === 0)).toBe(true);
    expect(md5(patched).some((byte) => byte !== 0)).toBe(true);
    // Only STREAMINFO's end-of-stream fields differ.
    expect(sameBytes(patched.subarray(42), streamed.subarray(42))).toBe(true);
    expect((await decodeFlac(streamed)).channels[0]).toHaveLength(50_000);
    const { format } = await parseBuffer(patched, { mimeType: 'audio/flac' });
    expect(format.duration! * 44100).toBeCloseTo(50_000, 6);
  });

  it('writes Vorbis comments that music-metadata reads', async () => {
    const bytes = await encodeInBlocks({ format: 'flac24' }, [sine(440, 48000, 4800)], 48000, undefined, {
      tags: { ...TEST_TAGS, title: 'Jóga (vocals) 🎵' },
    });
    const { common, format, native } = await parseBuffer(bytes, { mimeType: 'audio/flac' });
    expect(common.title).toBe('Jóga (vocals) 🎵');
    expect(common.artist).toBe(TEST_TAGS.artist);
    expect(common.album).toBe(TEST_TAGS.album);
    expect(common.comment?.map((comment) => (typeof comment === 'string' ? comment : comment.text))).toEqual([
      TEST_TAGS.comment,
    ]);
    const vorbis = native.vorbis ?? [];
    expect(vorbis.find((tag) => tag.id === 'ENCODER')?.value).toBe('Sound Forge Alchemy');
    expect(format.sampleRate).toBe(48000);
    expect(format.bitsPerSample).toBe(24);
  });

  it('refuses sample rates FLAC cannot store', async () => {
    await expect(encodeInBlocks({ format: 'flac16' }, [new Float32Array(10)], 700_000)).rejects.toThrow(
      /at most 655350 Hz/,
    );
  });
});
