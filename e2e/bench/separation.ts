// `npm run bench:separation`: the separation engine's speed and memory with a model of
// htdemucs's contract, layer structure and size (random weights, built here with onnx-proto), on
// a one-minute corpus song: wall time and real-time factor on onnxruntime-node (CPU) and
// onnxruntime-web (WASM, 1 and 2 threads, in Node), their ratio, the share of wall time the
// engine spends outside `session.run`, peak memory separating a 10-minute track, and Quick's
// speed and SDR against the corpus's true stems.
//
// Each backend runs in its own process: onnxruntime-web fixes its thread count at its first
// session, and a process's peak RSS is only its own. WASM is measured on the song's first 15 s
// (three segments; about 20 s each here), the full minute with --full. Figures are from one run
// on a shared machine: compare the ratios, not the absolute times, between runs.

import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { renderCorpus } from '../../shared/src/corpus/corpus.ts';
import type { InferenceSession } from '../../shared/src/inference/session.ts';
import { createOrtSession, type OrtModuleLike } from '../../shared/src/inference/ort-session.ts';
import { quickSeparationFigures } from './quick-separation.ts';
import { htdemucsDescriptor } from '../../shared/src/separation/descriptor-presets.ts';
import { createOnnxSeparator } from '../../shared/src/separation/onnx-separator.ts';
import type { PlanarAudio, Separator } from '../../shared/src/separation/types.ts';
import { buildHtdemucsLikeModel } from '../../models/builders/htdemucs-like.ts';
import { buildHtdemucsMaskModel } from '../../models/builders/test-models.ts';
import { synthesiseSong } from './song.ts';

const RATE = 44_100;
const WORK_DIR = new URL('../.bench/', import.meta.url);
const MODEL_PATH = fileURLToPath(new URL('htdemucs-like.onnx', WORK_DIR));
const SONG_PATH = fileURLToPath(new URL('corpus-song-60s.f32', WORK_DIR));
const EXCERPT_SEC = 15;

type ChildTask =
  | { kind: 'model'; runtime: 'node' | 'web'; threads: number; seconds: number }
  | { kind: 'memory'; minutes: number }
  | { kind: 'engine' };

interface RunFigures {
  label: string;
  audioSec: number;
  segments: number;
  wallSec: number;
  runSec: number;
  /** CPU seconds of the whole process, and of it those inside session.run. */
  cpuSec: number;
  runCpuSec: number;
  peakRssMb: number;
  peakHeapMb: number;
  backend: string;
}

interface MemoryFigures {
  minutes: number;
  inputMb: number;
  rssBeforeMb: number;
  peakRssMb: number;
  peakHeapMb: number;
  /** Typed-array memory (outside the JS heap): the input, tensors and blend buffers. */
  peakArrayBuffersMb: number;
  wallSec: number;
}

interface EngineFigures {
  label: string;
  /** Milliseconds per segment outside session.run (wall), and inside it. */
  outsideMs: number;
  runMs: number;
}

const mb = (bytes: number) => bytes / 1024 ** 2;

/** A session that also counts the process CPU time spent inside `run`. */
function measured(session: InferenceSession): InferenceSession & { runCpuSec: number } {
  const wrapper = {
    ...session,
    runCpuSec: 0,
    async run(...args: Parameters<InferenceSession['run']>) {
      const before = process.cpuUsage();
      try {
        return await session.run(...args);
      } finally {
        const used = process.cpuUsage(before);
        wrapper.runCpuSec += (used.user + used.system) / 1e6;
      }
    },
  };
  return wrapper;
}

async function readSong(seconds: number): Promise<PlanarAudio> {
  const bytes = await readFile(SONG_PATH);
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const length = all.length / 2;
  const frames = Math.min(length, Math.round(seconds * RATE));
  return { sampleRate: RATE, channels: [all.slice(0, frames), all.slice(length, length + frames)] };
}

/** Separates `input` with every stem, streamed (as the app and server do), sampling the heap. */
async function timeSeparation(separator: Separator, input: PlanarAudio, stems?: string[]) {
  let peakHeap = process.memoryUsage().heapUsed;
  let peakArrayBuffers = process.memoryUsage().arrayBuffers;
  const sample = () => {
    const usage = process.memoryUsage();
    peakHeap = Math.max(peakHeap, usage.heapUsed);
    peakArrayBuffers = Math.max(peakArrayBuffers, usage.arrayBuffers);
  };
  let segments = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await separator.separate(input, {
    stems,
    collect: false,
    onChunk: sample,
    onProgress: (p) => {
      segments = p.segments;
      sample();
    },
  });
  const cpu = process.cpuUsage(cpuBefore);
  return {
    wallSec: (performance.now() - started) / 1000,
    cpuSec: (cpu.user + cpu.system) / 1e6,
    segments,
    peakHeapMb: mb(peakHeap),
    peakArrayBuffersMb: mb(peakArrayBuffers),
  };
}

async function childModel(task: Extract<ChildTask, { kind: 'model' }>): Promise<RunFigures> {
  const bytes = new Uint8Array(await readFile(MODEL_PATH));
  let ort: OrtModuleLike;
  let provider: string;
  if (task.runtime === 'node') {
    ort = await import('onnxruntime-node');
    provider = 'cpu';
  } else {
    const web = await import('onnxruntime-web');
    web.env.wasm.numThreads = task.threads;
    ort = web;
    provider = 'wasm';
  }
  const session = measured(
    await createOrtSession(ort, bytes, {
      runtimeName: `onnxruntime-${task.runtime}`,
      executionProvider: provider,
      threads: task.runtime === 'node' ? task.threads : undefined,
    }),
  );
  const separator = createOnnxSeparator(session, htdemucsDescriptor());
  const input = await readSong(task.seconds);
  const figures = await timeSeparation(separator, input);
  return {
    label: '',
    audioSec: input.channels[0]!.length / RATE,
    wallSec: figures.wallSec,
    cpuSec: figures.cpuSec,
    segments: figures.segments,
    peakHeapMb: figures.peakHeapMb,
    runSec: session.stats.runMs / 1000,
    runCpuSec: session.runCpuSec,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    backend: `${session.backend} ${task.threads}t`,
  };
}

/** A model with htdemucs's real tensors but next to no compute: what the engine itself costs. */
async function lightSeparator() {
  const ort = await import('onnxruntime-node');
  const descriptor = htdemucsDescriptor();
  const masks = Array.from({ length: 4 }, () => new Float32Array(2048).fill(0.25));
  const session = await createOrtSession(ort, buildHtdemucsMaskModel(descriptor, { masks }), {
    runtimeName: 'onnxruntime-node',
    executionProvider: 'cpu',
    threads: 2,
  });
  return { session, separator: createOnnxSeparator(session, descriptor) };
}

async function childMemory(task: Extract<ChildTask, { kind: 'memory' }>): Promise<MemoryFigures> {
  const { separator } = await lightSeparator();
  const channels = synthesiseSong(task.minutes * 60, RATE);
  const rssBefore = process.memoryUsage().rss;
  const figures = await timeSeparation(separator, { sampleRate: RATE, channels });
  return {
    minutes: task.minutes,
    inputMb: mb(channels[0].byteLength * 2),
    rssBeforeMb: mb(rssBefore),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    peakHeapMb: figures.peakHeapMb,
    peakArrayBuffersMb: figures.peakArrayBuffersMb,
    wallSec: figures.wallSec,
  };
}

/** The engine's own time per segment for the usual cases, on 60 s of the synthetic song. */
async function childEngine(): Promise<EngineFigures[]> {
  const { session, separator } = await lightSeparator();
  const results: EngineFigures[] = [];
  for (const [label, rate, stems] of [
    ['44.1 kHz, all stems', 44_100, undefined],
    ['44.1 kHz, vocals only', 44_100, ['vocals']],
    ['48 kHz, all stems', 48_000, undefined],
  ] as const) {
    const channels = synthesiseSong(60, rate);
    const { runs, runMs } = session.stats;
    const { wallSec } = await timeSeparation(separator, { sampleRate: rate, channels }, stems && [...stems]);
    const count = session.stats.runs - runs;
    const inside = session.stats.runMs - runMs;
    results.push({ label, outsideMs: (wallSec * 1000 - inside) / count, runMs: inside / count });
  }
  return results;
}

/** Runs this script again as a child for `task`; resolves with the JSON it prints last. */
function runChild<T>(task: ChildTask): Promise<T> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...process.execArgv, script, '--child', JSON.stringify(task)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`child ${JSON.stringify(task)} exited with ${code}`));
      else resolve(JSON.parse(output.trim().split('\n').at(-1)!) as T);
    });
  });
}

const pad = (value: string, width: number) => value.padStart(width);
const fixed = (value: number, digits = 1) => value.toFixed(digits);

async function main() {
  const full = process.argv.includes('--full');
  await mkdir(WORK_DIR, { recursive: true });
  const descriptor = htdemucsDescriptor();
  let started = performance.now();
  const model = buildHtdemucsLikeModel(descriptor);
  await writeFile(MODEL_PATH, model.bytes);
  const buildSec = (performance.now() - started) / 1000;
  const [song] = [...renderCorpus({ count: 1, durationSec: 60 })];
  const interleaved = new Float32Array(2 * song!.mix[0].length);
  interleaved.set(song!.mix[0]);
  interleaved.set(song!.mix[1], song!.mix[0].length);
  await writeFile(SONG_PATH, new Uint8Array(interleaved.buffer));

  const cores = availableParallelism();
  console.log(
    `Separation benchmark, ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'CPU'}, ${cores} cores`,
  );
  console.log(
    `Model: htdemucs-like, ${fixed(model.parameters / 1e6)} M parameters (htdemucs: ~42 M), ` +
      `${fixed(model.macs / 1e9)} G multiply-adds = ${fixed((2 * model.macs) / 1e9, 0)} GFLOP per 7.8 s segment, ` +
      `${fixed(model.bytes.length / 1e6, 0)} MB, built in ${fixed(buildSec)} s`,
  );
  console.log('Track: corpus song 1 (60 s, 44.1 kHz stereo), all four stems, streamed\n');

  const threads = Math.min(2, cores);
  const excerpt = full ? 60 : EXCERPT_SEC;
  const runs: RunFigures[] = [];
  const add = async (label: string, task: ChildTask) => {
    started = performance.now();
    const figures = await runChild<RunFigures>(task);
    runs.push({ ...figures, label });
    console.error(
      `  ${label} ${figures.backend}: ${fixed(figures.wallSec)} s (${fixed((performance.now() - started) / 1000)} s with start-up)`,
    );
  };
  await add('60 s', { kind: 'model', runtime: 'node', threads, seconds: 60 });
  if (!full) await add(`first ${excerpt} s`, { kind: 'model', runtime: 'node', threads, seconds: excerpt });
  await add(`first ${excerpt} s`, { kind: 'model', runtime: 'web', threads: 1, seconds: excerpt });
  if (threads > 1) await add(`first ${excerpt} s`, { kind: 'model', runtime: 'web', threads: 2, seconds: excerpt });
  const memory = await runChild<MemoryFigures>({ kind: 'memory', minutes: 10 });
  const engine = await runChild<EngineFigures[]>({ kind: 'engine' });

  const reference =
    runs.find((r) => r.label === `first ${excerpt} s` && r.backend.startsWith('onnxruntime-node')) ?? runs[0]!;
  console.log(
    'RTF = wall time / audio time (below 1 is faster than real time). "x node" compares wall time with\n' +
      'onnxruntime-node on the same audio. "outside run" is the engine\'s own share (STFT, iSTFT, blending,\n' +
      'resampling, copies): by wall time, and by process CPU time (steadier on a busy machine).\n',
  );
  console.log(
    `${'audio'.padEnd(12)} ${'runtime'.padEnd(26)} ${pad('segments', 8)} ${pad('wall s', 7)} ${pad('RTF', 6)} ` +
      `${pad('x node', 7)} ${pad('run s', 7)} ${pad('outside run', 11)} ${pad('(CPU)', 6)} ${pad('peak RSS', 9)}`,
  );
  for (const r of runs) {
    const sameAudio = r.audioSec === reference.audioSec;
    console.log(
      `${r.label.padEnd(12)} ${r.backend.padEnd(26)} ${pad(String(r.segments), 8)} ${pad(fixed(r.wallSec), 7)} ` +
        `${pad(fixed(r.wallSec / r.audioSec, 2), 6)} ${pad(sameAudio ? fixed(r.wallSec / reference.wallSec, 2) : '', 7)} ` +
        `${pad(fixed(r.runSec), 7)} ${pad(`${fixed((100 * (r.wallSec - r.runSec)) / r.wallSec)}%`, 11)} ` +
        `${pad(`${fixed((100 * (r.cpuSec - r.runCpuSec)) / r.cpuSec)}%`, 6)} ${pad(`${fixed(r.peakRssMb, 0)} MB`, 9)}`,
    );
  }
  console.log(
    `\nMemory, ${memory.minutes}-minute track (htdemucs's real tensors, a mask model with next to no compute; ` +
      `stems streamed):\n  input ${fixed(memory.inputMb, 0)} MB, RSS ${fixed(memory.rssBeforeMb, 0)} MB before separating, ` +
      `peak RSS ${fixed(memory.peakRssMb, 0)} MB, peak JS heap ${fixed(memory.peakHeapMb, 0)} MB, ` +
      `peak typed arrays ${fixed(memory.peakArrayBuffersMb, 0)} MB (input included; ${fixed(memory.wallSec)} s)`,
  );
  console.log("\nThe engine's own time per 7.8 s segment (same model; wall time outside session.run):");
  for (const e of engine)
    console.log(`  ${e.label.padEnd(24)} ${pad(fixed(e.outsideMs, 0), 5)} ms   (run ${fixed(e.runMs, 0)} ms)`);
  // Quick: SDR against the mix/4 baseline on the corpus, and its speed on a 4-minute track.
  console.log('');
  await quickSeparationFigures({ count: 24, durationSec: 30 });
}

const childIndex = process.argv.indexOf('--child');
if (childIndex >= 0) {
  const task = JSON.parse(process.argv[childIndex + 1]!) as ChildTask;
  const result =
    task.kind === 'model'
      ? await childModel(task)
      : task.kind === 'memory'
        ? await childMemory(task)
        : await childEngine();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // onnxruntime-web's worker threads would keep the process alive.
  process.exit(0);
} else {
  await main();
}
