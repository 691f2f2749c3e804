// MP3 through LAME (wasm-media-encoders), VBR or CBR, streamed: an ID3v2 tag, then an Info/Xing
// frame with a LAME tag (frame count, encoder delay, padding) so gapless decoders give back
// exactly `frames` samples, then LAME's frames as they come. A sink that can seek gets the byte
// count, the seek table and the CRCs patched in at the end; one that cannot (a ZIP entry) gets
// what is known up front: the frame count, delay and padding follow from the length alone.
import { ID3Writer } from 'browser-id3-writer';
import { createMp3Encoder as createLame } from 'wasm-media-encoders';
import { SfaError } from '@sfa/shared/protocol/errors';
import type { AudioTags, ByteSink, Mp3Options, StreamInfo } from '../types.ts';
import type { FormatEncoder } from './format-encoder.ts';
import { crc16, LAME_ENCODER_DELAY, parseMpegHeader, xingFrame, type XingFields } from './mp3-xing.ts';

/** The rates MPEG-1, -2 and -2.5 layer III define; LAME would resample anything else. */
export const MP3_SAMPLE_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] as const;
const CBR_BITRATES = [128, 160, 192, 256, 320] as const;
/** VBR -V2 (~190 kbit/s): LAME's recommended "transparent" setting. */
export const DEFAULT_MP3_OPTIONS: Mp3Options = { mode: 'vbr', bitrate: 192, vbrQuality: 2 };
export const MP3_ENCODER_NAME = 'Sound Forge Alchemy (LAME 3.100)';
const TOC_POINTS = 100;

type Lame = Awaited<ReturnType<typeof createLame>>;
/** LAME instances are reusable (`configure` resets one): keep finished ones for the next file. */
const lameEncoders: Lame[] = [];

/**
 * An MP3 encoder for `info`. Throws `bad-request` for more than two channels, a sample rate MP3
 * lacks, or options outside VBR 0-9 / CBR 128-320. Below 32 kHz (MPEG-2 and 2.5) LAME caps CBR at
 * 160 kbit/s or less; the Info frame records the rate it used.
 */
export async function createMp3Encoder(
  options: Mp3Options = DEFAULT_MP3_OPTIONS,
  info: StreamInfo,
  sink: ByteSink,
): Promise<FormatEncoder> {
  checkMp3Stream(options, info);
  const { channelCount, sampleRate, frames } = info;
  const isVbr = options.mode === 'vbr';
  const samplesPerFrame = sampleRate >= 32000 ? 1152 : 576;
  // This LAME build writes one frame per `samplesPerFrame` started, plus its delay and flush:
  // one more frame for MPEG-1, two for MPEG-2/2.5 (measured for every length up to 12000
  // samples; the tests check it against what LAME writes).
  const expectedFrames = Math.ceil(frames / samplesPerFrame) + (samplesPerFrame === 1152 ? 1 : 2);
  const seekable = sink.patch !== undefined;

  const lame = lameEncoders.pop() ?? (await createLame());
  lame.configure({
    sampleRate,
    channels: channelCount as 1 | 2,
    // The output rate is pinned so LAME never resamples (which would change the length).
    outputSampleRate: sampleRate as (typeof MP3_SAMPLE_RATES)[number],
    ...(isVbr ? { vbrQuality: options.vbrQuality } : { bitrate: options.bitrate }),
  });

  const id3 = id3Tag(info.tags);
  await sink.write(id3);

  const frameIndex = new FrameIndex(expectedFrames);
  let xingBase: Omit<XingFields, 'frameCount' | 'paddingSamples'> | undefined;
  let xingBytes = 0;
  let audioBytes = 0;
  let musicCrc = 0;
  /** LAME's first bytes, held until they hold a frame header for the Info frame to copy. */
  let held: Uint8Array = new Uint8Array(0);
  const paddingFor = (frameCount: number) => frameCount * samplesPerFrame - frames - LAME_ENCODER_DELAY;

  const writeAudio = async (encoded: Uint8Array) => {
    if (encoded.length === 0) return;
    // LAME's output is a view of its memory, reused on the next call: copy it.
    let bytes: Uint8Array = encoded.slice();
    if (!xingBase) {
      bytes = concat(held, bytes);
      if (bytes.length < 4) {
        held = bytes;
        return;
      }
      xingBase = {
        firstFrameHeader: bytes.subarray(0, 4),
        isVbr,
        vbrQuality: options.vbrQuality,
        delaySamples: LAME_ENCODER_DELAY,
        seekable,
      };
      const frame = xingFrame({ ...xingBase, frameCount: expectedFrames, paddingSamples: paddingFor(expectedFrames) });
      xingBytes = frame.length;
      await sink.write(frame);
    }
    frameIndex.add(bytes);
    if (seekable) musicCrc = crc16(bytes, musicCrc);
    audioBytes += bytes.length;
    await sink.write(bytes);
  };

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    lameEncoders.push(lame);
  };

  return {
    async push(channels) {
      if ((channels[0]?.length ?? 0) === 0) return;
      await writeAudio(lame.encode(channels));
    },
    async finish() {
      try {
        await writeAudio(lame.finalize());
      } finally {
        release();
      }
      if (!xingBase) throw new SfaError('internal', 'the MP3 encoder wrote no audio');
      const frameCount = frameIndex.frameCount;
      if (sink.patch) {
        const totalBytes = xingBytes + audioBytes;
        const tocOffsets = frameIndex.sampledOffsets();
        const paddingSamples = paddingFor(frameCount);
        const fields = { ...xingBase, frameCount, paddingSamples, totalBytes, audioBytes, tocOffsets, musicCrc };
        await sink.patch(id3.length, xingFrame(fields));
      } else if (frameCount !== expectedFrames) {
        // Without a way back to the header, a wrong count would make gapless players cut audio.
        throw new SfaError('internal', `LAME wrote ${frameCount} MP3 frames where ${expectedFrames} were announced`);
      }
    },
  };
}

function checkMp3Stream(options: Mp3Options, { channelCount, sampleRate }: StreamInfo): void {
  if (channelCount > 2) {
    throw new SfaError('bad-request', `MP3 holds one or two channels, not ${channelCount}: choose WAV or FLAC`);
  }
  if (!(MP3_SAMPLE_RATES as readonly number[]).includes(sampleRate)) {
    throw new SfaError(
      'bad-request',
      `MP3 cannot store ${sampleRate} Hz audio: it allows ${MP3_SAMPLE_RATES.join(', ')} Hz (choose WAV or FLAC)`,
    );
  }
  if (options.mode === 'vbr' && !(options.vbrQuality >= 0 && options.vbrQuality <= 9)) {
    throw new SfaError('bad-request', `MP3 VBR quality ${options.vbrQuality} is outside 0 (best) to 9`);
  }
  if (options.mode === 'cbr' && !(CBR_BITRATES as readonly number[]).includes(options.bitrate)) {
    throw new SfaError(
      'bad-request',
      `MP3 bit rate ${options.bitrate} kbit/s is not one of ${CBR_BITRATES.join(', ')}`,
    );
  }
}

/** ID3v2.3 (UTF-16 text: what Windows, macOS and most players read) with a padding area. */
function id3Tag(tags: AudioTags): Uint8Array {
  const writer = new ID3Writer(new ArrayBuffer(0));
  writer.setFrame('TIT2', tags.title);
  if (tags.artist) writer.setFrame('TPE1', [tags.artist]);
  if (tags.album) writer.setFrame('TALB', tags.album);
  if (tags.comment) writer.setFrame('COMM', { description: '', text: tags.comment, language: 'eng' });
  writer.setFrame('TSSE', MP3_ENCODER_NAME);
  return new Uint8Array(writer.addTag());
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Follows frame headers through LAME's output (which may split anywhere) to count the frames
 * and keep the offsets of the 100 frames a Xing seek table points at (0%, 1%... of them).
 */
class FrameIndex {
  frameCount = 0;
  readonly #sampleFrames: number[];
  readonly #offsets: number[] = [];
  #received = 0;
  #nextFrameAt = 0;
  #header: number[] = [];

  constructor(expectedFrames: number) {
    this.#sampleFrames = Array.from({ length: TOC_POINTS }, (_, i) => Math.floor((i * expectedFrames) / TOC_POINTS));
  }

  add(bytes: Uint8Array): void {
    const start = this.#received;
    const end = start + bytes.length;
    while (this.#nextFrameAt + this.#header.length < end) {
      this.#header.push(bytes[this.#nextFrameAt + this.#header.length - start]!);
      if (this.#header.length < 4) continue;
      const header = parseMpegHeader(this.#header);
      if (!header) throw new SfaError('internal', `the MP3 encoder wrote a damaged frame at byte ${this.#nextFrameAt}`);
      while (this.#offsets.length < TOC_POINTS && this.#sampleFrames[this.#offsets.length] === this.frameCount) {
        this.#offsets.push(this.#nextFrameAt);
      }
      this.frameCount++;
      this.#nextFrameAt += header.frameBytes;
      this.#header = [];
    }
    this.#received = end;
  }

  sampledOffsets(): number[] {
    return this.#offsets;
  }
}
