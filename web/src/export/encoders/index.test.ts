import { describe, expect, it } from 'vitest';
import { createMemorySink } from '../memory-sink.ts';
import type { EncodeSpec, StreamInfo } from '../types.ts';
import { createEncoder, extensionFor, mimeTypeFor } from './index.ts';

const info = (overrides: Partial<StreamInfo>): StreamInfo => ({
  sampleRate: 44100,
  channelCount: 2,
  frames: 10,
  tags: { title: 'T' },
  ...overrides,
});

const wav: EncodeSpec = { format: 'wav16' };

describe('createEncoder', () => {
  it.each([
    [{ channelCount: 0 }, /0 channels/],
    [{ channelCount: 9 }, /9 channels: 1 to 8/],
    [{ sampleRate: 44100.5 }, /44100.5 Hz/],
    [{ sampleRate: 0 }, /0 Hz/],
    [{ frames: -1 }, /-1 frames/],
    [{ frames: 1.5 }, /1.5 frames/],
  ])('rejects %o', async (overrides, message) => {
    await expect(createEncoder(wav, info(overrides), createMemorySink())).rejects.toThrow(message);
    await expect(createEncoder(wav, info(overrides), createMemorySink())).rejects.toMatchObject({
      code: 'bad-request',
    });
  });

  it('rejects a block whose channels differ in length, or with the wrong channel count', async () => {
    const encoder = await createEncoder(wav, info({}), createMemorySink());
    await expect(encoder.push([new Float32Array(3), new Float32Array(4)])).rejects.toThrow(/differ in length/);
    await expect(encoder.push([new Float32Array(3)])).rejects.toThrow(/1 channels; the stream has 2/);
  });

  it('rejects more frames than announced, and finishing with fewer', async () => {
    const encoder = await createEncoder(wav, info({ frames: 10 }), createMemorySink());
    await encoder.push([new Float32Array(6), new Float32Array(6)]);
    await expect(encoder.push([new Float32Array(5), new Float32Array(5)])).rejects.toThrow(/11 frames pushed/);
    await expect(encoder.finish()).rejects.toThrow(/only 6 of the announced 10/);
    await encoder.push([new Float32Array(4), new Float32Array(4)]);
    await encoder.finish();
  });

  it('names extensions and MIME types', () => {
    expect(extensionFor({ format: 'wav24' })).toBe('wav');
    expect(mimeTypeFor({ format: 'wav32f' })).toBe('audio/wav');
    expect(extensionFor({ format: 'flac16' })).toBe('flac');
    expect(mimeTypeFor({ format: 'flac24' })).toBe('audio/flac');
    expect(extensionFor({ format: 'mp3' })).toBe('mp3');
    expect(mimeTypeFor({ format: 'mp3' })).toBe('audio/mpeg');
  });
});
