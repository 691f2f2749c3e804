// Export rendering on plain arrays: stems come out exactly as stored, mixes equal the sum of the
// stems times the strips' gains (computed here independently), and the stretched mix is driven
// at the right source positions and has exactly round(frames / speed) frames.
import { describe, expect, it } from 'vitest';
import type { StemName } from '@sfa/shared/separation/types';
import type { Stretcher } from '../mixer/stretch.ts';
import { defaultStrip, type ChannelStrip } from '../mixer/strips.ts';
import {
  BLOCK_FRAMES,
  mixGains,
  mixStream,
  stemStream,
  stretchedMixStream,
  type AudioStream,
  type ChunkSource,
  type SetShape,
  type StemChunk,
} from './render.ts';

const STEMS: StemName[] = ['vocals', 'drums', 'bass', 'other'];

/** A set whose stem s, channel c, frame i holds a distinct value; chunks of `chunkFrames`. */
function fakeSet(frames: number, channelCount: number, chunkFrames: number): { set: SetShape; source: ChunkSource } {
  const value = (s: number, c: number, i: number) => Math.sin(i * 0.001 * (s + 1) + c) * (0.2 + 0.1 * s);
  const chunks: StemChunk[] = [];
  // The separator may store a last chunk that runs past the set's length: only `frames` count.
  for (let start = 0; start < frames; start += chunkFrames) {
    const length = Math.min(chunkFrames, frames - start + 7);
    const stems = Object.fromEntries(
      STEMS.map((stem, s) => [
        stem,
        Array.from({ length: channelCount }, (_, c) => Float32Array.from({ length }, (_, i) => value(s, c, start + i))),
      ]),
    ) as Record<StemName, Float32Array[]>;
    chunks.push({ startFrame: start, frames: length, stems });
  }
  return {
    set: { sampleRate: 22_050, channelCount, frames, stems: STEMS },
    source: async function* () {
      yield* chunks;
    },
  };
}

async function collect(stream: AudioStream): Promise<Float32Array[]> {
  const out = Array.from({ length: stream.channelCount }, () => new Float32Array(stream.frames + 10_000));
  let at = 0;
  for await (const block of stream.blocks()) {
    expect(block).toHaveLength(stream.channelCount);
    expect(block[0]!.length).toBeLessThanOrEqual(BLOCK_FRAMES);
    block.forEach((channel, c) => out[c]!.set(channel, at));
    at += block[0]!.length;
  }
  expect(at).toBe(stream.frames);
  return out.map((channel) => channel.subarray(0, at));
}

async function wholeStem(source: ChunkSource, set: SetShape, stem: StemName): Promise<Float32Array[]> {
  return collect(stemStream(source, set, stem));
}

describe('stemStream', () => {
  it('gives the stored samples of one stem, at the exact length, across chunk boundaries', async () => {
    const { set, source } = fakeSet(50_001, 2, 20_000);
    const stream = stemStream(source, set, 'drums');
    expect(stream).toMatchObject({ sampleRate: 22_050, channelCount: 2, frames: 50_001 });
    const [left, right] = await collect(stream);
    expect(left![30_000]).toBe(Math.fround(Math.sin(30_000 * 0.002) * 0.3));
    expect(right![50_000]).toBe(Math.fround(Math.sin(50_000 * 0.002 + 1) * 0.3));
  });

  it('says which frames are missing when the chunks stop early or skip', async () => {
    const { set, source } = fakeSet(50_000, 1, 20_000);
    await expect(collect(stemStream(source, { ...set, frames: 70_000 }, 'vocals'))).rejects.toThrow(
      /50007 of 70000 frames/,
    );
    const skipping: ChunkSource = async function* () {
      let first = true;
      for await (const chunk of source()) {
        if (first) first = false;
        else yield chunk;
      }
    };
    await expect(collect(stemStream(skipping, set, 'vocals'))).rejects.toThrow(/starts at frame 20000, not 0/);
    expect(() => stemStream(source, set, 'guitar' as StemName)).toThrow(/no stem "guitar"/);
  });
});

describe('mixStream', () => {
  /** The mix computed here sample by sample: Σ gain × stem, from the stems read one by one. */
  async function expectedMix(
    source: ChunkSource,
    set: SetShape,
    stems: StemName[],
    gains: [number, number][],
    channels: number,
  ): Promise<Float32Array[]> {
    const out = Array.from({ length: channels }, () => new Float64Array(set.frames));
    for (const [s, stem] of stems.entries()) {
      const samples = await wholeStem(source, set, stem);
      for (let i = 0; i < set.frames; i++) {
        const left = samples[0]![i]!;
        const right = samples[1]?.[i] ?? left;
        if (channels === 1) out[0]![i]! += ((gains[s]![0] + gains[s]![1]) / 2) * ((left + right) / 2);
        else {
          out[0]![i]! += gains[s]![0] * left;
          out[1]![i]! += gains[s]![1] * right;
        }
      }
    }
    return out.map((channel) => Float32Array.from(channel));
  }

  function maxDiff(a: Float32Array[], b: Float32Array[]): number {
    let worst = 0;
    a.forEach((channel, c) => channel.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b[c]![i]!)))));
    return worst;
  }

  it('sums the chosen stems at unity with default strips; a mono set stays mono', async () => {
    const { set, source } = fakeSet(45_000, 1, 16_000);
    const stems: StemName[] = ['vocals', 'bass', 'other'];
    const stream = mixStream(source, set, { stems, strips: STEMS.map(defaultStrip), masterDb: 0 });
    expect(stream.channelCount).toBe(1);
    const mixed = await collect(stream);
    const expected = await expectedMix(
      source,
      set,
      stems,
      [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
      1,
    );
    expect(maxDiff(mixed, expected)).toBeLessThan(1e-6);
    // It is not just one stem.
    expect(maxDiff(mixed, await wholeStem(source, set, 'vocals'))).toBeGreaterThan(0.1);
  });

  it('applies faders, pans, mutes, solos and the master; a pan makes a mono set stereo', async () => {
    const { set, source } = fakeSet(40_000, 1, 16_000);
    const strips: ChannelStrip[] = [
      { stem: 'vocals', gainDb: -6, pan: -1, muted: false, soloed: true },
      { stem: 'drums', gainDb: 0, pan: 0, muted: false, soloed: false },
      { stem: 'bass', gainDb: 6, pan: 0.5, muted: false, soloed: true },
      { stem: 'other', gainDb: 0, pan: 0, muted: true, soloed: true },
    ];
    const stream = mixStream(source, set, { stems: STEMS, strips, masterDb: -3 });
    expect(stream.channelCount).toBe(2);
    const master = 10 ** (-3 / 20);
    // Balance pan: hard left keeps the left at unity and silences the right; half right
    // lowers the left to cos(π/4). Drums are not soloed, other is muted.
    const gains: [number, number][] = [
      [10 ** (-6 / 20) * master, 0],
      [0, 0],
      [10 ** (6 / 20) * master * Math.cos(Math.PI / 4), 10 ** (6 / 20) * master],
      [0, 0],
    ];
    expect(maxDiff(await collect(stream), await expectedMix(source, set, STEMS, gains, 2))).toBeLessThan(1e-6);
  });

  it('mixes a stereo set in stereo', async () => {
    const { set, source } = fakeSet(30_000, 2, 16_000);
    const stream = mixStream(source, set, { stems: ['drums', 'other'], strips: [], masterDb: 0 });
    expect(stream.channelCount).toBe(2);
    const expected = await expectedMix(
      source,
      set,
      ['drums', 'other'],
      [
        [1, 1],
        [1, 1],
      ],
      2,
    );
    expect(maxDiff(await collect(stream), expected)).toBeLessThan(1e-6);
  });
});

describe('mixGains', () => {
  const strip = (stem: StemName, change: Partial<ChannelStrip>): ChannelStrip => ({ ...defaultStrip(stem), ...change });

  it('counts solos among the chosen stems only', () => {
    // Vocals soloed in the mixer, the mix of the others exported: they are all heard.
    const strips = [strip('vocals', { soloed: true }), strip('drums', {}), strip('bass', { gainDb: -6 })];
    const gains = mixGains({ stems: ['drums', 'bass'], strips, masterDb: 0 });
    expect(gains[0]).toEqual([1, 1]);
    expect(gains[1]![0]).toBeCloseTo(10 ** (-6 / 20), 12);
  });

  it('refuses a mix that would be silence, naming the stems', () => {
    const strips = [strip('drums', { muted: true }), strip('bass', { gainDb: -60 })];
    expect(() => mixGains({ stems: ['drums', 'bass'], strips, masterDb: 0 })).toThrow(/drums, bass.*silence/);
  });
});

describe('stretchedMixStream', () => {
  const IN_LATENCY = 900;
  const OUT_LATENCY = 1100;

  /**
   * A stand-in for Signalsmith Stretch with its contract: a window ending at source frame
   * `position + lookAhead(rate)` yields the output for `position`, and output frame k of a block
   * is source frame `position + k × rate` (nearest below). The source is a ramp (frame n holds
   * n + 1, 0 outside), so the fake reads from the window where it ends and outputs the source
   * frame it stands for; a window misplaced or not contiguous gives the wrong frames or NaN.
   */
  async function fakeStretcher(channels: number): Promise<Stretcher> {
    const windowFrames = IN_LATENCY + OUT_LATENCY;
    const input = Array.from({ length: channels }, () => new Float32Array(windowFrames));
    const lookAhead = (rate: number) => Math.round(IN_LATENCY + OUT_LATENCY * rate);
    return {
      channels,
      windowFrames,
      lookAhead,
      input: () => input,
      setSemitones: () => undefined,
      render(rate, output, offset, length) {
        for (let c = 0; c < output.length; c++) {
          const window = input[c]!;
          const known = window.findIndex((v) => v !== 0);
          const end = known < 0 ? NaN : window[known]! - 1 - known + windowFrames;
          const contiguous = window.every((v, i) => v === 0 || v === end - windowFrames + i + 1);
          const position = contiguous ? end - lookAhead(rate) : NaN;
          for (let k = 0; k < length; k++) output[c]![offset + k] = position + Math.floor(k * rate);
        }
      },
    };
  }

  /** A set of one stem whose frame n holds n + 1 (so outputs name their source frames). */
  function rampSet(frames: number): { set: SetShape; source: ChunkSource } {
    const stems = ['vocals'] as StemName[];
    return {
      set: { sampleRate: 44_100, channelCount: 1, frames, stems },
      source: async function* (): AsyncGenerator<StemChunk> {
        for (let start = 0; start < frames; start += 10_000) {
          const length = Math.min(10_000, frames - start);
          yield {
            startFrame: start,
            frames: length,
            stems: { vocals: [Float32Array.from({ length }, (_, i) => start + i + 1)] } as StemChunk['stems'],
          };
        }
      },
    };
  }

  for (const speed of [0.5, 1.5]) {
    it(`at ${speed}x lasts round(frames / speed) and plays the source frames the position says`, async () => {
      const frames = 100_003;
      const { set, source } = rampSet(frames);
      const stream = stretchedMixStream(
        source,
        set,
        { stems: ['vocals'], strips: [], masterDb: 0 },
        { speed, semitones: 0, createStretcher: fakeStretcher },
      );
      expect(stream.frames).toBe(Math.round(frames / speed));
      const [out] = await collect(stream);
      // Blocks of 1024 output frames start at positions that are whole frames at these speeds.
      // (The fake cannot name a frame from a window wholly past the end: the last ~2000 are not read.)
      for (const k of [0, 1, 1023, 1024, 5000, 40_000, stream.frames - 2000])
        expect(out![k]).toBe(Math.floor(k * speed));
    });
  }

  it('is the plain mix, sample for sample, at speed 1 and no pitch change', async () => {
    const { set, source } = rampSet(30_000);
    const mix = { stems: ['vocals'] as StemName[], strips: [], masterDb: 0 };
    const stream = stretchedMixStream(source, set, mix, {
      speed: 1,
      semitones: 0,
      createStretcher: () => Promise.reject(new Error('not needed')),
    });
    expect(await collect(stream)).toEqual(await collect(mixStream(source, set, mix)));
  });
});
