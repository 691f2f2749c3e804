// What the app exports, the app imports again: every format decodes through the import path
// (shared/src/audio/decode.ts) to the exported length and rate, including files whose end is
// silent (FLAC encodes that as a tiny last frame).
import { describe, expect, it } from 'vitest';
import { decodeAudio } from '@sfa/shared/audio/decode';
import { createEncoder } from './encoders/index.ts';
import { createMemorySink } from './memory-sink.ts';
import type { EncodeSpec } from './types.ts';

const RATE = 44_100;

async function exported(spec: EncodeSpec, channels: Float32Array[]): Promise<Uint8Array> {
  const sink = createMemorySink();
  const frames = channels[0]!.length;
  const encoder = await createEncoder(
    spec,
    { sampleRate: RATE, channelCount: channels.length, frames, tags: { title: 'Song (vocals)', artist: 'Artist' } },
    sink,
  );
  await encoder.push(channels);
  await encoder.finish();
  return sink.bytes();
}

describe('exports import again', () => {
  for (const spec of [
    { format: 'wav16' },
    { format: 'wav24' },
    { format: 'wav32f' },
    { format: 'flac16' },
    { format: 'flac24' },
    { format: 'mp3', mp3: { mode: 'vbr', bitrate: 320, vbrQuality: 2 } },
    { format: 'mp3', mp3: { mode: 'cbr', bitrate: 192, vbrQuality: 2 } },
  ] satisfies EncodeSpec[]) {
    it(`${spec.format}${spec.mp3 ? ` ${spec.mp3.mode}` : ''}, with a silent end`, async () => {
      for (const tail of [0, 1000, 4095]) {
        const frames = RATE + tail;
        const left = Float32Array.from({ length: frames }, (_, i) => (i < RATE ? 0.3 * Math.sin(i / 10) : 0));
        const right = left.map((x) => -x);
        const decoded = await decodeAudio(await exported(spec, [left, right]));
        expect(decoded.sampleRate).toBe(RATE);
        expect(decoded.channels).toHaveLength(2);
        expect(decoded.channels[0]!.length).toBe(frames);
      }
    });
  }
});
