// The MP4/AAC path in Node, where WebCodecs is absent: demuxing and edit-list trimming against a
// stand-in AudioDecoder (the real decoder runs in the browser tests, e2e/specs/library.spec.ts).
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeAudio } from './decode.ts';
import { demuxMp4Audio } from './mp4-audio-track.ts';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../../../e2e/fixtures/${name}`, import.meta.url)));

describe('demuxMp4Audio', () => {
  it('reads the AAC track of tone.m4a: config, frames and the edit list', async () => {
    const track = await demuxMp4Audio(fixture('tone.m4a'));
    expect(track.codec).toBe('mp4a.40.2');
    expect(track.sampleRate).toBe(44100);
    expect(track.numberOfChannels).toBe(2);
    // AudioSpecificConfig (ISO 14496-3 1.6.2.1): 5 bits object type, 4 bits rate index, 4 bits channels.
    const config = track.description!;
    expect(config[0]! >> 3).toBe(2); // AAC LC
    expect(((config[0]! & 7) << 1) | (config[1]! >> 7)).toBe(4); // 44100 Hz
    expect((config[1]! >> 3) & 0xf).toBe(2); // stereo
    // 3 s of audio plus ffmpeg's 1024 priming samples, 1024 samples a frame.
    expect(track.frames).toHaveLength(Math.ceil((132300 + 1024) / 1024));
    expect(
      track.frames.every(
        (frame, i) => frame.data.length > 0 && frame.timestampUs === Math.round((i * 1024 * 1e6) / 44100),
      ),
    ).toBe(true);
    expect(track.trimStartSec).toBe(1024 / 44100);
    expect(track.keepSec).toBe(3);
  });

  it('says which codec it does not decode', async () => {
    const bytes = fixture('tone.m4a').slice();
    // Rename the sample entry from 'mp4a' to 'alac'-like 'xxxx': mp4box then reports that codec.
    const at = Buffer.from(bytes).indexOf('mp4a');
    bytes.set([0x61, 0x6c, 0x61, 0x63], at); // "alac"
    await expect(demuxMp4Audio(bytes)).rejects.toMatchObject({
      code: 'unsupported-codec',
      message: 'unsupported codec: Apple Lossless (ALAC) in MP4',
    });
  });
});

/**
 * A stand-in for WebCodecs' AudioDecoder: outputs one 1024-frame AudioData per chunk,
 * asynchronously, whose samples count frames from the start of the stream (channel c adds
 * c / 2), so the test can see exactly which decoder output survived the trimming.
 */
class FakeAudioDecoder extends EventTarget {
  static supported = true;
  static failAt = -1;
  static configs: AudioDecoderConfig[] = [];
  state: 'unconfigured' | 'configured' | 'closed' = 'unconfigured';
  decodeQueueSize = 0;
  #decoded = 0;
  #pending: Promise<void> = Promise.resolve();
  readonly #init: AudioDecoderInit;

  constructor(init: AudioDecoderInit) {
    super();
    this.#init = init;
  }
  static async isConfigSupported(config: AudioDecoderConfig) {
    return { supported: FakeAudioDecoder.supported, config };
  }
  configure(config: AudioDecoderConfig) {
    FakeAudioDecoder.configs.push(config);
    this.state = 'configured';
  }
  decode(chunk: { byteLength: number }) {
    if (this.state !== 'configured') throw new Error('InvalidStateError');
    const index = this.#decoded++;
    this.decodeQueueSize++;
    this.#pending = this.#pending.then(() => {
      this.decodeQueueSize--;
      this.dispatchEvent(new Event('dequeue'));
      if (index === FakeAudioDecoder.failAt) {
        this.state = 'closed';
        this.#init.error(new DOMException('Decoding error.', 'EncodingError'));
        return;
      }
      if (this.state === 'closed') return;
      const start = index * 1024;
      this.#init.output({
        numberOfFrames: 1024,
        numberOfChannels: 2,
        sampleRate: 44100,
        format: 'f32-planar',
        copyTo: (destination: Float32Array, { planeIndex }: { planeIndex: number }) => {
          for (let i = 0; i < 1024; i++) destination[i] = start + i + planeIndex / 2;
        },
        close: () => {},
      } as unknown as AudioData);
      expect(chunk.byteLength).toBeGreaterThan(0);
    });
  }
  flush() {
    return this.#pending;
  }
  close() {
    this.state = 'closed';
  }
}

class FakeEncodedAudioChunk {
  readonly byteLength: number;
  constructor(init: { data: Uint8Array }) {
    this.byteLength = init.data.byteLength;
  }
}

describe('decodeAudio on AAC through WebCodecs (stand-in decoder)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    FakeAudioDecoder.supported = true;
    FakeAudioDecoder.failAt = -1;
    FakeAudioDecoder.configs = [];
  });
  const stub = () => {
    vi.stubGlobal('AudioDecoder', FakeAudioDecoder);
    vi.stubGlobal('EncodedAudioChunk', FakeEncodedAudioChunk);
  };

  it('configures the decoder from the esds and trims priming and padding by the edit list', async () => {
    stub();
    const fractions: number[] = [];
    const audio = await decodeAudio(fixture('tone.m4a'), { onProgress: (f) => fractions.push(f) });
    expect(FakeAudioDecoder.configs[0]).toMatchObject({ codec: 'mp4a.40.2', sampleRate: 44100, numberOfChannels: 2 });
    expect(audio).toMatchObject({ container: 'mp4', codec: 'AAC', sampleRate: 44100 });
    expect(audio.channels).toHaveLength(2);
    expect(audio.channels[0]).toHaveLength(132300);
    // The first kept sample is decoder output frame 1024, the last is 1024 + 132300 - 1.
    expect(audio.channels[0]![0]).toBe(1024);
    expect(audio.channels[0]!.at(-1)).toBe(1024 + 132300 - 1);
    expect(audio.channels[1]![0]).toBe(1024.5);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.length).toBeGreaterThan(10);
    fractions.forEach((f, i) => i > 0 && expect(f).toBeGreaterThanOrEqual(fractions[i - 1]!));
  });

  it('reports a configuration the browser cannot decode as unsupported', async () => {
    stub();
    FakeAudioDecoder.supported = false;
    await expect(decodeAudio(fixture('tone.m4a'))).rejects.toMatchObject({
      code: 'unsupported-codec',
      message: 'unsupported codec: this browser cannot decode AAC (mp4a.40.2)',
    });
  });

  it('reports a decoder error as damaged data', async () => {
    stub();
    FakeAudioDecoder.failAt = 20;
    await expect(decodeAudio(fixture('tone.m4a'))).rejects.toMatchObject({
      code: 'decode-failed',
      message: 'the AAC data is damaged (decoder: Decoding error.)',
    });
  });

  it('stops when aborted', async () => {
    stub();
    const controller = new AbortController();
    const onProgress = (fraction: number) => fraction > 0.3 && controller.abort();
    await expect(decodeAudio(fixture('tone.m4a'), { signal: controller.signal, onProgress })).rejects.toMatchObject({
      code: 'aborted',
    });
  });
});
