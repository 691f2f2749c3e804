// Stems as streams: a WAV streamed in pieces is byte for byte the WAV written at once, a
// streamed FLAC decodes to the samples (24-bit), and the same samples give the same bytes.

import { describe, expect, it } from 'vitest';
import { decodeAudio } from '@sfa/shared/audio/decode';
import { encodeWav } from '@sfa/shared/audio/wav-encode';
import type { OutputFormat } from '@sfa/shared/offload/protocol';
import { testAudio } from '../testing/fixtures.ts';
import { createStemEncoder } from './stem-encoder.ts';

async function streamed(format: OutputFormat, channels: Float32Array[], sampleRate: number, piece: number) {
  const frames = channels[0]!.length;
  const encoder = await createStemEncoder(format, { sampleRate, channels: channels.length, frames });
  const parts = [encoder.header];
  for (let start = 0; start < frames; start += piece) {
    parts.push(encoder.encode(channels.map((c) => c.subarray(start, start + piece))));
  }
  parts.push(encoder.finish());
  encoder.dispose();
  return Buffer.concat(parts);
}

describe('stem encoders', () => {
  it.each([
    ['pcm16', 16],
    ['f32', 32],
  ] as const)('stream %s WAV identical to the whole file, fact chunk included', async (format, bits) => {
    for (const channelCount of [1, 2, 3]) {
      const audio = testAudio(0.3, 22_050, channelCount);
      const bytes = await streamed(format, audio, 22_050, 1000);
      expect(Buffer.compare(bytes, encodeWav(audio, 22_050, bits)), `${channelCount} channels`).toBe(0);
    }
  });

  it('streams FLAC that decodes to the samples, and makes the same bytes every time', async () => {
    const audio = testAudio(1.2, 44_100, 2);
    const first = await streamed('flac', audio, 44_100, 4410);
    const second = await streamed('flac', audio, 44_100, 10_000);
    expect(Buffer.compare(first, second)).toBe(0);
    expect(first.length).toBeLessThan(audio[0]!.length * 2 * 3);
    const decoded = await decodeAudio(first);
    expect(decoded).toMatchObject({ sampleRate: 44_100, codec: 'FLAC' });
    decoded.channels.forEach((channel, c) => {
      expect(channel.length).toBe(audio[c]!.length);
      let worst = 0;
      for (let i = 0; i < channel.length; i++) worst = Math.max(worst, Math.abs(channel[i]! - audio[c]![i]!));
      expect(worst).toBeLessThanOrEqual(2 ** -23);
    });
  });
});
