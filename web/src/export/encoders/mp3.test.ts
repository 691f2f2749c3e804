import { readMp3Info, expectedMp3Samples } from '@sfa/shared/audio/mp3-info';
import { parseMpegFrameHeader } from '@sfa/shared/audio/mpeg-frame';
import { MPEGDecoder } from 'mpg123-decoder';
import { parseBuffer } from 'music-metadata';
import { afterAll, describe, expect, it } from 'vitest';
import type { EncodeSpec, Mp3Options } from '../types.ts';
import { crc16 } from './mp3-xing.ts';
import { chirp, encodeInBlocks, noise, sameBytes, sine, TEST_TAGS } from './test-signals.ts';

const decoder = new MPEGDecoder();
afterAll(() => decoder.free());

/** Decodes with mpg123 (gapless on: it trims by the LAME tag's delay and padding). */
async function decodeMp3(bytes: Uint8Array) {
  await decoder.ready;
  await decoder.reset();
  const decoded = decoder.decode(bytes);
  return { sampleRate: decoded.sampleRate, channels: decoded.channelData, errors: decoded.errors };
}

const cbr = (bitrate: Mp3Options['bitrate']): EncodeSpec => ({
  format: 'mp3',
  mp3: { mode: 'cbr', bitrate, vbrQuality: 2 },
});
const vbr = (vbrQuality: number): EncodeSpec => ({ format: 'mp3', mp3: { mode: 'vbr', bitrate: 192, vbrQuality } });

/** The audio frames after the Info frame: their bit rates. */
function frameBitrates(bytes: Uint8Array): number[] {
  const info = readMp3Info(bytes);
  const rates: number[] = [];
  let offset = info.firstFrameOffset + info.firstFrame.frameBytes;
  for (let header = parseMpegFrameHeader(bytes, offset); header; header = parseMpegFrameHeader(bytes, offset)) {
    rates.push(header.bitrateKbps);
    offset += header.frameBytes;
  }
  return rates;
}

function snrDb(reference: Float32Array, decoded: Float32Array): number {
  let signal = 0;
  let error = 0;
  reference.forEach((sample, i) => {
    signal += sample * sample;
    error += (sample - decoded[i]!) ** 2;
  });
  return 10 * Math.log10(signal / error);
}

/** The strongest frequency, by a DFT probe every `stepHz` from `fromHz` to `toHz`. */
function dominantFrequency(samples: Float32Array, sampleRate: number, fromHz: number, toHz: number, stepHz: number) {
  let best = { frequency: 0, power: -1 };
  for (let frequency = fromHz; frequency <= toHz; frequency += stepHz) {
    let re = 0;
    let im = 0;
    const w = (2 * Math.PI * frequency) / sampleRate;
    samples.forEach((sample, i) => {
      re += sample * Math.cos(w * i);
      im -= sample * Math.sin(w * i);
    });
    const power = re * re + im * im;
    if (power > best.power) best = { frequency, power };
  }
  return best.frequency;
}

describe('MP3 encoder', () => {
  const LENGTHS: { sampleRate: number; channels: Float32Array[] }[] = [
    { sampleRate: 44100, channels: [sine(440, 44100, 44100), chirp(100, 8000, 44100, 44100)] },
    { sampleRate: 48000, channels: [noise(5, 48001)] },
    { sampleRate: 22050, channels: [sine(1000, 22050, 30000), sine(300, 22050, 30000)] },
    { sampleRate: 8000, channels: [sine(440, 8000, 8000)] },
    { sampleRate: 44100, channels: [sine(440, 44100, 1)] },
  ];
  for (const spec of [cbr(192), vbr(2)]) {
    for (const seekable of [true, false]) {
      for (const { sampleRate, channels } of LENGTHS) {
        const frames = channels[0]!.length;
        it(`${spec.mp3!.mode}, ${seekable ? 'seekable' : 'streamed'}: ${channels.length} ch, ${frames} frames at ${sampleRate} Hz decode to exactly ${frames}`, async () => {
          const bytes = await encodeInBlocks(spec, channels, sampleRate, [4096], { seekable });
          const decoded = await decodeMp3(bytes);
          expect(decoded.errors).toEqual([]);
          expect(decoded.sampleRate).toBe(sampleRate);
          expect(decoded.channels[0]).toHaveLength(frames);
          // The app's own reader of the LAME tag agrees (frame count times samples per frame,
          // less delay and padding).
          expect(expectedMp3Samples(readMp3Info(bytes))).toBe(frames);
        });
      }
    }
  }

  it('announces the right frame count up front for every length (checked when finishing a stream)', async () => {
    for (const sampleRate of [44100, 22050]) {
      for (let frames = 0; frames < 5000; frames += 97) {
        const bytes = await encodeInBlocks(cbr(128), [sine(440, sampleRate, frames)], sampleRate, [1000], {
          seekable: false,
        });
        expect(frameBitrates(bytes).length).toBe(readMp3Info(bytes).declaredFrames);
      }
    }
  });

  it('keeps a 192 kbit/s sine within 20 dB SNR, aligned at zero, and its frequency', async () => {
    const sampleRate = 44100;
    const left = sine(997, sampleRate, 3 * sampleRate);
    const right = sine(2500, sampleRate, 3 * sampleRate, 0.3);
    const decoded = await decodeMp3(await encodeInBlocks(cbr(192), [left, right], sampleRate, [4096]));
    const snr = [snrDb(left, decoded.channels[0]!), snrDb(right, decoded.channels[1]!)];
    console.info(`MP3 CBR 192 SNR: left ${snr[0]!.toFixed(1)} dB, right ${snr[1]!.toFixed(1)} dB`);
    expect(snr[0]).toBeGreaterThan(20);
    expect(snr[1]).toBeGreaterThan(20);
    const middle = decoded.channels[0]!.subarray(sampleRate, sampleRate + 8192);
    expect(dominantFrequency(middle, sampleRate, 900, 1100, 1)).toBeCloseTo(997, -1);
    const middleRight = decoded.channels[1]!.subarray(sampleRate, sampleRate + 8192);
    expect(Math.abs(dominantFrequency(middleRight, sampleRate, 2400, 2600, 1) - 2500)).toBeLessThanOrEqual(3);
  });

  it('writes CBR at one bit rate and VBR at several, smaller at a lower quality', async () => {
    const sampleRate = 44100;
    const music = [chirp(50, 15000, sampleRate, 3 * sampleRate), noise(9, 3 * sampleRate, 0.2)];
    music[0]!.subarray(sampleRate, 2 * sampleRate).fill(0); // a silent second: VBR drops its rate there
    const cbr320 = await encodeInBlocks(cbr(320), music, sampleRate);
    const cbr128 = await encodeInBlocks(cbr(128), music, sampleRate);
    const v0 = await encodeInBlocks(vbr(0), music, sampleRate);
    const v7 = await encodeInBlocks(vbr(7), music, sampleRate);
    expect(new Set(frameBitrates(cbr320))).toEqual(new Set([320]));
    expect(new Set(frameBitrates(cbr128))).toEqual(new Set([128]));
    expect(new Set(frameBitrates(v0)).size).toBeGreaterThan(2);
    expect(v7.length).toBeLessThan(v0.length);
    // 320 kbit/s over ~3 s: within a frame or two of the nominal size, plus tags.
    expect(cbr320.length / ((320_000 / 8) * 3)).toBeGreaterThan(0.98);
    expect(cbr320.length / ((320_000 / 8) * 3)).toBeLessThan(1.1);
    const text = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes.subarray(0, 8192));
    expect(text(cbr128)).toContain('Info');
    expect(text(v0)).toContain('Xing');
  });

  it('writes the same bytes whatever the block sizes', async () => {
    const channels = [noise(7, 210_000), sine(440, 44100, 210_000)];
    for (const spec of [cbr(256), vbr(4)]) {
      const whole = await encodeInBlocks(spec, channels, 44100);
      const uneven = await encodeInBlocks(spec, channels, 44100, [1, 127, 4096, 100_000]);
      expect(sameBytes(uneven, whole)).toBe(true);
    }
  });

  it('fills in the byte count and seek table on a seekable sink', async () => {
    const channels = [chirp(50, 15000, 44100, 441_000)];
    const bytes = await encodeInBlocks(vbr(2), channels, 44100);
    const info = readMp3Info(bytes);
    expect(info.declaredBytes).toBe(bytes.length - info.firstFrameOffset);
    const xing = new TextDecoder('latin1').decode(bytes).indexOf('Xing');
    const toc = Array.from(bytes.subarray(xing + 16, xing + 116));
    expect(toc[0]).toBe(0);
    expect(toc.every((value, i) => i === 0 || value >= toc[i - 1]!)).toBe(true);
    expect(toc[99]).toBeGreaterThan(240);
    // The LAME tag's CRC covers the frame up to it (CRC-16/ARC; its check value first).
    expect(crc16(new TextEncoder().encode('123456789'), 0)).toBe(0xbb3d);
    const frame = bytes.subarray(info.firstFrameOffset);
    const tagEnd = xing + 120 + 34 - info.firstFrameOffset;
    expect(crc16(frame.subarray(0, tagEnd), 0)).toBe((frame[tagEnd]! << 8) | frame[tagEnd + 1]!);
  });

  it('writes ID3v2 tags that music-metadata reads, and its gapless length', async () => {
    const bytes = await encodeInBlocks(vbr(2), [sine(440, 44100, 44_100)], 44100, undefined, {
      tags: { ...TEST_TAGS, artist: 'Björk 🎵' },
    });
    const { common, format, native } = await parseBuffer(bytes, { mimeType: 'audio/mpeg' });
    expect(common.title).toBe(TEST_TAGS.title);
    expect(common.artist).toBe('Björk 🎵');
    expect(common.album).toBe(TEST_TAGS.album);
    expect(common.comment?.map((comment) => (typeof comment === 'string' ? comment : comment.text))).toEqual([
      TEST_TAGS.comment,
    ]);
    const id3 = native['ID3v2.3'] ?? [];
    expect(id3.find((tag) => tag.id === 'TSSE')?.value).toMatch(/^Sound Forge Alchemy/);
    expect(format.sampleRate).toBe(44100);
    expect(format.tool).toMatch(/LAME/);
    // music-metadata takes the Info frame's count of whole frames and does not trim by the LAME
    // tag's delay and padding (mpg123 does, above): 40 frames of 1152 samples.
    expect(format.duration).toBeCloseTo((readMp3Info(bytes).declaredFrames! * 1152) / 44100, 9);
  });

  it('refuses what MP3 cannot hold, saying what it allows', async () => {
    await expect(encodeInBlocks(cbr(192), [sine(440, 96000, 100)], 96000)).rejects.toThrow(
      /MP3 cannot store 96000 Hz audio: it allows 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000 Hz/,
    );
    await expect(encodeInBlocks(cbr(192), [sine(440, 44100, 100)], 44101)).rejects.toMatchObject({
      code: 'bad-request',
    });
    const three = [0, 1, 2].map(() => new Float32Array(10));
    await expect(encodeInBlocks(cbr(192), three, 44100)).rejects.toThrow(/one or two channels, not 3/);
    await expect(encodeInBlocks(vbr(10), [new Float32Array(10)], 44100)).rejects.toThrow(/VBR quality 10/);
    await expect(encodeInBlocks(cbr(100 as 128), [new Float32Array(10)], 44100)).rejects.toThrow(/100 kbit\/s/);
  });
});
