import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '@sfa/shared/audio/wav-encode';
import { corpusSpecs } from '@sfa/shared/corpus/corpus';
import { renderSong } from '@sfa/shared/corpus/song';
import { analyzeCommand, type AnalyzeRecord } from './analyze.ts';
import { captureIo } from './capture-io.ts';

// A 20-second song at a known tempo and key (truth from the corpus generator), written as WAV.
const spec = {
  ...corpusSpecs({ count: 1, durationSec: 20 })[0]!,
  tempo: { bpm: 124 },
  tonic: 9,
  mode: 'minor' as const,
};
let dir: string;
let song: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sfa-analyze-'));
  song = join(dir, 'song.wav');
  await writeFile(song, encodeWav(renderSong(spec).mix, spec.sampleRate, 16));
  await writeFile(join(dir, 'notes.txt'), 'not audio at all\n');
  await writeFile(join(dir, 'empty.wav'), new Uint8Array(0));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('sfa analyze', () => {
  it('prints one JSON object per file with tempo, beats, key and loudness', async () => {
    const run = captureIo();
    expect(await analyzeCommand([song, '--json'], run.io)).toBe(0);
    const lines = run.out().trim().split('\n');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as AnalyzeRecord;
    expect(record.bpm).toBeGreaterThan(124 * 0.98);
    expect(record.bpm).toBeLessThan(124 * 1.02);
    expect(record.key).toBe('A minor');
    expect(record.camelot).toBe('8A');
    expect(record.beats.length).toBeGreaterThan(30);
    expect(record.downbeats.every((t) => record.beats.includes(t))).toBe(true);
    expect(record.lufs).toBeLessThan(-5);
    expect(record.lufs).toBeGreaterThan(-30);
    expect(record.truePeakDb).toBeGreaterThanOrEqual(record.samplePeakDb! - 0.01);
    expect(typeof record.lra).toBe('number');
  });

  it('gives each bad file one line on stderr, still analyses the others, and exits 1', async () => {
    const run = captureIo();
    const missing = join(dir, 'missing.mp3');
    const code = await analyzeCommand([join(dir, 'notes.txt'), song, join(dir, 'empty.wav'), missing], run.io);
    expect(code).toBe(1);
    expect(run.out()).toMatch(/song\.wav {2}\d+\.\d BPM {2}A minor · 8A {2}-\d+\.\d LUFS/);
    const errors = run.err().trim().split('\n');
    expect(errors).toEqual([
      expect.stringMatching(/notes\.txt: not an audio file/),
      expect.stringMatching(/empty\.wav: the file is empty/),
      expect.stringMatching(/missing\.mp3: no such file/),
    ]);
  });

  it('decodes FLAC, MP3, Ogg Vorbis and Opus with the npm decoders, no ffmpeg', async () => {
    const fixtures = ['tone.flac', 'tone.mp3', 'tone.ogg', 'tone.opus'].map(
      (name) => new URL(`../../../e2e/fixtures/${name}`, import.meta.url).pathname,
    );
    const run = captureIo();
    expect(await analyzeCommand([...fixtures, '--json'], run.io)).toBe(0);
    const records = run
      .out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AnalyzeRecord);
    // The fixtures' lengths and rates (e2e/fixtures/make-fixtures.sh).
    expect(records.map((r) => [r.sampleRate, Math.round(r.durationSec * 10) / 10])).toEqual([
      [48000, 4],
      [44100, 3],
      [44100, 3.5],
      [48000, 3],
    ]);
  });

  it('refuses to run without files', async () => {
    const run = captureIo();
    expect(await analyzeCommand([], run.io)).toBe(2);
    expect(run.err()).toMatch(/no files given/);
  });

  it('runs as the installed `sfa` bin', async () => {
    const bin = new URL('../../bin/sfa.mjs', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'analyze', '--json', song]);
    expect((JSON.parse(stdout) as AnalyzeRecord).camelot).toBe('8A');
  });
});
