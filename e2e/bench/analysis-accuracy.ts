// `npm run bench:analysis-accuracy`: the analysis engine's accuracy, in full, against the
// issue's floors. Tempo and beats, and key, on the synthetic corpus (48 songs of 30 s with known
// truth); loudness against the EBU Tech 3341/3342 conformance cases (the unit tests that assert
// them, run here with their names) and against ffmpeg's ebur128 filter on real music (Debian's
// wesnoth-1.16-music when installed; ffmpeg is a benchmark tool, never a runtime dependency).
import { spawnSync } from 'node:child_process';
import { keyAccuracy } from './key-accuracy.ts';
import { compareWithFfmpeg, findMusic, printRows } from './loudness-vs-ffmpeg.ts';
import { rhythmAccuracy } from './rhythm-accuracy.ts';

const COUNT = 48;
const DURATION_SEC = 30;
const section = (title: string) => console.log(`\n=== ${title} ${'='.repeat(Math.max(0, 70 - title.length))}\n`);
const pct = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;

console.log(`analysis accuracy — ${new Date().toISOString()} — Node ${process.version}`);

section(`Tempo and beats: ${COUNT} corpus songs of ${DURATION_SEC} s`);
const rhythm = await rhythmAccuracy({ count: COUNT, durationSec: DURATION_SEC, timeLongTrack: false });

section(`Key: ${COUNT} corpus songs of ${DURATION_SEC} s`);
const key = await keyAccuracy({ count: COUNT, durationSec: DURATION_SEC, timeLongTrack: false });

section('Loudness: EBU Tech 3341 / 3342 conformance (unit tests at the documents’ tolerances)');
const vitest = new URL('../../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const conformance = spawnSync(
  process.execPath,
  [vitest, 'run', '--project', 'node', 'shared/src/analysis/loudness/loudness.test.ts', '--reporter=verbose'],
  { encoding: 'utf8', cwd: new URL('../../', import.meta.url).pathname, env: { ...process.env, NO_COLOR: '1' } },
);
// Verbose lines read "✓ |node| <file> > <suite> > <case> 12ms": keep the mark and the case.
const caseLines = conformance.stdout
  .split('\n')
  .filter((line) => /^\s*[✓×]/.test(line) && line.includes(' > '))
  .map((line) => `${line.trim()[0]} ${line.split(' > ').slice(1).join(' > ')}`);
for (const line of caseLines) console.log(line);
const failedCases = caseLines.filter((line) => line.includes('×')).length;

section('Loudness: against ffmpeg ebur128 on real music');
const ffmpeg = spawnSync('ffmpeg', ['-version']);
let worstIntegrated: number | undefined;
if (ffmpeg.status !== 0) {
  console.log('ffmpeg is not installed (apt-get install ffmpeg): no comparison');
} else {
  const found = findMusic();
  console.log(`${found.files.length} files: ${found.source}\n`);
  const rows = await compareWithFfmpeg(found.files);
  printRows(rows);
  worstIntegrated = Math.max(
    ...rows.map((row) => Math.abs(row.ours.integratedLufs - row.ffmpeg.integratedLufs)).filter(Number.isFinite),
  );
}

section('Summary against the floors');
const rows: [string, string, string, boolean][] = [
  ['tempo Acc1 (within 4%)', pct(rhythm.acc1), '>= 90%', rhythm.acc1 >= 0.9],
  ['tempo Acc2 (x2, x3, x1/2, x1/3)', pct(rhythm.acc2), '>= 98%', rhythm.acc2 >= 0.98],
  ['beat F-measure, songs with drums', rhythm.beatF.drums.toFixed(3), '>= 0.90', rhythm.beatF.drums >= 0.9],
  ['beat F-measure, songs without drums', rhythm.beatF.noDrums.toFixed(3), '(reported)', true],
  ['downbeat F-measure', rhythm.downbeatF.toFixed(3), '(reported)', true],
  ['metre (3/4 vs 4/4)', pct(rhythm.metreAccuracy), '(reported)', true],
  [
    'tempo-change songs with the right curve',
    `${rhythm.tempoChanges.rightCurve}/${rhythm.tempoChanges.songs}`,
    '(reported)',
    true,
  ],
  ['MIREX key weighted score', key.weightedScore.toFixed(3), '>= 0.90', key.weightedScore >= 0.9],
  [
    'tuning error, mean / max',
    `${key.tuning.meanAbsErrorCents.toFixed(1)} / ${key.tuning.maxAbsErrorCents.toFixed(1)} cents`,
    '(reported)',
    true,
  ],
  ['EBU 3341/3342 cases passing', `${caseLines.length - failedCases}/${caseLines.length}`, 'all', failedCases === 0],
];
if (worstIntegrated !== undefined) {
  rows.push([
    'worst |I - ffmpeg| on real music',
    `${worstIntegrated.toFixed(3)} LU`,
    '<= 0.1 LU',
    worstIntegrated <= 0.1,
  ]);
}
for (const [name, value, floor, ok] of rows) {
  console.log(`${name.padEnd(42)} ${value.padStart(16)}  ${floor.padEnd(10)} ${ok ? 'ok' : 'BELOW FLOOR'}`);
}
