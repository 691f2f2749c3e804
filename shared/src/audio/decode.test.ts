// Every fixture decoded: rate, channels, length to the sample, the tone really there, bad files refused.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SfaError } from '../protocol/errors.ts';
import { decodeAudio, type DecodedAudio } from './decode.ts';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../../../e2e/fixtures/${name}`, import.meta.url)));

async function decodeError(bytes: Uint8Array, options?: Parameters<typeof decodeAudio>[1]): Promise<SfaError> {
  const error = await decodeAudio(bytes, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof SfaError) return error;
  throw new Error(`expected an SfaError, got ${String(error)}`);
}

/** Goertzel power of `frequencyHz` over the whole signal: an independent spectral probe. */
function goertzelPower(samples: Float32Array, sampleRate: number, frequencyHz: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequencyHz) / sampleRate);
  let previous = 0;
  let beforePrevious = 0;
  for (const sample of samples) {
    const current = sample + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  return (
    (previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious) /
    samples.length ** 2
  );
}

function rms(samples: Float32Array): number {
  return Math.sqrt(samples.reduce((sum, v) => sum + v * v, 0) / samples.length);
}

/**
 * Milliseconds from 0.5 s (the second chord strike) until the signal first exceeds 40% of that
 * strike's peak. Encoder priming left in (or trimmed too much) moves this by tens of ms.
 */
function strikeOnsetMs(samples: Float32Array, sampleRate: number): number {
  const at = (sec: number) => Math.round(sec * sampleRate);
  let peak = 0;
  for (let i = at(0.5); i < at(0.55); i++) peak = Math.max(peak, Math.abs(samples[i]!));
  for (let i = at(0.45); i < at(0.6); i++)
    if (Math.abs(samples[i]!) > 0.4 * peak) return ((i - at(0.5)) / sampleRate) * 1000;
  return Number.NaN;
}

// Frame counts the fixture script asks for. Lossless codecs must match exactly; lossy ones
// may differ by one codec frame (encoder delay/padding bookkeeping), though all four decoders
// here are measured exact: mpg123 reads LAME's gapless header, Vorbis and Opus trim to the
// final granule position, Opus also drops its pre-skip.
const FIXTURES = [
  {
    name: 'tone.wav',
    container: 'wav',
    codec: 'PCM 16-bit',
    sampleRate: 44100,
    channels: 2,
    frames: 110250,
    tolerance: 0,
  },
  { name: 'tone.mp3', container: 'mp3', codec: 'MP3', sampleRate: 44100, channels: 2, frames: 132300, tolerance: 1152 },
  {
    name: 'tone-mono.mp3',
    container: 'mp3',
    codec: 'MP3',
    sampleRate: 22050,
    channels: 1,
    frames: 22050,
    tolerance: 576,
  },
  { name: 'tone.flac', container: 'flac', codec: 'FLAC', sampleRate: 48000, channels: 2, frames: 192000, tolerance: 0 },
  {
    name: 'tone.ogg',
    container: 'ogg',
    codec: 'Vorbis',
    sampleRate: 44100,
    channels: 2,
    frames: 154350,
    tolerance: 2048,
  },
  {
    name: 'tone.opus',
    container: 'ogg',
    codec: 'Opus',
    sampleRate: 48000,
    channels: 1,
    frames: 144000,
    tolerance: 960,
  },
  { name: 'tone-flac.oga', container: 'ogg', codec: 'FLAC', sampleRate: 8000, channels: 1, frames: 8000, tolerance: 0 },
] as const;

describe('decodeAudio on the fixtures', () => {
  const decoded = new Map<string, DecodedAudio>();
  const decode = async (name: string) =>
    decoded.get(name) ?? decoded.set(name, await decodeAudio(fixture(name))).get(name)!;

  it.each(FIXTURES)('$name: format, rate, channels and length', async (expected) => {
    const audio = await decode(expected.name);
    expect(audio.container).toBe(expected.container);
    expect(audio.codec).toBe(expected.codec);
    expect(audio.sampleRate).toBe(expected.sampleRate);
    expect(audio.channels).toHaveLength(expected.channels);
    for (const samples of audio.channels) {
      expect(Math.abs(samples.length - expected.frames)).toBeLessThanOrEqual(expected.tolerance);
      expect(samples.length).toBe(audio.channels[0]!.length);
    }
  });

  it.each(FIXTURES)('$name: holds the 440 + 660 Hz chord', async ({ name }) => {
    const { channels, sampleRate } = await decode(name);
    const left = channels[0]!;
    const chord = Math.min(goertzelPower(left, sampleRate, 440), goertzelPower(left, sampleRate, 660));
    const elsewhere = Math.max(goertzelPower(left, sampleRate, 300), goertzelPower(left, sampleRate, 1000));
    expect(chord / elsewhere).toBeGreaterThan(100);
    expect(left.every((v) => Math.abs(v) <= 1)).toBe(true);
    // The right channel was written at 0.8 times the left.
    if (channels.length === 2) expect(rms(channels[1]!) / rms(left)).toBeCloseTo(0.8, 1);
  });

  it.each(FIXTURES)('$name: starts on time (priming removed)', async ({ name }) => {
    const reference = await decode('tone.wav');
    const { channels, sampleRate } = await decode(name);
    const expectedMs = strikeOnsetMs(reference.channels[0]!, reference.sampleRate);
    expect(Math.abs(strikeOnsetMs(channels[0]!, sampleRate) - expectedMs)).toBeLessThan(1);
  });
});

describe('decodeAudio errors', () => {
  it.each([
    ['empty.mp3', 'empty-file', 'the file is empty'],
    ['not-audio.mp3', 'not-audio', 'not an audio file: it starts with text'],
    ['empty-audio.wav', 'no-audio', 'the file contains no audio samples'],
    [
      'truncated.wav',
      'truncated',
      'the file is truncated: the header announces 2.00 s of audio but only 0.50 s is present',
    ],
    ['adpcm.wav', 'unsupported-codec', 'unsupported codec: Microsoft ADPCM in WAV (format 0x0002)'],
    ['tone.m4a', 'unsupported-codec', 'unsupported codec: AAC needs WebCodecs, which this runtime lacks'],
  ])('%s: %s', async (name, code, message) => {
    expect(await decodeError(fixture(name))).toMatchObject({ code, message });
  });

  it('corrupt.flac: decodes short of its STREAMINFO length', async () => {
    const error = await decodeError(fixture('corrupt.flac'));
    expect(error.code).toBe('truncated');
    expect(error.message).toMatch(
      /^the file is truncated or damaged: the header announces 4\.00 s of audio but only 0\.\d\d s could be decoded$/,
    );
  });
});

describe('decodeAudio truncation', () => {
  const cut = (name: string, share: number) => {
    const bytes = fixture(name);
    return bytes.subarray(0, Math.round(bytes.length * share));
  };

  it.each([
    ['tone.mp3', /^the file is truncated: the header announces 3\.03 s of audio but only 1\.\d\d s is present$/],
    ['tone-mono.mp3', /^the file is truncated: the header announces 1\.07 s of audio but only 0\.\d\d s is present$/],
    [
      'tone.flac',
      /^the file is truncated or damaged: the header announces 4\.00 s of audio but only 1\.\d\d s could be decoded$/,
    ],
    ['tone.ogg', /^the file is truncated: the Ogg stream stops after \d\.\d\d s without its end marker$/],
    ['tone.opus', /^the file is truncated: the Ogg stream stops after \d\.\d\d s without its end marker$/],
    ['tone-flac.oga', /^the file is truncated: the Ogg stream stops after 0\.\d\d s without its end marker$/],
    ['tone.m4a', /^the file is truncated: the header announces 3\.00 s of audio but only 1\.\d\d s is present$/],
  ])('%s cut in half', async (name, message) => {
    const error = await decodeError(cut(name, 0.5));
    expect(error.code).toBe('truncated');
    expect(error.message).toMatch(message);
  });

  it('counts MP3 frames when the Xing header has no byte count', async () => {
    const bytes = fixture('tone.mp3').slice();
    // Xing flags: clear "bytes present" (bit 1); the frame count stays. Offset: ID3 tag,
    // 4-byte frame header, 32 bytes of MPEG-1 stereo side information, "Info", flags.
    const xing = Buffer.from(bytes).indexOf('Info');
    bytes[xing + 7] = bytes[xing + 7]! & ~2;
    const error = await decodeError(bytes.subarray(0, Math.round(bytes.length * 0.5)));
    expect(error.message).toMatch(
      /^the file is truncated: the header announces 3\.03 s of audio but only 1\.\d\d s is present$/,
    );
  });

  it('accepts an MP3 cut inside its last frame', async () => {
    const bytes = fixture('tone.mp3');
    const audio = await decodeAudio(bytes.subarray(0, bytes.length - 100));
    expect(audio.channels[0]!.length).toBeGreaterThan(132300 - 2 * 1152);
  });
});

describe('decodeAudio on damaged data', () => {
  afterEach(() => vi.restoreAllMocks());

  /** Overwrites `length` bytes at `offset` with deterministic noise. */
  function damaged(name: string, offset: number, length: number): Uint8Array {
    const bytes = fixture(name).slice();
    let state = 12345;
    for (let i = offset; i < offset + length; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      bytes[i] = state >>> 24;
    }
    return bytes;
  }

  // mpg123 reacts to noise in several ways, depending on what the noise looks like: it reports
  // damaged frames, skips them silently (the Xing frame count then shows the hole), or takes
  // noise for frames at another sample rate. Each is a damaged file, worded as such.
  const mp3Damage =
    /^the MP3 data is damaged: (\d+ frames could not be decoded \(decoder: .+\)|.+ of its audio could not be decoded|its sample rate changes part-way through)$/;

  it.each([
    ['tone.mp3', 3000, mp3Damage],
    ['tone.mp3', 8000, mp3Damage],
    ['tone.ogg', 3000, /^the Vorbis data is damaged \(decoder: .+\)$/],
    ['tone.opus', 3000, /^the Opus data is damaged \(decoder: .+\)$/],
  ])('%s with %i bytes of noise: decode-failed, nothing printed', async (name, length, message) => {
    const consoleError = vi.spyOn(console, 'error');
    const error = await decodeError(damaged(name, name === 'tone.mp3' ? 20000 : 8000, length));
    expect(error.code).toBe('decode-failed');
    expect(error.message).toMatch(message);
    expect(consoleError).not.toHaveBeenCalled();
  });
});

describe('decodeAudio progress and cancellation', () => {
  // Files are decoded in about 100 steps of at least 4 KiB (WASM decoders) or 16384 frames
  // (WAV); tone-mono.mp3 (3 KiB) is a single step.
  const multiStep = FIXTURES.filter((f) => f.name !== 'tone-mono.mp3');

  it.each(FIXTURES)('$name: progress stays in [0, 1], never decreases and ends at 1', async ({ name }) => {
    const bytes = fixture(name);
    const fractions: number[] = [];
    await decodeAudio(bytes, { onProgress: (f) => fractions.push(f) });
    expect(fractions.length).toBeGreaterThanOrEqual(bytes.length > 16384 ? 4 : 2);
    expect(fractions[0]).toBe(0);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.filter((f) => f === 1)).toHaveLength(1);
    fractions.forEach((f, i) => {
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThanOrEqual(1);
      if (i > 0) expect(f).toBeGreaterThanOrEqual(fractions[i - 1]!);
    });
  });

  it.each(multiStep)('$name: aborting mid-decode throws aborted', async ({ name }) => {
    const controller = new AbortController();
    const onProgress = (fraction: number) => {
      if (fraction > 0) controller.abort();
    };
    const error = await decodeError(fixture(name), { signal: controller.signal, onProgress });
    expect(error.code).toBe('aborted');
  });

  it('an already aborted signal stops before any work', async () => {
    const onProgress = vi.fn();
    const error = await decodeError(fixture('tone.flac'), { signal: AbortSignal.abort(), onProgress });
    expect(error.code).toBe('aborted');
    expect(onProgress).not.toHaveBeenCalled();
  });
});
