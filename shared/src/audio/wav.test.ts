// The WAV parser and encoder: every sample format round-trips, damaged files give clear errors.
import { describe, expect, it } from 'vitest';
import { SfaError } from '../protocol/errors.ts';
import { parseWav } from './wav.ts';
import { encodeWav, type WavBitDepth } from './wav-encode.ts';

/** A deterministic test signal in [-1, 1]: a sine per channel plus the extremes. */
function signal(channelCount: number, frames: number): Float32Array[] {
  return Array.from({ length: channelCount }, (_, channel) => {
    const samples = Float32Array.from(
      { length: frames },
      (_, i) => 0.9 * Math.sin((2 * Math.PI * (channel + 1) * i) / 97),
    );
    samples[0] = -1;
    samples[1] = 1 - 2 ** -23;
    return samples;
  });
}

interface HandBuilt {
  tag: number;
  channels: number;
  sampleRate?: number;
  bits: number;
  /** Bytes per sample container; defaults to bits / 8 rounded up. */
  container?: number;
  extensible?: { subTag: number; validBits?: number; guidTail?: number[] };
  data: number[] | Uint8Array;
  /** Size written in the data chunk header; defaults to the data's length. */
  declaredDataBytes?: number;
  /** Chunks to put between fmt and data. */
  extraChunks?: { id: string; body: number[] }[];
}

const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/** Builds a WAV byte by byte, independently of encodeWav, to test the reader against the spec. */
function handBuilt(spec: HandBuilt): Uint8Array {
  const out: number[] = [];
  const ascii = (text: string) => out.push(...Array.from(text, (c) => c.charCodeAt(0)));
  const u16 = (v: number) => out.push(v & 0xff, (v >> 8) & 0xff);
  const u32 = (v: number) => out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  const container = spec.container ?? Math.ceil(spec.bits / 8);
  const sampleRate = spec.sampleRate ?? 8000;
  ascii('RIFF');
  u32(0); // patched below
  ascii('WAVE');
  ascii('fmt ');
  u32(spec.extensible ? 40 : 16);
  u16(spec.extensible ? 0xfffe : spec.tag);
  u16(spec.channels);
  u32(sampleRate);
  u32(sampleRate * container * spec.channels);
  u16(container * spec.channels);
  u16(spec.bits);
  if (spec.extensible) {
    u16(22);
    u16(spec.extensible.validBits ?? spec.bits);
    u32(0);
    u16(spec.extensible.subTag);
    out.push(...(spec.extensible.guidTail ?? GUID_TAIL));
  }
  for (const chunk of spec.extraChunks ?? []) {
    ascii(chunk.id);
    u32(chunk.body.length);
    out.push(...chunk.body);
    if (chunk.body.length % 2) out.push(0);
  }
  ascii('data');
  u32(spec.declaredDataBytes ?? spec.data.length);
  out.push(...spec.data);
  const bytes = Uint8Array.from(out);
  new DataView(bytes.buffer).setUint32(4, bytes.length - 8, true);
  return bytes;
}

function errorOf(run: () => unknown): SfaError {
  try {
    run();
  } catch (error) {
    if (error instanceof SfaError) return error;
    throw error;
  }
  throw new Error('expected an SfaError');
}

describe('encodeWav then parseWav', () => {
  const cases: [WavBitDepth, number, string, number][] = [
    // bit depth, channels, codec label, tolerance (one LSB of the integer format, or float32 exact)
    [16, 1, 'PCM 16-bit', 2 ** -15],
    [16, 2, 'PCM 16-bit', 2 ** -15],
    [24, 2, 'PCM 24-bit', 2 ** -23],
    [24, 6, 'PCM 24-bit', 2 ** -23], // six channels: WAVE_FORMAT_EXTENSIBLE
    [32, 2, 'Float 32-bit', 0],
    [32, 3, 'Float 32-bit', 0], // extensible float
  ];
  it.each(cases)('round-trips %i-bit with %i channels within one LSB', (bitDepth, channelCount, label, lsb) => {
    const input = signal(channelCount, 1000);
    const parsed = parseWav(encodeWav(input, 44100, bitDepth));
    expect(parsed.sampleRate).toBe(44100);
    expect(parsed.codec).toBe(label);
    expect(parsed.channels).toHaveLength(channelCount);
    parsed.channels.forEach((samples, channel) => {
      expect(samples).toHaveLength(1000);
      let worst = 0;
      samples.forEach((value, i) => (worst = Math.max(worst, Math.abs(value - input[channel]![i]!))));
      expect(worst).toBeLessThanOrEqual(lsb);
    });
  });

  it('writes EXTENSIBLE (0xFFFE) for more than two channels', () => {
    const bytes = encodeWav(signal(3, 10), 48000, 16);
    expect(new DataView(bytes.buffer).getUint16(20, true)).toBe(0xfffe);
  });

  it('rounds to nearest and clips instead of wrapping', () => {
    const input = [Float32Array.of(1.5, -1.5, 0.5 / 32768 + 1e-9, -0.49 / 32768, Number.NaN, 1)];
    const data = encodeWav(input, 8000, 16).subarray(44);
    const ints = Array.from({ length: 6 }, (_, i) => new DataView(data.buffer, data.byteOffset).getInt16(i * 2, true));
    expect(ints).toEqual([32767, -32768, 1, 0, 0, 32767]);
  });

  it('rejects mismatched channel lengths and sample rates out of range', () => {
    expect(() => encodeWav([new Float32Array(2), new Float32Array(3)], 44100, 16)).toThrow(RangeError);
    expect(() => encodeWav([new Float32Array(2)], 0, 16)).toThrow(RangeError);
    expect(() => encodeWav([new Float32Array(2)], 768_001, 16)).toThrow(RangeError);
  });
});

describe('parseWav on hand-built files', () => {
  it('reads unsigned 8-bit', () => {
    const parsed = parseWav(handBuilt({ tag: 1, channels: 1, bits: 8, data: [0, 128, 255] }));
    expect(Array.from(parsed.channels[0]!)).toEqual([-1, 0, 127 / 128]);
    expect(parsed.codec).toBe('PCM 8-bit');
  });

  it('reads 24-bit with the sign in the high byte, interleaved stereo', () => {
    const data = [0x00, 0x00, 0x80, 0xff, 0xff, 0x7f, 0x01, 0x00, 0x00, 0xff, 0xff, 0xff];
    const parsed = parseWav(handBuilt({ tag: 1, channels: 2, bits: 24, data }));
    expect(Array.from(parsed.channels[0]!)).toEqual([-1, 1 / 8388608]);
    expect(Array.from(parsed.channels[1]!)).toEqual([8388607 / 8388608, -1 / 8388608]);
  });

  it('reads 32-bit integer and 64-bit float', () => {
    const int32 = parseWav(handBuilt({ tag: 1, channels: 1, bits: 32, data: [0, 0, 0, 0x80, 0, 0, 0, 0x40] }));
    expect(Array.from(int32.channels[0]!)).toEqual([-1, 0.5]);
    const float64 = new Uint8Array(new Float64Array([0.25, -2]).buffer);
    const parsed = parseWav(handBuilt({ tag: 3, channels: 1, bits: 64, data: float64 }));
    expect(Array.from(parsed.channels[0]!)).toEqual([0.25, -2]);
    expect(parsed.codec).toBe('Float 64-bit');
  });

  it('reads EXTENSIBLE with 20 valid bits in a 24-bit container', () => {
    const bytes = handBuilt({
      tag: 0,
      channels: 1,
      bits: 24,
      extensible: { subTag: 1, validBits: 20 },
      data: [0x00, 0x00, 0x40],
    });
    const parsed = parseWav(bytes);
    expect(parsed.codec).toBe('PCM 20-bit');
    expect(parsed.channels[0]![0]).toBe(0.5);
  });

  it('reads EXTENSIBLE float', () => {
    const data = new Uint8Array(new Float32Array([0.75]).buffer);
    const parsed = parseWav(handBuilt({ tag: 0, channels: 1, bits: 32, extensible: { subTag: 3 }, data }));
    expect(parsed.codec).toBe('Float 32-bit');
    expect(parsed.channels[0]![0]).toBe(0.75);
  });

  it('decodes G.711 μ-law and A-law to the standard linear values', () => {
    // μ-law 0xFF and A-law 0xD5 are the smallest positive codes; 0x80 / 0xAA the largest.
    const mulaw = parseWav(handBuilt({ tag: 7, channels: 1, bits: 8, data: [0xff, 0x7f, 0x80, 0x00] }));
    expect(Array.from(mulaw.channels[0]!, (v) => v * 32768)).toEqual([0, 0, 32124, -32124]);
    const alaw = parseWav(handBuilt({ tag: 6, channels: 1, bits: 8, data: [0xd5, 0x55, 0xaa, 0x2a] }));
    expect(Array.from(alaw.channels[0]!, (v) => v * 32768)).toEqual([8, -8, 32256, -32256]);
  });

  it('skips unknown chunks, including odd-sized ones with their pad byte', () => {
    const extraChunks = [
      { id: 'junk', body: [1, 2, 3] },
      { id: 'LIST', body: Array.from('INFOINAM\x05\x00\x00\x00Title', (c) => c.charCodeAt(0)) },
    ];
    const parsed = parseWav(handBuilt({ tag: 1, channels: 1, bits: 16, data: [0x00, 0x40], extraChunks }));
    expect(Array.from(parsed.channels[0]!)).toEqual([0.5]);
  });

  it('reads RF64 with the data size in its ds64 chunk', () => {
    const base = handBuilt({
      tag: 1,
      channels: 1,
      bits: 16,
      data: [0x00, 0x40, 0x00, 0xc0],
      declaredDataBytes: 0xffffffff,
      extraChunks: [{ id: 'ds64', body: [...new Uint8Array(new BigUint64Array([0n, 4n, 2n]).buffer), 0, 0, 0, 0] }],
    });
    base.set([0x52, 0x46, 0x36, 0x34], 0); // "RF64"
    expect(Array.from(parseWav(base).channels[0]!)).toEqual([0.5, -0.5]);
  });

  it('reads a streamed file whose data size is unknown (0xFFFFFFFF) to the end', () => {
    const bytes = handBuilt({
      tag: 1,
      channels: 1,
      bits: 16,
      data: [0x00, 0x40, 0x00, 0x20],
      declaredDataBytes: 0xffffffff,
    });
    expect(Array.from(parseWav(bytes).channels[0]!)).toEqual([0.5, 0.25]);
  });
});

describe('parseWav errors', () => {
  it('reports a truncated data chunk with both durations', () => {
    const bytes = handBuilt({
      tag: 1,
      channels: 1,
      bits: 16,
      data: new Uint8Array(8000 * 2),
      declaredDataBytes: 8000 * 2 * 75,
    });
    const error = errorOf(() => parseWav(bytes));
    expect(error.code).toBe('truncated');
    expect(error.message).toBe('the file is truncated: the header announces 1:15 of audio but only 1.00 s is present');
  });

  it('tolerates a partial last frame and drops it', () => {
    const bytes = handBuilt({ tag: 1, channels: 2, bits: 16, data: [0, 0x40, 0, 0xc0, 0, 0x20], declaredDataBytes: 8 });
    const parsed = parseWav(bytes);
    expect(parsed.channels.map((c) => Array.from(c))).toEqual([[0.5], [-0.5]]);
  });

  it('reports zero samples as no-audio', () => {
    expect(errorOf(() => parseWav(handBuilt({ tag: 1, channels: 2, bits: 16, data: [] }))).code).toBe('no-audio');
  });

  it('reports a missing data chunk as no-audio and a missing fmt chunk as damaged', () => {
    const noData = handBuilt({ tag: 1, channels: 1, bits: 16, data: [] }).subarray(0, 36);
    expect(errorOf(() => parseWav(noData)).code).toBe('no-audio');
    const noFmt = Uint8Array.from([...'RIFF\x04\x00\x00\x00WAVE'].map((c) => c.charCodeAt(0)));
    expect(errorOf(() => parseWav(noFmt)).message).toMatch(/no format chunk/);
  });

  it('names unsupported codecs and their format tag', () => {
    const adpcm = errorOf(() => parseWav(handBuilt({ tag: 2, channels: 1, bits: 4, data: [1, 2] })));
    expect(adpcm.code).toBe('unsupported-codec');
    expect(adpcm.message).toBe('unsupported codec: Microsoft ADPCM in WAV (format 0x0002)');
    const unknownGuid = handBuilt({
      tag: 0,
      channels: 1,
      bits: 16,
      extensible: { subTag: 1, guidTail: Array(14).fill(7) },
      data: [0, 0],
    });
    expect(errorOf(() => parseWav(unknownGuid)).code).toBe('unsupported-codec');
  });

  it('rejects more than 32 channels and rates above 768 kHz, accepts the limits', () => {
    expect(errorOf(() => parseWav(handBuilt({ tag: 1, channels: 33, bits: 8, data: Array(33).fill(128) }))).code).toBe(
      'unsupported-codec',
    );
    expect(
      errorOf(() => parseWav(handBuilt({ tag: 1, channels: 1, bits: 8, sampleRate: 768_001, data: [128] }))).code,
    ).toBe('unsupported-codec');
    expect(
      parseWav(handBuilt({ tag: 1, channels: 32, bits: 8, sampleRate: 768_000, data: Array(32).fill(128) })).channels,
    ).toHaveLength(32);
    expect(parseWav(handBuilt({ tag: 1, channels: 1, bits: 8, sampleRate: 1, data: [128] })).sampleRate).toBe(1);
  });
});
