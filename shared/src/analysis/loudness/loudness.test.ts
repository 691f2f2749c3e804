// measureLoudness against the EBU conformance signals, synthesised here from the tables of
// EBU Tech 3341 (v4, 2023: meters and true peak) and Tech 3342 (v4, 2023: loudness range),
// with the tolerances those documents set. The EBU publishes the signals as WAV files; where a
// case is only described by its file, the comment at the case says what we synthesise instead.
import { describe, expect, it } from 'vitest';
import { isAbortError, SfaError } from '../../protocol/errors.ts';
import { MOMENTARY_SUB_BLOCKS, SHORT_TERM_SUB_BLOCKS, toLufs, windowMeanSquares } from './gating.ts';
import { channelWeights, measureLoudness } from './loudness.ts';
import { SignalScan } from './signal-scan.ts';

const RATE = 48_000;

/** A stretch of a 1 kHz sine: its peak level (dBFS; -Infinity for silence) and length. */
type Tone = [levelDb: number, seconds: number];

/**
 * A sine whose level changes stretch by stretch without breaking its phase. A sine of a whole
 * number of samples per cycle (1 kHz at 48 kHz: 48) repeats a table of one cycle, which keeps
 * the ~15 minutes of audio this suite synthesises cheap.
 */
function sine(tones: Tone[], options: { frequencyHz?: number; phaseDeg?: number; rate?: number } = {}): Float32Array {
  const { frequencyHz = 1000, phaseDeg = 0, rate = RATE } = options;
  const lengths = tones.map(([, seconds]) => Math.round(seconds * rate));
  const samples = new Float32Array(lengths.reduce((sum, length) => sum + length, 0));
  const at = (n: number) => Math.sin((phaseDeg * Math.PI) / 180 + (2 * Math.PI * frequencyHz * n) / rate);
  const cycle = rate / frequencyHz;
  const table = Number.isInteger(cycle) ? Float64Array.from({ length: cycle }, (_, n) => at(n)) : undefined;
  let n = 0;
  tones.forEach(([levelDb], index) => {
    const amplitude = 10 ** (levelDb / 20);
    for (const end = n + lengths[index]!; n < end; n++) samples[n] = amplitude * (table ? table[n % cycle]! : at(n));
  });
  return samples;
}

function repeat(times: number, ...tones: Tone[]): Tone[] {
  return Array.from({ length: times }, () => tones).flat();
}

/** Raised-cosine ramps over the first and last `seconds`, in place. */
function fade(samples: Float32Array, seconds: number, rate = RATE): Float32Array {
  const length = Math.round(seconds * rate);
  for (let i = 0; i < length; i++) {
    const gain = 0.5 - 0.5 * Math.cos((Math.PI * i) / length);
    samples[i]! *= gain;
    samples[samples.length - 1 - i]! *= gain;
  }
  return samples;
}

/** The same samples in both channels (the EBU stereo signals are dual mono). */
function stereo(samples: Float32Array): Float32Array[] {
  return [samples, samples];
}

/** Loudness (LUFS) of every window of `width` 10 ms sub-blocks, on the 10 ms grid. */
function series(channels: Float32Array[], width: number): Float64Array {
  const scan = new SignalScan(channels, RATE, channelWeights(channels.length));
  while (!scan.done) scan.scan(1000);
  return toLufs(windowMeanSquares(scan, width, 1));
}

const LU = 0.1;

function expectWithin(actual: number, expected: number, below: number, above = below): void {
  expect(actual).toBeGreaterThanOrEqual(expected - below);
  expect(actual).toBeLessThanOrEqual(expected + above);
}

describe('measureLoudness: EBU Tech 3341 loudness cases', () => {
  it('1: stereo -23 dBFS, 20 s reads -23 LUFS momentary, short-term and integrated', async () => {
    const channels = stereo(sine([[-23, 20]]));
    const result = await measureLoudness(channels, RATE);
    expectWithin(result.integratedLufs, -23, LU);
    expectWithin(result.momentaryMaxLufs, -23, LU);
    expectWithin(result.shortTermMaxLufs, -23, LU);
    // A steady tone: every window reads the same.
    for (const value of series(channels, MOMENTARY_SUB_BLOCKS)) expectWithin(value, -23, LU);
  });

  it('2: stereo -33 dBFS, 20 s reads -33 LUFS', async () => {
    const result = await measureLoudness(stereo(sine([[-33, 20]])), RATE);
    expectWithin(result.integratedLufs, -33, LU);
    expectWithin(result.momentaryMaxLufs, -33, LU);
    expectWithin(result.shortTermMaxLufs, -33, LU);
  });

  it('3: -36 / -23 / -36 dBFS for 10 / 60 / 10 s: the relative gate drops the quiet ends', async () => {
    const tones: Tone[] = [
      [-36, 10],
      [-23, 60],
      [-36, 10],
    ];
    expectWithin((await measureLoudness(stereo(sine(tones)), RATE)).integratedLufs, -23, LU);
  });

  it('4: -72 / -36 / -23 / -36 / -72 dBFS: the absolute gate drops -72', async () => {
    const tones: Tone[] = [
      [-72, 10],
      [-36, 10],
      [-23, 60],
      [-36, 10],
      [-72, 10],
    ];
    expectWithin((await measureLoudness(stereo(sine(tones)), RATE)).integratedLufs, -23, LU);
  });

  it('5: -26 / -20 / -26 dBFS for 20 / 20.1 / 20 s averages to -23 LUFS', async () => {
    const tones: Tone[] = [
      [-26, 20],
      [-20, 20.1],
      [-26, 20],
    ];
    expectWithin((await measureLoudness(stereo(sine(tones)), RATE)).integratedLufs, -23, LU);
  });

  it('6: 5.1 (L R C LFE Ls Rs) at -28 / -28 / -24 / silent / -30 / -30 dBFS reads -23 LUFS', async () => {
    const side = sine([[-28, 20]]);
    const surround = sine([[-30, 20]]);
    const channels = [side, side, sine([[-24, 20]]), new Float32Array(side.length), surround, surround];
    expectWithin((await measureLoudness(channels, RATE)).integratedLufs, -23, LU);
  });

  it('9: 1.34 s at -20 / 1.66 s at -30 dBFS, 5 times: short-term -23 LUFS throughout', async () => {
    const channels = stereo(sine(repeat(5, [-20, 1.34], [-30, 1.66])));
    for (const value of series(channels, SHORT_TERM_SUB_BLOCKS)) expectWithin(value, -23, LU);
    expectWithin((await measureLoudness(channels, RATE)).shortTermMaxLufs, -23, LU);
  });

  it('12: 0.18 s at -20 / 0.22 s at -30 dBFS, 25 times: momentary -23 LUFS throughout', async () => {
    const channels = stereo(sine(repeat(25, [-20, 0.18], [-30, 0.22])));
    for (const value of series(channels, MOMENTARY_SUB_BLOCKS)) expectWithin(value, -23, LU);
    expectWithin((await measureLoudness(channels, RATE)).momentaryMaxLufs, -23, LU);
  });

  // Cases 10 and 13 are sets of 20 files whose exact layout the document does not spell out: a
  // -23 dBFS burst at a different position in each, to catch meters whose window grid misses
  // the burst. We place a burst exactly one window long at 20 offsets spread over one 100 ms
  // hop (5 ms apart), which is at least as hard: a meter on a 100 ms grid would lose 0.6 dB on
  // the momentary ones.
  it.each([
    ['10: max short-term of a 3 s burst', 3, 'shortTermMaxLufs'],
    ['13: max momentary of a 0.4 s burst', 0.4, 'momentaryMaxLufs'],
  ] as const)('%s is -23 LUFS wherever the burst starts', async (_, burstSec, reading) => {
    for (let offset = 1; offset <= 20; offset++) {
      const tones: Tone[] = [
        [-Infinity, 0.02 + offset * 0.005],
        [-23, burstSec],
        [-Infinity, 0.02],
      ];
      expectWithin((await measureLoudness(stereo(sine(tones)), RATE))[reading], -23, LU);
    }
  });

  // Cases 11 and 14 are single files of 20 segments whose maxima step from -38 to -19 LUFS;
  // their exact segment layout is again the file's. Ours: each segment is silence then a burst
  // one window long at that level, starting off the 10 ms grid, and we read the loudest window
  // ending in each segment.
  it.each([
    ['11: short-term', 3, SHORT_TERM_SUB_BLOCKS],
    ['14: momentary', 0.4, MOMENTARY_SUB_BLOCKS],
  ] as const)('%s maxima of 20 successive segments read -38 ... -19 LUFS', (_, burstSec, width) => {
    const silenceSec = 1.003;
    const tones = Array.from({ length: 20 }, (_, i): Tone[] => [
      [-Infinity, silenceSec],
      [-38 + i, burstSec],
    ]).flat();
    const values = series(stereo(sine(tones)), width);
    const segmentSubBlocks = (silenceSec + burstSec) * 100;
    for (let segment = 0; segment < 20; segment++) {
      // Window i covers sub-blocks [i, i + width): take those that end within this segment.
      const from = Math.max(0, Math.ceil(segment * segmentSubBlocks) - width);
      const to = Math.min(values.length, Math.floor((segment + 1) * segmentSubBlocks) - width + 1);
      expectWithin(Math.max(...values.subarray(from, to)), -38 + segment, LU);
    }
  });
});

describe('measureLoudness: EBU Tech 3341 true-peak cases', () => {
  // Mono sines at a fraction of the sample rate, started at a phase that puts every sample
  // between the waveform's peaks. The files' exact lengths and edges are not given in the text;
  // ours last 1 s with 20 ms raised-cosine ramps, because an abrupt start at a non-zero phase
  // is a step, and its band-limited reconstruction rings above the sine's own peak.
  it.each([
    [15, 4, 0, -6],
    [16, 4, 45, -6],
    [17, 6, 60, -6],
    [18, 8, 67.5, -6],
    [19, 4, 45, 3],
  ])('%i: a sine at fs/%i, %f degrees, reads %f dBTP', async (_, divisor, phaseDeg, levelDb) => {
    const samples = fade(sine([[levelDb, 1]], { frequencyHz: RATE / divisor, phaseDeg }), 0.02);
    const result = await measureLoudness([samples], RATE);
    expectWithin(result.truePeakDb, levelDb, 0.4, 0.2);
    // The point of the cases: the samples alone under-read.
    if (phaseDeg !== 0) expect(result.samplePeakDb).toBeLessThan(levelDb - 0.5);
  });

  // Cases 20 to 23 (0 dBTP) are recorded signals that the document describes only by their
  // expected reading, so they cannot be synthesised from it. In their place, signals whose true
  // peak is known exactly: a band-limited pulse centred between two samples, at the rates the
  // meter meets, and the fs/4 case at high rates (where BS.1770 would allow less oversampling).
  it.each([44_100, 48_000, 96_000, 192_000])(
    'a band-limited pulse between samples at %i Hz reads 0 dBTP',
    async (rate) => {
      // sinc(0.8 t) under a Gaussian: band-limited to 0.8 of Nyquist, peak 1 at t = 0.5 samples.
      const samples = new Float32Array(Math.round(rate * 0.1));
      const centre = samples.length / 2 + 0.5;
      for (let n = 0; n < samples.length; n++) {
        const t = n - centre;
        const x = 0.8 * Math.PI * t;
        samples[n] = (t === 0 ? 1 : Math.sin(x) / x) * Math.exp(-((t / 60) ** 2));
      }
      const result = await measureLoudness([samples], rate);
      expectWithin(result.truePeakDb, 0, 0.4, 0.2);
      expect(result.samplePeakDb).toBeLessThan(-1);
    },
  );

  it.each([96_000, 192_000])('the fs/4 45-degree sine reads -6 dBTP at %i Hz', async (rate) => {
    const samples = fade(sine([[-6, 0.5]], { frequencyHz: rate / 4, phaseDeg: 45, rate }), 0.02, rate);
    expectWithin((await measureLoudness([samples], rate)).truePeakDb, -6, 0.4, 0.2);
  });
});

describe('measureLoudness: EBU Tech 3342 loudness range cases', () => {
  it.each([
    [
      1,
      10,
      [
        [-20, 20],
        [-30, 20],
      ],
    ],
    [
      2,
      5,
      [
        [-20, 20],
        [-15, 20],
      ],
    ],
    [
      3,
      20,
      [
        [-40, 20],
        [-20, 20],
      ],
    ],
    [
      4,
      15,
      [
        [-50, 20],
        [-35, 20],
        [-20, 20],
        [-35, 20],
        [-50, 20],
      ],
    ],
  ] as [number, number, Tone[]][])('%i: LRA %i LU', async (_, expected, tones) => {
    expectWithin((await measureLoudness(stereo(sine(tones)), RATE)).lra, expected, 1);
  });
});

describe('measureLoudness', () => {
  it('reads a 997 Hz sine the same at 22.05, 44.1 and 96 kHz as at 48 kHz', async () => {
    const at = async (rate: number) =>
      (await measureLoudness(stereo(sine([[-20, 2]], { frequencyHz: 997, rate })), rate)).integratedLufs;
    const reference = await at(48_000);
    expectWithin(reference, -20, LU);
    for (const rate of [22_050, 44_100, 96_000]) expectWithin(await at(rate), reference, 0.05);
  });

  it('reads silence as -Infinity', async () => {
    const result = await measureLoudness(stereo(new Float32Array(RATE * 5)), RATE);
    expect(result).toEqual({
      integratedLufs: -Infinity,
      lra: 0,
      samplePeakDb: -Infinity,
      truePeakDb: -Infinity,
      shortTermMaxLufs: -Infinity,
      momentaryMaxLufs: -Infinity,
    });
  });

  it('reads a sound shorter than a window as that window sliding in from silence', async () => {
    // 0.2 s at -23 dBFS: half of a momentary window, so 3 dB under; too short to gate.
    const result = await measureLoudness(stereo(sine([[-23, 0.2]])), RATE);
    expectWithin(result.momentaryMaxLufs, -26.01, LU);
    expect(result.integratedLufs).toBe(-Infinity);
    expect(result.lra).toBe(0);
  });

  it('weighs surround channels 1.41 and leaves out the LFE', async () => {
    const tone = sine([[-30, 2]]);
    const silent = new Float32Array(tone.length);
    const surround = await measureLoudness([silent, silent, silent, silent, tone, silent], RATE);
    const lfe = await measureLoudness([silent, silent, silent, tone, silent, silent], RATE);
    const left = await measureLoudness([tone, silent], RATE);
    expectWithin(surround.integratedLufs - left.integratedLufs, 10 * Math.log10(1.41), 0.01);
    expect(lfe.integratedLufs).toBe(-Infinity);
  });

  it('reports progress that never decreases and ends at 1', async () => {
    const fractions: number[] = [];
    await measureLoudness(stereo(sine([[-20, 30]])), RATE, { onProgress: (fraction) => fractions.push(fraction) });
    expect(fractions.length).toBeGreaterThan(1);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]!);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.filter((fraction) => fraction === 1)).toHaveLength(1);
  });

  it('rejects with an aborted SfaError when cancelled, before or during the work', async () => {
    const channels = stereo(sine([[-20, 20]]));
    await expect(measureLoudness(channels, RATE, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'aborted',
    });

    const controller = new AbortController();
    const progress: number[] = [];
    const run = measureLoudness(channels, RATE, {
      signal: controller.signal,
      onProgress: (fraction) => {
        progress.push(fraction);
        if (fraction > 0) controller.abort();
      },
    });
    const error: unknown = await run.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SfaError);
    expect(isAbortError(error)).toBe(true);
    expect(progress.at(-1)).toBeLessThan(1);
  });

  it('refuses channels of different lengths', async () => {
    await expect(measureLoudness([new Float32Array(10), new Float32Array(11)], RATE)).rejects.toThrow(RangeError);
    await expect(measureLoudness([], RATE)).rejects.toThrow(RangeError);
  });
});
