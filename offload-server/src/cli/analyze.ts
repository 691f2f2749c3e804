// `sfa analyze <files...> [--json]`: tempo, key and loudness per file. One bad file gets one
// line on stderr and a non-zero exit; the other files are still analysed.

import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeTrack } from '@sfa/shared/analysis/analyze';
import { isWeakPulse } from '@sfa/shared/analysis/confidence';
import type { AnalysisResult } from '@sfa/shared/analysis/types';
import { errorMessage } from '@sfa/shared/protocol/errors';
import type { CliIo, ExitCode } from './io.ts';
import { ProgressLine } from './progress-line.ts';
import { readAudioFile } from './read-audio.ts';

export const ANALYZE_USAGE = `usage: sfa analyze <files...> [--json]

Prints tempo (BPM), key (with Camelot code), integrated loudness (LUFS), loudness range and
true peak for each file. WAV, FLAC, MP3, Ogg Vorbis and Opus are decoded without ffmpeg.

  --json   one JSON object per file and line, with the beat and downbeat times in seconds`;

/** The `--json` record: stable field names, seconds rounded to the millisecond. */
export interface AnalyzeRecord {
  file: string;
  durationSec: number;
  sampleRate: number;
  bpm: number;
  bpmConfidence: number;
  tempoCurve: { startSec: number; bpm: number }[];
  beatsPerBar: number;
  beats: number[];
  downbeats: number[];
  key: string;
  camelot: string;
  keyConfidence: number;
  tuningCents: number;
  lufs: number | null;
  lra: number;
  truePeakDb: number | null;
  samplePeakDb: number | null;
  engineVersion: number;
}

const ms = (seconds: number) => Math.round(seconds * 1000) / 1000;
/** JSON has no -Infinity: silence's loudness and peaks are null. */
const finiteOrNull = (value: number) => (Number.isFinite(value) ? Math.round(value * 100) / 100 : null);

export function toRecord(file: string, result: AnalysisResult): AnalyzeRecord {
  const { tempo, key, loudness } = result;
  return {
    file,
    durationSec: ms(result.durationSec),
    sampleRate: result.sampleRate,
    bpm: tempo.bpm,
    bpmConfidence: Math.round(tempo.confidence * 100) / 100,
    tempoCurve: tempo.curve.map((segment) => ({ startSec: ms(segment.startSec), bpm: segment.bpm })),
    beatsPerBar: tempo.beatsPerBar,
    beats: tempo.beats.map(ms),
    downbeats: tempo.downbeats.map(ms),
    key: key.name,
    camelot: key.camelot,
    keyConfidence: Math.round(key.confidence * 100) / 100,
    tuningCents: Math.round(key.tuningCents * 10) / 10,
    lufs: finiteOrNull(loudness.integratedLufs),
    lra: Math.round(loudness.lra * 10) / 10,
    truePeakDb: finiteOrNull(loudness.truePeakDb),
    samplePeakDb: finiteOrNull(loudness.samplePeakDb),
    engineVersion: result.engineVersion,
  };
}

function formatLine(record: AnalyzeRecord): string {
  const db = (value: number | null, unit: string) => (value === null ? `-inf ${unit}` : `${value.toFixed(1)} ${unit}`);
  const tempo =
    record.bpm > 0
      ? `${record.bpm.toFixed(1)} BPM${isWeakPulse({ bpm: record.bpm, confidence: record.bpmConfidence }) ? ' (weak pulse)' : ''}`
      : 'no beat';
  const curve =
    record.tempoCurve.length > 1
      ? ` (${Math.min(...record.tempoCurve.map((s) => s.bpm)).toFixed(1)}–${Math.max(...record.tempoCurve.map((s) => s.bpm)).toFixed(1)})`
      : '';
  return [
    record.file,
    `${tempo}${curve}`,
    record.keyConfidence > 0 ? `${record.key} · ${record.camelot}` : 'no key',
    db(record.lufs, 'LUFS'),
    `LRA ${record.lra.toFixed(1)} LU`,
    `TP ${db(record.truePeakDb, 'dBTP')}`,
  ].join('  ');
}

export async function analyzeCommand(argv: string[], io: CliIo): Promise<ExitCode> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    io.stderr.write(`sfa analyze: ${errorMessage(error)}\n${ANALYZE_USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    io.stdout.write(`${ANALYZE_USAGE}\n`);
    return 0;
  }
  const files = parsed.positionals;
  if (files.length === 0) {
    io.stderr.write(`sfa analyze: no files given\n${ANALYZE_USAGE}\n`);
    return 2;
  }
  let failed = false;
  for (const file of files) {
    const progress = new ProgressLine(io, basename(file));
    try {
      const audio = await readAudioFile(file, { onProgress: (f) => progress.update(f * 0.5, 'decoding') });
      const result = await analyzeTrack(audio.channels, audio.sampleRate, {
        onProgress: ({ stage, fraction }) => progress.update(0.5 + fraction * 0.5, stage),
      });
      progress.clear();
      const record = toRecord(file, result);
      io.stdout.write(parsed.values.json ? `${JSON.stringify(record)}\n` : `${formatLine(record)}\n`);
    } catch (error) {
      progress.clear();
      failed = true;
      io.stderr.write(`sfa analyze: ${file}: ${errorMessage(error)}\n`);
    }
  }
  return failed ? 1 : 0;
}
