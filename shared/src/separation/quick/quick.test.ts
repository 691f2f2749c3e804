// Quick end to end: stems that sum to the mix, exact lengths, streamed chunks, stem subsets,
// progress, cancellation, channel layouts, and quality on a small fixed corpus against mix/4.
import { describe, expect, it } from 'vitest';
import { corpusSpecs } from '../../corpus/corpus.ts';
import { CORPUS_STEMS, renderSong } from '../../corpus/song.ts';
import { isAbortError, SfaError } from '../../protocol/errors.ts';
import { meanOverSongs, songSdr } from '../metrics/sdr.ts';
import type { SeparationProgress, StemChunk } from '../types.ts';
import { createQuickSeparator, quickFftSize } from './quick.ts';

const FOUR = ['vocals', 'drums', 'bass', 'other'] as const;

function song(sampleRate: number, durationSec: number, index = 0) {
  return renderSong(corpusSpecs({ count: index + 1, durationSec, sampleRate, seed: 5 })[index]!);
}

function mono(channels: readonly Float32Array[]): Float32Array {
  return channels[0]!.map((v, i) => 0.5 * (v + channels[1]![i]!));
}

function maxSumError(mix: readonly Float32Array[], stems: Record<string, Float32Array[]>): number {
  let worst = 0;
  mix.forEach((channel, c) => {
    for (let i = 0; i < channel.length; i++) {
      const sum = FOUR.reduce((s, stem) => s + stems[stem]![c]![i]!, 0);
      worst = Math.max(worst, Math.abs(sum - channel[i]!));
    }
  });
  return worst;
}

/** Largest difference between two sets of channels (vitest's toEqual is slow on long arrays). */
function maxDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  expect(a.map((c) => c.length)).toEqual(b.map((c) => c.length));
  let worst = 0;
  a.forEach((channel, c) => {
    const other = b[c]!;
    for (let i = 0; i < channel.length; i++) worst = Math.max(worst, Math.abs(channel[i]! - other[i]!));
  });
  return worst;
}

function noise(length: number, channels: number, seed = 1): Float32Array[] {
  let state = seed;
  const next = () => ((state = (state * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: channels }, () => Float32Array.from({ length }, () => 0.3 * next()));
}

describe('Quick separator', () => {
  const quick = createQuickSeparator();

  it('describes itself', () => {
    expect(quick.id).toBe('quick');
    expect(quick.stems).toEqual(['vocals', 'drums', 'bass', 'other', 'instrumental']);
    expect([22_050, 44_100, 48_000, 96_000, 8000].map(quickFftSize)).toEqual([1024, 2048, 2048, 4096, 512]);
  });

  it.each([44_100, 48_000, 22_050])('gives stems that sum to the mix at %i Hz, stereo and mono', async (rate) => {
    const { mix } = song(rate, 3);
    for (const channels of [mix, [mono(mix)]]) {
      const { sampleRate, stems } = await quick.separate({ sampleRate: rate, channels });
      expect(sampleRate).toBe(rate);
      expect(Object.keys(stems)).toEqual([...FOUR]);
      for (const stem of FOUR) {
        expect(stems[stem]).toHaveLength(channels.length);
        for (const channel of stems[stem]!) expect(channel).toHaveLength(channels[0]!.length);
      }
      expect(maxSumError(channels, stems)).toBeLessThan(1e-5);
      // Each stem is a real part of the mix, not a copy of it or silence.
      for (const stem of FOUR) {
        const energy = stems[stem]!.reduce((e, ch) => e + ch.reduce((s, v) => s + v * v, 0), 0);
        expect(energy).toBeGreaterThan(0);
      }
    }
  });

  it('puts known signals where they belong: centred tone, panned tone, low tone, clicks', async () => {
    const rate = 44_100;
    const length = 3 * rate;
    const tone = (hz: number, partials: number) =>
      Float32Array.from({ length }, (_, i) => {
        let v = 0;
        for (let p = 1; p <= partials; p++) v += Math.sin((2 * Math.PI * hz * p * i) / rate) / p;
        return 0.2 * v;
      });
    const silence = new Float32Array(length);
    const voice = tone(440, 8);
    // A short noisy burst every half second.
    const clicks = Float32Array.from({ length }, (_, i) =>
      i % 22_050 < 40 ? 0.5 * Math.sin(i * 2.1) * Math.exp(-(i % 22_050) / 8) : 0,
    );
    const cases: [string, Float32Array[]][] = [
      ['vocals', [voice, voice]],
      ['other', [voice, silence]],
      ['bass', [tone(55, 3), tone(55, 3)]],
      ['drums', [clicks, clicks]],
    ];
    const shares: Record<string, number> = {};
    for (const [expected, channels] of cases) {
      const { stems } = await quick.separate({ sampleRate: rate, channels });
      const energy = (stem: string) => stems[stem]!.reduce((e, ch) => e + ch.reduce((s, v) => s + v * v, 0), 0);
      const total = FOUR.reduce((sum, stem) => sum + energy(stem), 0);
      shares[expected] = energy(expected) / total;
    }
    // Measured: 0.997 and above for every case.
    for (const stem of FOUR) expect(shares[stem], stem).toBeGreaterThan(0.95);
  });

  it('keeps exact lengths: shorter than a frame, a segment multiple, one sample more', async () => {
    const separator = createQuickSeparator({ segmentSec: 0.2 });
    // At 44.1 kHz the hop is 1024 and a 0.2 s segment is 9 hops.
    const segment = 9 * 1024;
    for (const length of [1, 7, 1023, 1024, 1025, segment, 3 * segment, 3 * segment + 1]) {
      const channels = noise(length, 2, length);
      const chunks: { start: number; length: number }[] = [];
      const { stems } = await separator.separate(
        { sampleRate: 44_100, channels },
        { onChunk: (chunk) => void chunks.push({ start: chunk.startFrame, length: chunk.stems.vocals![0]!.length }) },
      );
      for (const stem of FOUR) expect(stems[stem]!.map((c) => c.length)).toEqual([length, length]);
      expect(maxSumError(channels, stems)).toBeLessThan(1e-5);
      expect(chunks.map((c) => c.start)).toEqual(chunks.map((_, i) => i * segment));
      expect(chunks.reduce((sum, c) => sum + c.length, 0)).toBe(length);
    }
  });

  it('streams chunks in order that cover the input and equal the collected stems', async () => {
    const separator = createQuickSeparator({ segmentSec: 0.5 });
    const { mix } = song(44_100, 2.3);
    const chunks: StemChunk[] = [];
    const { stems } = await separator.separate(
      { sampleRate: 44_100, channels: mix },
      { onChunk: (chunk) => void chunks.push(chunk) },
    );
    let position = 0;
    for (const chunk of chunks) {
      expect(chunk.startFrame).toBe(position);
      expect(Object.keys(chunk.stems)).toEqual([...FOUR]);
      for (const stem of FOUR) {
        const length = chunk.stems[stem]![0]!.length;
        expect(
          maxDiff(
            chunk.stems[stem]!,
            stems[stem]!.map((c) => c.subarray(position, position + length)),
          ),
        ).toBe(0);
      }
      position += chunk.stems.vocals![0]!.length;
    }
    expect(position).toBe(mix[0].length);

    // Without collecting, the same chunks arrive and nothing whole-track comes back.
    const streamed: StemChunk[] = [];
    const result = await separator.separate(
      { sampleRate: 44_100, channels: mix },
      { collect: false, onChunk: (chunk) => void streamed.push(chunk) },
    );
    expect(result.stems).toEqual({});
    expect(streamed.map((c) => c.startFrame)).toEqual(chunks.map((c) => c.startFrame));
    expect(maxDiff(streamed.at(-1)!.stems.drums!, chunks.at(-1)!.stems.drums!)).toBe(0);
  });

  it('gives the same stems whatever the segment length (no seams at segment edges)', async () => {
    const { mix } = song(44_100, 2);
    const a = await createQuickSeparator({ segmentSec: 0.1 }).separate({ sampleRate: 44_100, channels: mix });
    const b = await createQuickSeparator({ segmentSec: 10 }).separate({ sampleRate: 44_100, channels: mix });
    for (const stem of FOUR) expect(maxDiff(a.stems[stem]!, b.stems[stem]!)).toBe(0);
  });

  it('computes a single stem alone, and instrumental as mix - vocals', async () => {
    const { mix } = song(44_100, 2);
    const input = { sampleRate: 44_100, channels: mix };
    const all = await quick.separate(input);
    const vocals = await quick.separate(input, { stems: ['vocals'] });
    expect(Object.keys(vocals.stems)).toEqual(['vocals']);
    expect(maxDiff(vocals.stems.vocals!, all.stems.vocals!)).toBe(0);
    // 'other' alone is still the mix minus the other three.
    const other = await quick.separate(input, { stems: ['other'] });
    expect(Object.keys(other.stems)).toEqual(['other']);
    expect(maxDiff(other.stems.other!, all.stems.other!)).toBe(0);
    const bass = await quick.separate(input, { stems: ['bass'] });
    expect(maxDiff(bass.stems.bass!, all.stems.bass!)).toBe(0);
    const karaoke = await quick.separate(input, { stems: ['instrumental', 'vocals'] });
    expect(Object.keys(karaoke.stems)).toEqual(['instrumental', 'vocals']);
    const expected = mix.map((channel, c) => channel.map((v, i) => v - all.stems.vocals![c]![i]!));
    expect(maxDiff(karaoke.stems.instrumental!, expected)).toBe(0);
  });

  it('reports progress that never decreases and ends at 1, segment by segment', async () => {
    const separator = createQuickSeparator({ segmentSec: 0.25 });
    const { mix } = song(44_100, 2);
    const seen: SeparationProgress[] = [];
    await separator.separate({ sampleRate: 44_100, channels: mix }, { onProgress: (p) => seen.push(p) });
    const segments = Math.ceil(mix[0].length / (11 * 1024));
    expect(seen[0]).toMatchObject({ stage: 'prepare', fraction: 0, segment: 0, segments });
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.fraction).toBeGreaterThanOrEqual(seen[i - 1]!.fraction);
      expect(seen[i]!.segment).toBeGreaterThanOrEqual(seen[i - 1]!.segment);
    }
    expect(seen.filter((p) => p.stage === 'separate').map((p) => p.segment)).toEqual(
      Array.from({ length: segments }, (_, i) => i + 1),
    );
    expect(seen.find((p) => p.stage === 'separate')!.etaSec).toBeGreaterThanOrEqual(0);
    expect(seen.at(-1)).toMatchObject({ stage: 'finish', fraction: 1, segment: segments, segments, etaSec: 0 });
  });

  it('stops on cancellation: before it starts, between segments, and from a timer while it runs', async () => {
    const { mix } = song(44_100, 2);
    const input = { sampleRate: 44_100, channels: mix };
    const early = new AbortController();
    early.abort();
    await expect(quick.separate(input, { signal: early.signal })).rejects.toMatchObject({ code: 'aborted' });

    const between = new AbortController();
    const separator = createQuickSeparator({ segmentSec: 0.25 });
    let segmentsSeen = 0;
    const stopped = separator.separate(input, {
      signal: between.signal,
      onProgress: (p) => {
        segmentsSeen = p.segment;
        if (p.segment === 2) between.abort();
      },
    });
    await expect(stopped).rejects.toSatisfy(isAbortError);
    expect(segmentsSeen).toBe(2);

    // A timer can only fire if the loop yields to the event loop while it works.
    const long = { sampleRate: 44_100, channels: noise(44_100 * 120, 2) };
    const timed = new AbortController();
    let progressAtAbort = -1;
    let last = 0;
    setTimeout(() => {
      progressAtAbort = last;
      timed.abort();
    }, 20);
    await expect(
      quick.separate(long, { signal: timed.signal, onProgress: (p) => (last = p.fraction) }),
    ).rejects.toBeInstanceOf(SfaError);
    expect(progressAtAbort).toBeGreaterThanOrEqual(0);
    expect(progressAtAbort).toBeLessThan(1);
  });

  it('returns empty stems for empty input', async () => {
    const chunks: StemChunk[] = [];
    const seen: SeparationProgress[] = [];
    const { stems } = await quick.separate(
      { sampleRate: 44_100, channels: [new Float32Array(0), new Float32Array(0)] },
      { onChunk: (c) => void chunks.push(c), onProgress: (p) => seen.push(p) },
    );
    for (const stem of FOUR) expect(stems[stem]).toEqual([new Float32Array(0), new Float32Array(0)]);
    expect(chunks).toEqual([]);
    expect(seen.at(-1)).toMatchObject({ fraction: 1, segments: 0 });
  });

  it('separates more than two channels as pairs and a last channel alone', async () => {
    const { mix } = song(44_100, 1.5);
    const third = mono(mix);
    const three = await quick.separate({ sampleRate: 44_100, channels: [mix[0], mix[1], third] });
    const pair = await quick.separate({ sampleRate: 44_100, channels: mix });
    const alone = await quick.separate({ sampleRate: 44_100, channels: [third] });
    expect(maxSumError([mix[0], mix[1], third], three.stems)).toBeLessThan(1e-5);
    for (const stem of FOUR) expect(maxDiff(three.stems[stem]!, [...pair.stems[stem]!, ...alone.stems[stem]!])).toBe(0);
  });

  it('rejects what it cannot separate', async () => {
    const channels = noise(100, 2);
    await expect(quick.separate({ sampleRate: 44_100, channels }, { stems: ['guitar'] })).rejects.toMatchObject({
      code: 'bad-request',
    });
    await expect(quick.separate({ sampleRate: 44_100, channels }, { stems: [] })).rejects.toMatchObject({
      code: 'bad-request',
    });
    await expect(quick.separate({ sampleRate: 0, channels })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(quick.separate({ sampleRate: 44_100, channels: [] })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(
      quick.separate({ sampleRate: 44_100, channels: [new Float32Array(3), new Float32Array(4)] }),
    ).rejects.toMatchObject({ code: 'bad-request' });
  });

  it('beats mix/4 on the corpus by more than 1 dB of mean SDR', async () => {
    const baseline = [];
    const separated = [];
    for (const spec of corpusSpecs({ count: 6, durationSec: 12, seed: 1 })) {
      const rendered = renderSong(spec);
      const { stems } = await quick.separate({ sampleRate: rendered.sampleRate, channels: rendered.mix });
      const quarter = rendered.mix.map((channel) => channel.map((v) => v / 4));
      separated.push(songSdr(rendered.stems, stems));
      baseline.push(songSdr(rendered.stems, Object.fromEntries(CORPUS_STEMS.map((stem) => [stem, quarter]))));
    }
    const margin = meanOverSongs(separated) - meanOverSongs(baseline);
    // Measured: 5.1 dB (Quick 1.4 dB, mix/4 -3.7 dB). The song without drums scores about
    // -100 dB on its silent drum stem for both; the five with drums alone give 5.0 dB.
    expect(margin).toBeGreaterThan(1);
  }, 30_000);
});
