import { parseBuffer } from 'music-metadata';
import { describe, expect, it } from 'vitest';
import { WaveFile } from 'wavefile';
import { parseWav } from '@sfa/shared/audio/wav';
import type { ExportFormat } from '../types.ts';
import { encodeInBlocks, maxAbsDiff, noise, sameBytes, sine, roundTripCases, TEST_TAGS } from './test-signals.ts';

interface Decoded {
  sampleRate: number;
  channels: Float64Array[];
  formatTag: number;
}

/**
 * Decodes with wavefile (an independent reader), scaled to [-1, 1). wavefile reads extensible
 * float as integers, so files of more than two float channels go through the app's own WAV
 * reader (shared/src/audio/wav.ts, written apart from this encoder).
 */
function decodeWav(bytes: Uint8Array): Decoded {
  const formatTag = bytes[20]! | (bytes[21]! << 8);
  const subFormat = bytes[44]! | (bytes[45]! << 8);
  if (formatTag === 0xfffe && subFormat === 3) {
    const parsed = parseWav(bytes);
    return { sampleRate: parsed.sampleRate, formatTag, channels: parsed.channels.map((c) => Float64Array.from(c)) };
  }
  const wav = new WaveFile();
  wav.fromBuffer(bytes);
  const fmt = wav.fmt as { sampleRate: number; numChannels: number; audioFormat: number };
  const raw = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
  const channels = fmt.numChannels === 1 ? [raw as Float64Array] : (raw as Float64Array[]);
  const bitDepth = (wav as unknown as { bitDepth: string }).bitDepth;
  const scale = bitDepth === '32f' ? 1 : 2 ** (Number(bitDepth) - 1);
  return {
    sampleRate: fmt.sampleRate,
    formatTag: fmt.audioFormat,
    channels: channels.map((channel) => channel.map((value) => value / scale)),
  };
}

const TOLERANCE: Record<string, number> = {
  // Rounding to nearest: half an LSB, plus float slack.
  wav16: 0.5 / 32768 + 1e-9,
  wav24: 0.5 / 8388608 + 1e-9,
  wav32f: 0,
};

const CASES = roundTripCases(0.9);

describe('WAV encoder', () => {
  for (const format of ['wav16', 'wav24', 'wav32f'] as const satisfies ExportFormat[]) {
    for (const { name, sampleRate, channels } of CASES) {
      it(`${format}: ${name} decodes within ${TOLERANCE[format]} with its rate and length`, async () => {
        const bytes = await encodeInBlocks({ format }, channels, sampleRate, [4096]);
        const decoded = decodeWav(bytes);
        expect(decoded.sampleRate).toBe(sampleRate);
        expect(decoded.channels).toHaveLength(channels.length);
        decoded.channels.forEach((channel, c) => {
          expect(channel).toHaveLength(channels[c]!.length);
          expect(maxAbsDiff(channel, channels[c]!)).toBeLessThanOrEqual(TOLERANCE[format]!);
        });
      });
    }
  }

  it('clips integer formats and keeps float unclipped', async () => {
    const loud = Float32Array.from([1.5, -1.5, 1, -1, 0.25]);
    const int16 = decodeWav(await encodeInBlocks({ format: 'wav16' }, [loud], 44100)).channels[0]!;
    expect(Array.from(int16)).toEqual([32767 / 32768, -1, 32767 / 32768, -1, 0.25]);
    const float = decodeWav(await encodeInBlocks({ format: 'wav32f' }, [loud], 44100)).channels[0]!;
    expect(Array.from(float)).toEqual([1.5, -1.5, 1, -1, 0.25]);
  });

  it('uses WAVE_FORMAT_EXTENSIBLE for 24-bit and past two channels, the plain tags otherwise', async () => {
    const tagOf = async (format: ExportFormat, channels: Float32Array[]) =>
      decodeWav(await encodeInBlocks({ format }, channels, 44100)).formatTag;
    const stereo = [sine(440, 44100, 100), sine(550, 44100, 100)];
    const quad = [...stereo, ...stereo];
    expect(await tagOf('wav16', stereo)).toBe(1);
    expect(await tagOf('wav32f', stereo)).toBe(3);
    expect(await tagOf('wav24', stereo)).toBe(0xfffe);
    expect(await tagOf('wav16', quad)).toBe(0xfffe);
    expect(await tagOf('wav32f', quad)).toBe(0xfffe);
  });

  it('writes the same bytes whatever the block sizes', async () => {
    const channels = [noise(7, 210_000), sine(440, 44100, 210_000)];
    for (const format of ['wav16', 'wav24', 'wav32f'] as const) {
      const whole = await encodeInBlocks({ format }, channels, 44100);
      const uneven = await encodeInBlocks({ format }, channels, 44100, [1, 127, 4096, 100_000]);
      expect(sameBytes(uneven, whole)).toBe(true);
    }
  });

  it('pads an odd-sized data chunk and still declares its true size', async () => {
    const bytes = await encodeInBlocks({ format: 'wav24' }, [sine(440, 44100, 3)], 44100);
    expect(bytes.length % 2).toBe(0);
    expect(decodeWav(bytes).channels[0]).toHaveLength(3);
  });

  it('writes LIST/INFO tags that music-metadata reads, before the data chunk', async () => {
    const bytes = await encodeInBlocks({ format: 'wav24' }, [sine(440, 44100, 1000)], 44100);
    const text = new TextDecoder('latin1').decode(bytes);
    expect(text.indexOf('LIST')).toBeGreaterThan(0);
    expect(text.indexOf('LIST')).toBeLessThan(text.indexOf('data'));
    const { common, format } = await parseBuffer(bytes, { mimeType: 'audio/wav' });
    expect(common.title).toBe(TEST_TAGS.title);
    expect(common.artist).toBe(TEST_TAGS.artist);
    expect(common.album).toBe(TEST_TAGS.album);
    expect(common.comment?.map((comment) => (typeof comment === 'string' ? comment : comment.text))).toEqual([
      TEST_TAGS.comment,
    ]);
    expect(common.encodedby ?? format.tool).toBe('Sound Forge Alchemy');
    expect(format.numberOfSamples).toBe(1000);
    expect(format.sampleRate).toBe(44100);
  });

  it('encodes an empty stream to a valid file', async () => {
    const decoded = decodeWav(await encodeInBlocks({ format: 'wav16' }, [new Float32Array(0)], 44100));
    expect(decoded.channels[0]).toHaveLength(0);
  });
});
