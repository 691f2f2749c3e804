// `npm run bench:offload`: the offload server on this machine's CPU, as a real process driven
// over real WebSockets by the shared client, on a one-minute song uploaded as MP3:
//
// - its wall time for a job of an htdemucs-sized model (models/builders/htdemucs-like.ts)
//   against `sfa separate` running the same model on the same file, and against the engine
//   alone with a warm session, in the same run (in turn, three times each, medians): the
//   server's overhead ratio;
// - bytes on the wire per job (upload and stems, frame headers and JSON included) for each
//   output format, and the time to the first stem byte;
// - jobs per minute with 4 concurrent clients;
// - the server's resident memory per concurrent job.
//
// Format, throughput and memory figures for Quick (the built-in separator) come from a second
// pass with it: the byte counts of WAV formats depend only on the length, and Quick's stems are
// real music where the random-weight model makes noise (which FLAC cannot compress).

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { decodeAudio } from '../../shared/src/audio/decode.ts';
import { renderCorpus } from '../../shared/src/corpus/corpus.ts';
import { createOrtSession } from '../../shared/src/inference/ort-session.ts';
import { runOffloadJob, type OffloadJobResult } from '../../shared/src/offload/client.ts';
import type { OutputFormat } from '../../shared/src/offload/protocol.ts';
import { htdemucsDescriptor } from '../../shared/src/separation/descriptor-presets.ts';
import { createOnnxSeparator } from '../../shared/src/separation/onnx-separator.ts';
import { createStemEncoder } from '../../offload-server/src/audio/stem-encoder.ts';
import { buildHtdemucsLikeModel } from '../../models/builders/htdemucs-like.ts';
import { startServerProcess, type ServerProcess } from '../../offload-server/src/testing/server-process.ts';
import { encodeMp3 } from '../mp3-encode.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORK_DIR = fileURLToPath(new URL('../.bench/offload/', import.meta.url));
const MODEL_ID = 'htdemucs-like';

/** A WebSocket that counts the bytes of every message both ways (headers and JSON included). */
class CountingSocket extends WebSocket {
  static sent = 0;
  static received = 0;
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols);
    this.on('message', (data: Buffer | ArrayBuffer) => (CountingSocket.received += data.byteLength));
  }
  override send(data: string | Uint8Array, ...rest: unknown[]): void {
    CountingSocket.sent += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    (super.send as (...args: unknown[]) => void)(data, ...rest);
  }
}

interface JobFigures {
  wallSec: number;
  firstByteSec: number;
  sentBytes: number;
  receivedBytes: number;
  result: OffloadJobResult;
}

let jobCounter = 0;

async function job(server: ServerProcess, model: string, format: OutputFormat, file: Uint8Array): Promise<JobFigures> {
  CountingSocket.sent = 0;
  CountingSocket.received = 0;
  const started = performance.now();
  let firstByte = 0;
  const result = await runOffloadJob({
    serverUrl: server.url,
    WebSocket: CountingSocket,
    jobId: `bench-${process.pid}-${jobCounter++}`,
    model,
    format,
    file,
    onEvent: (e) => {
      // The first audio, not a WAV header (written before separation starts).
      if (e.type === 'stem-data' && !firstByte && e.offset + e.bytes.length > 128) firstByte = performance.now();
    },
  });
  return {
    wallSec: (performance.now() - started) / 1000,
    firstByteSec: (firstByte - started) / 1000,
    sentBytes: CountingSocket.sent,
    receivedBytes: CountingSocket.received,
    result,
  };
}

/** Runs `clients` clients at once, each doing `each` jobs in turn; returns jobs per minute. */
async function throughput(server: ServerProcess, model: string, file: Uint8Array, clients: number, each: number) {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < each; i++) {
        await runOffloadJob({
          serverUrl: server.url,
          WebSocket,
          jobId: `bench-${process.pid}-${jobCounter++}`,
          model,
          format: 'pcm16',
          file,
          busyRetries: 100,
        });
      }
    }),
  );
  const minutes = (performance.now() - started) / 60_000;
  return { jobs: clients * each, minutes, perMinute: (clients * each) / minutes };
}

/** The server's resident memory now, MB (Linux: /proc). */
async function rssMb(server: ServerProcess): Promise<number> {
  return procStatusMb(server, 'VmRSS');
}

async function procStatusMb(server: ServerProcess, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${server.pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) / 1024;
}

/**
 * The server's resident memory just before `work` and its peak while `work` runs: the kernel's
 * high-water mark, reset first (clear_refs 5), so neither the model's warm-up nor sampling
 * gaps distort it, and the server is not scraped while it works.
 */
async function memoryDuring<T>(
  server: ServerProcess,
  work: () => Promise<T>,
): Promise<{ value: T; beforeMb: number; peakMb: number }> {
  const beforeMb = await rssMb(server);
  await writeFile(`/proc/${server.pid}/clear_refs`, '5');
  const value = await work();
  return { value, beforeMb, peakMb: await procStatusMb(server, 'VmHWM') };
}

/**
 * The engine alone, in a process of its own, warmed up as the server warms up (one segment of
 * silence): decode the file, separate, encode 16-bit WAV stems in memory. What a server job
 * would cost with no server around it.
 */
async function referenceChild(songPath: string, modelPath: string): Promise<void> {
  const ort = await import('onnxruntime-node');
  const descriptor = htdemucsDescriptor({ id: MODEL_ID });
  const session = await createOrtSession(ort, new Uint8Array(await readFile(modelPath)), {
    runtimeName: 'onnxruntime-node',
    executionProvider: 'cpu',
    threads: availableParallelism(),
  });
  const separator = createOnnxSeparator(session, descriptor);
  const silence = () => new Float32Array(descriptor.segmentLength);
  await separator.separate({ sampleRate: 44_100, channels: [silence(), silence()] }, { collect: false });
  const started = performance.now();
  const audio = await decodeAudio(new Uint8Array(await readFile(songPath)));
  const stream = { sampleRate: audio.sampleRate, channels: audio.channels.length, frames: audio.channels[0]!.length };
  const encoders = await Promise.all(separator.defaultStems.map(() => createStemEncoder('pcm16', stream)));
  let bytes = 0;
  await separator.separate(audio, {
    collect: false,
    onChunk: (chunk) =>
      separator.defaultStems.forEach((stem, i) => (bytes += encoders[i]!.encode(chunk.stems[stem]!).length)),
  });
  process.stdout.write(`${JSON.stringify({ wallSec: (performance.now() - started) / 1000, bytes })}\n`);
}

function reference(songPath: string, modelPath: string): Promise<{ wallSec: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--reference', songPath, modelPath],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the reference run failed (${code})`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as { wallSec: number });
    });
  });
}

/** `sfa separate` as a user runs it; its wall time, and the separation time it reports. */
function cli(song: string, modelPath: string, descriptorPath: string, out: string) {
  return new Promise<{ wallSec: number; separateSec: number }>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [
        'offload-server/bin/sfa.mjs',
        'separate',
        song,
        '--model',
        modelPath,
        '--descriptor',
        descriptorPath,
        '--format',
        'wav',
        '--out',
        out,
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('exit', (code) => {
      const wallSec = (performance.now() - started) / 1000;
      const reported = /stems from \S+ in ([\d.]+) s/.exec(stderr);
      if (code !== 0 || !reported) reject(new Error(`sfa separate failed (${code}): ${stderr}`));
      else resolve({ wallSec, separateSec: Number(reported[1]) });
    });
  });
}

const mb = (bytes: number) => (bytes / 1024 ** 2).toFixed(2);
const fixed = (value: number, digits = 2) => value.toFixed(digits);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

async function main() {
  await mkdir(WORK_DIR, { recursive: true });
  const temp = await mkdtemp(join(tmpdir(), 'sfa-bench-offload-'));
  const servers: ServerProcess[] = [];
  try {
    const descriptor = htdemucsDescriptor({ id: MODEL_ID, name: 'htdemucs-like (random weights)' });
    const modelPath = join(WORK_DIR, `${MODEL_ID}.onnx`);
    const descriptorPath = join(WORK_DIR, `${MODEL_ID}.json`);
    const model = buildHtdemucsLikeModel(descriptor);
    await writeFile(modelPath, model.bytes);
    await writeFile(descriptorPath, JSON.stringify(descriptor));
    const modelsDir = join(temp, 'models');
    await mkdir(modelsDir);
    await symlink(modelPath, join(modelsDir, `${MODEL_ID}.onnx`));
    await symlink(descriptorPath, join(modelsDir, `${MODEL_ID}.json`));

    // --seconds N: a shorter song, to try the script out (the figures are for 60).
    const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 60;
    const [song] = [...renderCorpus({ count: 1, durationSec: seconds })];
    const mp3 = await encodeMp3([...song!.mix], 44_100);
    const songPath = join(WORK_DIR, `song-${seconds}s.mp3`);
    await writeFile(songPath, mp3);
    const file = new Uint8Array(await readFile(songPath));

    const cores = availableParallelism();
    console.log(
      `Offload server benchmark, ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'CPU'}, ` +
        `${cores} cores, Node ${process.versions.node}`,
    );
    console.log(
      `Song: corpus song 1, ${seconds} s, 44.1 kHz stereo, uploaded as a ${mb(file.length)} MB VBR MP3; ` +
        `model: ${MODEL_ID}, ${(model.bytes.length / 1e6).toFixed(0)} MB; CPU, ${cores} threads, one job at a time\n`,
    );

    const env = {
      SFA_ALLOW_OPEN: '1',
      SFA_MODELS_DIR: modelsDir,
      SFA_EXECUTION_PROVIDER: 'cpu',
      SFA_QUEUE_DEPTH: '64',
      SFA_MAX_JOBS_PER_TOKEN: '64',
      SFA_LOG_LEVEL: 'info',
    };
    const server = await startServerProcess({ ...env, SFA_DATA_DIR: join(temp, 'data') }, 120_000);
    servers.push(server);
    await server.ready();
    const idleMb = await rssMb(server);

    // 1. The same model, the same file: the CLI, the warm engine alone and a server job, in
    // turn, `rounds` times each (this machine is shared: medians, and every run printed).
    const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3;
    const cliRuns = [];
    const referenceRuns = [];
    const serverRuns: { figures: JobFigures; beforeMb: number; peakMb: number }[] = [];
    for (let round = 0; round < rounds; round++) {
      cliRuns.push(await cli(songPath, modelPath, descriptorPath, join(temp, `cli-${round}`)));
      referenceRuns.push(await reference(songPath, modelPath));
      const { value, beforeMb, peakMb } = await memoryDuring(server, () => job(server, MODEL_ID, 'pcm16', file));
      serverRuns.push({ figures: value, beforeMb, peakMb });
    }
    const row = (label: string, values: number[]) => {
      console.log(
        `  ${label.padEnd(76)} ${fixed(median(values), 1).padStart(5)} s   (${values.map((v) => fixed(v, 1)).join(', ')})`,
      );
      return median(values);
    };
    console.log(`Server against the CLI, same model and file (median of ${rounds} runs each, the runs in brackets):`);
    const cliWall = row(
      'sfa separate, whole process (start, model load, decode, separate, write)',
      cliRuns.map((r) => r.wallSec),
    );
    const cliSeparate = row(
      'sfa separate, its own separation figure (after decode and model load)',
      cliRuns.map((r) => r.separateSec),
    );
    const engine = row(
      'the engine alone, warm (decode, separate, encode: as the server holds it)',
      referenceRuns.map((r) => r.wallSec),
    );
    const served = row(
      'server job, open to checked stems (upload, decode, queue, separate, stream)',
      serverRuns.map((r) => r.figures.wallSec),
    );
    const modelPeakMb = Math.max(...serverRuns.map((r) => r.peakMb));
    const modelBeforeMb = serverRuns.at(-1)!.beforeMb;
    console.log(
      `  overhead ratio: ${fixed(served / cliSeparate, 3)}x the CLI's separation, ${fixed(served / cliWall, 3)}x its ` +
        `whole process, ${fixed(served / engine, 3)}x the warm engine`,
    );
    console.log(
      `  time to the first stem audio byte: ${fixed(median(serverRuns.map((r) => r.figures.firstByteSec)), 1)} s`,
    );

    // 2. Four clients at once, one job each, on the same model.
    const heavy = await throughput(server, MODEL_ID, file, 4, 1);
    console.log(
      `  4 concurrent clients: ${heavy.jobs} jobs in ${fixed(heavy.minutes * 60, 1)} s = ` +
        `${fixed(heavy.perMinute)} jobs/min (one runs at a time; the device is the limit)`,
    );
    console.log(
      `  server memory: ${idleMb.toFixed(0)} MB resident once the model is warm (ONNX Runtime's arena, ` +
        `sized by the warm-up run), ${modelBeforeMb.toFixed(0)} MB before a job, ${modelPeakMb.toFixed(0)} MB at its peak`,
    );
    // A second job of the same model at once needs a session of its own.
    const { SFA_MODELS_DIR: _heavy, ...quickOnly } = env;
    const pair = await startServerProcess(
      { ...env, SFA_DATA_DIR: join(temp, 'pair'), SFA_CONCURRENCY: '2', SFA_THREADS: String(Math.max(1, cores / 2)) },
      120_000,
    );
    servers.push(pair);
    await pair.ready();
    const pairMemory = await memoryDuring(pair, () =>
      Promise.all([job(pair, MODEL_ID, 'pcm16', file), job(pair, MODEL_ID, 'pcm16', file)]),
    );
    await pair.stop();
    console.log(
      `  SFA_CONCURRENCY=2, two jobs of the model at once: ${pairMemory.beforeMb.toFixed(0)} MB before, ` +
        `${pairMemory.peakMb.toFixed(0)} MB at the peak: ${(pairMemory.peakMb - pairMemory.beforeMb).toFixed(0)} MB ` +
        `for the second concurrent job (its own session)\n`,
    );

    // 3. Bytes per format, with Quick.
    console.log('Bytes on the wire per job, Quick, all four stems (frame headers and JSON included):');
    console.log(
      `  ${'format'.padEnd(8)} ${'sent MB'.padStart(8)} ${'received MB'.padStart(12)} ${'× upload'.padStart(9)} ${'wall s'.padStart(7)} ${'first byte s'.padStart(13)}`,
    );
    for (const format of ['pcm16', 'f32', 'flac'] as const) {
      const figures = await job(server, 'quick', format, file);
      console.log(
        `  ${format.padEnd(8)} ${mb(figures.sentBytes).padStart(8)} ${mb(figures.receivedBytes).padStart(12)} ` +
          `${fixed(figures.receivedBytes / figures.sentBytes, 1).padStart(9)} ${fixed(figures.wallSec).padStart(7)} ` +
          `${fixed(figures.firstByteSec).padStart(13)}`,
      );
    }
    const quick = await throughput(server, 'quick', file, 4, 4);
    console.log(
      `  4 concurrent clients, Quick: ${quick.jobs} jobs in ${fixed(quick.minutes * 60, 1)} s = ${fixed(quick.perMinute, 1)} jobs/min\n`,
    );

    // 4. Memory per concurrent job: four Quick jobs running at once.
    const wide = await startServerProcess(
      { ...quickOnly, SFA_DATA_DIR: join(temp, 'wide'), SFA_CONCURRENCY: '4' },
      120_000,
    );
    servers.push(wide);
    await wide.ready();
    const wideIdle = await rssMb(wide);
    const { peakMb: widePeak } = await memoryDuring(wide, () =>
      Promise.all(Array.from({ length: 4 }, () => job(wide, 'quick', 'f32', file))),
    );
    console.log(
      `Server memory, Quick, SFA_CONCURRENCY=4, 4 jobs at once: ${wideIdle.toFixed(0)} MB idle, ` +
        `${widePeak.toFixed(0)} MB peak: ${((widePeak - wideIdle) / 4).toFixed(0)} MB per concurrent job`,
    );
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await rm(temp, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--reference') await referenceChild(process.argv[3]!, process.argv[4]!);
else await main();
