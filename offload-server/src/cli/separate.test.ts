// `sfa separate` in-process: small ONNX models built here, WAV input written here, stems read
// back with the app's own decoder and compared with what the model must have produced.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '@sfa/shared/audio/decode';
import { encodeWav } from '@sfa/shared/audio/wav-encode';
import { htdemucsDescriptor, waveformDescriptor } from '@sfa/shared/separation/descriptor-presets';
import { GraphBuilder } from '../../../models/builders/onnx-graph.ts';
import { buildWaveformGainModel } from '../../../models/builders/test-models.ts';
import { captureIo } from './capture-io.ts';
import { separateCommand, speedRelativeToRealTime, WavWriter } from './separate.ts';

let dir: string;
const GAINS = [0.1, 0.2, 0.3, 0.4];
// A waveform model with demucs's four stems: its contract can be inferred from the file alone.
const descriptor = waveformDescriptor({
  id: 'gains',
  stems: ['drums', 'bass', 'other', 'vocals'],
  segmentLength: 8_000,
});

function tone(length: number, sampleRate: number, channels: number): Float32Array[] {
  return Array.from({ length: channels }, (_, c) =>
    Float32Array.from({ length }, (_, i) => 0.5 * Math.sin((2 * Math.PI * (220 + 110 * c) * i) / sampleRate)),
  );
}

async function run(...argv: string[]) {
  const capture = captureIo();
  const code = await separateCommand(argv, capture.io);
  return { code, out: capture.out(), err: capture.err() };
}

async function readStem(path: string) {
  return decodeAudio(new Uint8Array(await readFile(path)));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sfa-separate-'));
  await writeFile(join(dir, 'gains.onnx'), buildWaveformGainModel(descriptor, GAINS));
  await writeFile(join(dir, 'gains.json'), JSON.stringify(descriptor));
  await writeFile(join(dir, 'song.wav'), encodeWav(tone(30_000, 44_100, 2), 44_100, 32));
  await writeFile(join(dir, 'mono48.wav'), encodeWav(tone(20_001, 48_000, 1), 48_000, 32));
  await writeFile(join(dir, 'garbage.onnx'), new Uint8Array(500).fill(7));
  await writeFile(join(dir, 'not-audio.wav'), new TextEncoder().encode('hello, this is text'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sfa separate', () => {
  it('writes one 24-bit WAV per stem with the input rate and length (descriptor given)', async () => {
    const out = join(dir, 'out-wav');
    const result = await run(
      join(dir, 'song.wav'),
      '--model',
      join(dir, 'gains.onnx'),
      '--descriptor',
      join(dir, 'gains.json'),
      '--out',
      out,
      '--stems',
      'drums,bass,other,vocals,instrumental',
    );
    expect(result.err).toMatch(
      /5 stems from gains in [\d.]+ s \(0\.7 s of audio, [\d.]+x (faster|slower) than real time\)/,
    );
    expect(result.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual([
      'bass.wav',
      'drums.wav',
      'instrumental.wav',
      'other.wav',
      'vocals.wav',
    ]);
    expect(result.out.trim().split('\n')).toHaveLength(5);
    const input = tone(30_000, 44_100, 2);
    for (const [stem, gain] of [
      ['drums', 0.1],
      ['vocals', 0.4],
      ['instrumental', 0.6],
    ] as const) {
      const decoded = await readStem(join(out, `${stem}.wav`));
      expect(decoded.sampleRate).toBe(44_100);
      expect(decoded.codec).toBe('PCM 24-bit');
      expect(decoded.channels.map((c) => c.length)).toEqual([30_000, 30_000]);
      for (let c = 0; c < 2; c++) {
        expect(
          maxAbsDiff(
            decoded.channels[c]!,
            input[c]!.map((v) => v * gain),
          ),
        ).toBeLessThan(1e-6);
      }
    }
  });

  it('infers the contract of a bare .onnx, writes FLAC, and keeps mono 48 kHz as it is', async () => {
    const out = join(dir, 'out-flac');
    const result = await run(
      join(dir, 'mono48.wav'),
      '--model',
      join(dir, 'gains.onnx'),
      '--stems',
      'vocals,bass',
      '--format',
      'flac',
      '--out',
      out,
    );
    expect(result.code).toBe(0);
    expect(result.err).toContain(
      'no descriptor, taking it for a waveform model at 44100 Hz with stems drums, bass, other, vocals',
    );
    expect((await readdir(out)).sort()).toEqual(['bass.flac', 'vocals.flac']);
    const input = tone(20_001, 48_000, 1)[0]!;
    const vocals = await readStem(join(out, 'vocals.flac'));
    expect(vocals.container).toBe('flac');
    expect(vocals.sampleRate).toBe(48_000);
    expect(vocals.channels.map((c) => c.length)).toEqual([20_001]);
    // Resampled to 44.1 kHz and back: the tone survives to well under -60 dB.
    let error = 0;
    let signal = 0;
    for (let i = 500; i < 19_500; i++) {
      error += (vocals.channels[0]![i]! - 0.4 * input[i]!) ** 2;
      signal += (0.4 * input[i]!) ** 2;
    }
    expect(10 * Math.log10(signal / error)).toBeGreaterThan(60);
  });

  it("writes the model's own stems when none are named, not the derived instrumental", async () => {
    const out = join(dir, 'out-default');
    const result = await run(join(dir, 'song.wav'), '--model', 'quick', '--out', out);
    expect(result.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['bass.wav', 'drums.wav', 'other.wav', 'vocals.wav']);
  });

  it('separates with Quick by default and draws one updating line on a terminal', async () => {
    const out = join(dir, 'out-quick');
    const capture = captureIo(true);
    const code = await separateCommand([join(dir, 'song.wav'), '--stems', 'vocals', '--out', out], capture.io);
    expect(capture.err()).not.toMatch(/not available/);
    expect(code).toBe(0);
    expect(capture.err()).toContain('\r\x1b[2Kseparating ▕');
    const vocals = await readStem(join(out, 'vocals.wav'));
    expect(vocals.channels.map((c) => c.length)).toEqual([30_000, 30_000]);
  });

  it('fails with one clear line on bad input, unreadable or mismatched models', async () => {
    const song = join(dir, 'song.wav');
    const cases: [string[], RegExp][] = [
      [[join(dir, 'missing.wav')], /missing\.wav: no such file/],
      [[join(dir, 'not-audio.wav')], /not-audio\.wav: /],
      [[song, '--model', join(dir, 'garbage.onnx')], /garbage\.onnx: the model could not be loaded/],
      [[song, '--model', join(dir, 'nothing.onnx')], /nothing\.onnx: no such file/],
      [[song, '--model', 'htdemucs'], /unknown model 'htdemucs'/],
      [
        [song, '--model', join(dir, 'gains.onnx'), '--descriptor', join(dir, 'gains.json'), '--stems', 'guitar'],
        /has no stem 'guitar'/,
      ],
    ];
    for (const [argv, message] of cases) {
      const result = await run(...argv);
      expect(result.code, argv.join(' ')).toBe(1);
      expect(result.err).toMatch(message);
      expect(result.err.trim().split('\n')).toHaveLength(1);
    }

    const wrong = join(dir, 'htdemucs.json');
    await writeFile(wrong, JSON.stringify(htdemucsDescriptor()));
    const mismatch = await run(song, '--model', join(dir, 'gains.onnx'), '--descriptor', wrong);
    expect(mismatch.code).toBe(1);
    expect(mismatch.err).toMatch(
      /^sfa separate: the model does not match descriptor "htdemucs" \(htdemucs\): .*has 8000 at axis 2.*the model has no input "x"/,
    );

    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"id": "x"');
    expect((await run(song, '--model', join(dir, 'gains.onnx'), '--descriptor', broken)).err).toMatch(
      /broken\.json: .*JSON/,
    );
  });

  it('leaves no partial stems and keeps existing files when it fails, and never overwrites its input', async () => {
    const song = join(dir, 'song.wav');
    const unknownStem = join(dir, 'out-unknown-stem');
    const unknown = await run(song, '--out', unknownStem, '--stems', 'vocals,guitar');
    expect(unknown.err).toMatch(/has no stem 'guitar'/);
    expect(await readdir(unknownStem).catch((error: NodeJS.ErrnoException) => error.code)).toBe('ENOENT');

    // A model with a symbolic length that returns half a segment fails on its first run.
    const g = new GraphBuilder();
    const input = g.input('input', [1, 2, 'samples']);
    const half = g.node('Slice', [input, g.ints([0]), g.ints([4_000]), g.ints([2])]);
    g.node('Mul', [g.node('Unsqueeze', [half, g.ints([1])]), g.constant([1, 4, 1, 1], GAINS)], {}, ['output']);
    g.output('output', [1, 4, 2, 'out_samples']);
    await writeFile(join(dir, 'half.onnx'), g.encode());
    const kept = join(dir, 'out-kept');
    await mkdir(kept);
    await writeFile(join(kept, 'vocals.wav'), 'an earlier take');
    const failed = await run(
      song,
      '--model',
      join(dir, 'half.onnx'),
      '--descriptor',
      join(dir, 'gains.json'),
      '--out',
      kept,
    );
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/returned output "output" \(stems\) as \[1, 4, 2, 4000\]/);
    expect(await readdir(kept)).toEqual(['vocals.wav']);
    expect(await readFile(join(kept, 'vocals.wav'), 'utf8')).toBe('an earlier take');

    const inPlace = join(dir, 'in-place');
    await mkdir(inPlace);
    const original = await readFile(song);
    await writeFile(join(inPlace, 'vocals.wav'), original);
    const overwrite = await run(join(inPlace, 'vocals.wav'), '--out', inPlace, '--stems', 'vocals,drums');
    expect(overwrite.code).toBe(1);
    expect(overwrite.err).toMatch(/vocals\.wav would overwrite the input file/);
    expect(Buffer.compare(await readFile(join(inPlace, 'vocals.wav')), original)).toBe(0);
    expect(await readdir(inPlace)).toEqual(['vocals.wav']);

    const notAFolder = await run(song, '--out', join(dir, 'song.wav', 'stems'));
    expect(notAFolder.err).toMatch(/^sfa separate: cannot create the output folder .*song\.wav\/stems: /);
  });

  it('refuses a WAV stem past 4 GB instead of writing a header whose sizes wrapped', async () => {
    const path = join(dir, 'huge.wav');
    const huge = WavWriter.open(path, { sampleRate: 192_000, channels: 6, frames: 2 ** 28 });
    await expect(huge).rejects.toMatchObject({ code: 'too-large' });
    expect(await readdir(dir)).not.toContain('huge.wav');
  });

  it('explains its usage and exits 2 when called wrongly', async () => {
    for (const argv of [
      [],
      ['a.wav', 'b.wav'],
      ['a.wav', '--format', 'mp3'],
      ['a.wav', '--shifts', 'many'],
      ['--bogus'],
    ]) {
      const result = await run(...argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.err).toMatch(/usage: sfa separate <file>/);
    }
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--descriptor <path\.json>/);
  });
});

describe('speedRelativeToRealTime', () => {
  it('says how many times faster or slower than real time', () => {
    expect(speedRelativeToRealTime(60, 0.5)).toBe('120.0x faster than real time');
    expect(speedRelativeToRealTime(60, 120)).toBe('2.0x slower than real time');
  });
});
