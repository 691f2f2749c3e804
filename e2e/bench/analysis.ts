// `npm run bench:analysis`: the whole analysis (tempo, beats, key, loudness, peaks) of a
// 4-minute stereo 44.1 kHz track in Node on one thread, decoding timed apart; in the same run
// `aubio tempo` on the same file as the reference (when aubio-tools is installed), and the
// same analysis in headless Chromium in a Web Worker.
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { analyzeTrack } from '../../shared/src/analysis/analyze.ts';
import { detectKey } from '../../shared/src/analysis/key/key.ts';
import { measureLoudness } from '../../shared/src/analysis/loudness/loudness.ts';
import { analyzeRhythm } from '../../shared/src/analysis/rhythm/rhythm.ts';
import { decodeAudio } from '../../shared/src/audio/decode.ts';
import { encodeWav } from '../../shared/src/audio/wav-encode.ts';
import { corpusSpecs } from '../../shared/src/corpus/corpus.ts';
import { renderSong } from '../../shared/src/corpus/song.ts';
import { computePeaks } from '../../shared/src/waveform/peaks.ts';
import { CHROMIUM_ARGS, findChromium } from '../find-chromium.mjs';
import { serveStatic } from '../static-server.ts';

const DURATION_SEC = 240;
const RUNS = 5;
const PORT = 4191;
const WORK_DIR = new URL('../.bench/analysis/', import.meta.url).pathname;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
async function timeMs(run: () => unknown, runs = RUNS): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return median(times);
}

await mkdir(WORK_DIR, { recursive: true });
const spec = { ...corpusSpecs({ count: 3, durationSec: DURATION_SEC })[2]!, tuningCents: 0 };
console.log(`Rendering a ${DURATION_SEC / 60}-minute stereo 44.1 kHz song (${spec.tempo.bpm} BPM)...`);
const song = renderSong(spec);
const wavPath = `${WORK_DIR}song-4min.wav`;
const wav = encodeWav(song.mix, song.sampleRate, 16);
await writeFile(wavPath, wav);

const decodeMs = await timeMs(() => decodeAudio(wav));
const { channels, sampleRate } = await decodeAudio(wav);
// Warm up the JIT on a short excerpt, as an app would have after its first track.
await analyzeTrack(
  channels.map((c) => c.subarray(0, sampleRate * 20)),
  sampleRate,
);

const stageMs = {
  rhythm: await timeMs(() => analyzeRhythm(channels, sampleRate)),
  key: await timeMs(() => detectKey(channels, sampleRate)),
  loudness: await timeMs(() => measureLoudness(channels, sampleRate)),
  peaks: await timeMs(() => computePeaks(channels, sampleRate)),
};
const wholeMs = await timeMs(async () => {
  await analyzeTrack(channels, sampleRate);
  computePeaks(channels, sampleRate);
});
const result = await analyzeTrack(channels, sampleRate);

let aubioMs: number | undefined;
const aubio = spawnSync('aubio', ['--version'], { encoding: 'utf8' });
if (aubio.status === 0) {
  aubioMs = await timeMs(() => {
    const run = spawnSync('aubio', ['tempo', '-i', wavPath], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`aubio tempo failed: ${run.stderr}`);
  }, 3);
}

// The same analysis in a Web Worker in headless Chromium, bundled from the same sources.
const entry = `${WORK_DIR}worker-entry.ts`;
await writeFile(
  entry,
  `import { analyzeTrack } from '${new URL('../../shared/src/analysis/analyze.ts', import.meta.url).pathname}';
   import { computePeaks } from '${new URL('../../shared/src/waveform/peaks.ts', import.meta.url).pathname}';
   self.onmessage = async ({ data }) => {
     const { channels, sampleRate, runs } = data;
     await analyzeTrack(channels.map((c) => c.subarray(0, sampleRate * 20)), sampleRate);
     const times = [];
     let result;
     for (let i = 0; i < runs; i++) {
       const start = performance.now();
       result = await analyzeTrack(channels, sampleRate);
       computePeaks(channels, sampleRate);
       times.push(performance.now() - start);
     }
     self.postMessage({ times, bpm: result.tempo.bpm });
   };`,
);
await build({
  entryPoints: [entry],
  bundle: true,
  format: 'esm',
  outfile: `${WORK_DIR}site/worker.js`,
  logLevel: 'error',
});
await writeFile(`${WORK_DIR}site/index.html`, '<!doctype html><title>analysis bench</title>');
await writeFile(`${WORK_DIR}site/song.wav`, wav);
const server = await serveStatic(`${WORK_DIR}site`, PORT);
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
let chromiumMs: number;
let chromiumBpm: number;
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${PORT}/`);
  const out = await page.evaluate(
    async ({ runs }) => {
      const bytes = await (await fetch('/song.wav')).arrayBuffer();
      const audio = await new OfflineAudioContext(2, 1, 44100).decodeAudioData(bytes);
      const channels = [audio.getChannelData(0).slice(), audio.getChannelData(1).slice()];
      const worker = new Worker('/worker.js', { type: 'module' });
      return new Promise<{ times: number[]; bpm: number }>((resolve, reject) => {
        worker.onmessage = ({ data }) => resolve(data as { times: number[]; bpm: number });
        worker.onerror = (event) => reject(new Error(event.message));
        worker.postMessage(
          { channels, sampleRate: audio.sampleRate, runs },
          channels.map((c) => c.buffer),
        );
      });
    },
    { runs: RUNS },
  );
  chromiumMs = median(out.times);
  chromiumBpm = out.bpm;
} finally {
  await browser.close();
  server.close();
}

const audioMs = DURATION_SEC * 1000;
const rt = (ms: number) => `${(audioMs / ms).toFixed(0)}x real time`;
console.log(
  `\nTrack: ${DURATION_SEC} s stereo at ${sampleRate} Hz; ${result.tempo.bpm} BPM (truth ${spec.tempo.bpm}), ${result.key.name}, ${result.loudness.integratedLufs.toFixed(1)} LUFS`,
);
console.log(`Median of ${RUNS} runs, one thread:\n`);
console.log(`  decode (WAV, reported apart)      ${decodeMs.toFixed(0).padStart(6)} ms`);
for (const [stage, ms] of Object.entries(stageMs)) console.log(`  ${stage.padEnd(33)} ${ms.toFixed(0).padStart(6)} ms`);
console.log(`  whole analysis + peaks (Node)     ${wholeMs.toFixed(0).padStart(6)} ms   ${rt(wholeMs)} (floor: 300x)`);
console.log(
  `  same in a Chromium Web Worker     ${chromiumMs.toFixed(0).padStart(6)} ms   ${rt(chromiumMs)}; ${(chromiumMs / wholeMs).toFixed(2)}x Node's time (BPM ${chromiumBpm})`,
);
if (aubioMs !== undefined) {
  console.log(
    `  aubio tempo (reference, C)        ${aubioMs.toFixed(0).padStart(6)} ms   ${rt(aubioMs)}; ours does tempo+beats+key+loudness+peaks in ${(wholeMs / aubioMs).toFixed(2)}x aubio's tempo-only time`,
  );
} else {
  console.log('  aubio tempo: not installed (apt-get install aubio-tools) — no reference figure');
}
