// `sfa separate <file>`: splits an audio file into stems on onnxruntime-node (or with Quick,
// the built-in DSP separator) and writes one WAV or FLAC file per stem, at the input's sample
// rate and exact length. Stems are written as the separator finishes them, so memory stays at a
// few segments whatever the track's length.

import { mkdir, open, readFile, realpath, rename, rm, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { createOrtSession } from '@sfa/shared/inference/ort-session';
import { errorMessage, SfaError } from '@sfa/shared/protocol/errors';
import { validateDescriptor, type ModelDescriptor } from '@sfa/shared/separation/descriptor';
import { inferDescriptor } from '@sfa/shared/separation/model-check';
import { createOnnxSeparator } from '@sfa/shared/separation/onnx-separator';
import type { Separator, StemChunk, StemName } from '@sfa/shared/separation/types';
import { FlacEncoder, streamInfoPatches } from '../audio/flac-encoder.ts';
import { wavData, wavStreamHeader, type StreamFormat } from '../audio/wav-stream.ts';
import type { CliIo } from './io.ts';
import { readAudioFile } from './read-audio.ts';
import { formatEta, ProgressLine } from './progress-line.ts';

const USAGE = `usage: sfa separate <file> [options]

options:
  --model <quick|path.onnx>   separator: Quick (built in, the default) or an ONNX model file
  --descriptor <path.json>    the model's descriptor (contract, stems, tensors); without it the
                              contract is inferred from the model's tensors where that is unambiguous
  --stems <a,b,...>           stems to write (default: the model's own; 'instrumental' = mix - vocals)
  --out <dir>                 output folder (default: ./<file name>-stems)
  --format <wav|flac>         24-bit WAV (default) or 24-bit FLAC
  --shifts <n>                average n randomly shifted passes (ONNX models; n times slower)`;

const BITS = 24;

/** Runs `sfa separate`; returns the exit code (0 done, 1 failed, 2 bad usage). */
export async function separateCommand(argv: string[], io: CliIo): Promise<number> {
  let args: ReturnType<typeof parseCommandLine>;
  try {
    args = parseCommandLine(argv);
  } catch (error) {
    io.stderr.write(`sfa separate: ${errorMessage(error)}\n${USAGE}\n`);
    return 2;
  }
  if (args === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const progress = new ProgressLine(io, 'separating');
  try {
    const audio = await readAudioFile(args.file).catch((error: unknown) => {
      throw new SfaError(
        error instanceof SfaError ? error.code : 'decode-failed',
        `${args.file}: ${errorMessage(error)}`,
      );
    });
    const separator = await loadSeparator(args.model, args.descriptor, io);
    const stems = args.stems ?? separator.defaultStems;
    for (const stem of stems) {
      if (!separator.stems.includes(stem)) {
        throw new SfaError('bad-request', `the model has no stem '${stem}'; it has ${separator.stems.join(', ')}`);
      }
    }
    const outDir = resolve(args.out ?? `${basename(args.file, extname(args.file))}-stems`);
    const paths = new Map(stems.map((stem) => [stem, join(outDir, `${stem}.${args.format}`)]));
    const input = await realpath(args.file);
    for (const path of paths.values()) {
      if ((await realpath(path).catch(() => path)) === input) {
        throw new SfaError('bad-request', `${path} would overwrite the input file; choose another --out folder`);
      }
    }
    await mkdir(outDir, { recursive: true }).catch((error: unknown) => {
      throw new SfaError('bad-request', `cannot create the output folder ${outDir}: ${errorMessage(error)}`);
    });
    const frames = audio.channels[0]!.length;
    const writers = new Map<StemName, StemWriter>();
    const started = performance.now();
    let finished = false;
    try {
      for (const [stem, path] of paths) {
        const format = { sampleRate: audio.sampleRate, channels: audio.channels.length, frames };
        // Written under a temporary name and renamed once complete: a failed run leaves neither a
        // half-written stem (whose header claims the whole track) nor a clobbered earlier one.
        const partial = `${path}.partial`;
        writers.set(
          stem,
          args.format === 'wav' ? await WavWriter.open(partial, format) : await FlacWriter.open(partial, format),
        );
      }
      await separator.separate(
        { sampleRate: audio.sampleRate, channels: audio.channels },
        {
          stems,
          shifts: args.shifts,
          collect: false,
          onChunk: async (chunk: StemChunk) => {
            for (const [stem, writer] of writers) await writer.write(chunk.stems[stem]!);
          },
          onProgress: (p) => {
            const eta = p.etaSec === undefined ? '' : `  ETA ${formatEta(p.etaSec)}`;
            progress.update(p.fraction, `segment ${p.segment}/${p.segments}${eta}`);
          },
        },
      );
      for (const writer of writers.values()) await writer.finish();
      finished = true;
    } finally {
      await Promise.all([...writers.values()].map((writer) => writer.close()));
      if (!finished) await Promise.all([...writers.values()].map((writer) => rm(writer.path, { force: true })));
    }
    for (const [stem, writer] of writers) await rename(writer.path, paths.get(stem)!);
    progress.clear();
    for (const path of paths.values()) io.stdout.write(`${path}\n`);
    const seconds = (performance.now() - started) / 1000;
    const audioSeconds = frames / audio.sampleRate;
    io.stderr.write(
      `sfa separate: ${stems.length} stems from ${separator.id} in ${seconds.toFixed(1)} s ` +
        `(${audioSeconds.toFixed(1)} s of audio, ${speedRelativeToRealTime(audioSeconds, seconds)})\n`,
    );
    return 0;
  } catch (error) {
    progress.clear();
    io.stderr.write(`sfa separate: ${errorMessage(error).split('\n')[0]}\n`);
    return 1;
  }
}

interface CommandLine {
  file: string;
  model: string;
  descriptor?: string;
  stems?: StemName[];
  out?: string;
  format: 'wav' | 'flac';
  shifts: number;
}

function parseCommandLine(argv: string[]): CommandLine | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string', default: 'quick' },
      descriptor: { type: 'string' },
      stems: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string', default: 'wav' },
      shifts: { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new Error(positionals.length ? 'one input file at a time' : 'no input file');
  if (values.format !== 'wav' && values.format !== 'flac')
    throw new Error(`--format must be wav or flac, got '${values.format}'`);
  const shifts = Number(values.shifts);
  if (!Number.isInteger(shifts) || shifts < 0 || shifts > 20)
    throw new Error(`--shifts must be 0 to 20, got '${values.shifts}'`);
  const stems = values.stems
    ?.split(',')
    .map((stem) => stem.trim())
    .filter(Boolean);
  if (stems?.length === 0) throw new Error('--stems names no stem');
  return {
    file: positionals[0]!,
    model: values.model!,
    descriptor: values.descriptor,
    stems: stems ? [...new Set(stems)] : undefined,
    out: values.out,
    format: values.format,
    shifts,
  };
}

async function loadSeparator(model: string, descriptorPath: string | undefined, io: CliIo): Promise<Separator> {
  if (model === 'quick') {
    if (descriptorPath) throw new SfaError('bad-request', '--descriptor is for ONNX models, not Quick');
    let quick: typeof import('@sfa/shared/separation/quick/quick');
    try {
      quick = await import('@sfa/shared/separation/quick/quick');
    } catch (error) {
      throw new SfaError('internal', `quick separator not available (${errorMessage(error)})`);
    }
    return quick.createQuickSeparator();
  }
  if (extname(model).toLowerCase() !== '.onnx') {
    throw new SfaError('not-found', `unknown model '${model}': give 'quick' or the path of an .onnx file`);
  }
  const bytes = await readFile(model).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SfaError('not-found', `${model}: ${code === 'ENOENT' ? 'no such file' : errorMessage(error)}`);
  });
  const descriptor = descriptorPath ? await readDescriptor(descriptorPath) : undefined;
  const session = await createOrtSession(ort, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    runtimeName: 'onnxruntime-node',
    executionProvider: 'cpu',
    threads: availableParallelism(),
  }).catch((error: unknown) => {
    throw new SfaError('model-invalid', `${model}: ${errorMessage(error)}`);
  });
  if (descriptor) return createOnnxSeparator(session, descriptor);
  const name = basename(model);
  const inferred = inferDescriptor(session, { id: 'local-model', name });
  io.stderr.write(
    `sfa separate: ${name}: no descriptor, taking it for a ${inferred.contract.kind} model ` +
      `at ${inferred.sampleRate} Hz with stems ${inferred.stems.join(', ')}\n`,
  );
  return createOnnxSeparator(session, inferred);
}

async function readDescriptor(path: string): Promise<ModelDescriptor> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SfaError('not-found', `${path}: ${code === 'ENOENT' ? 'no such file' : errorMessage(error)}`);
  }
  try {
    return validateDescriptor(JSON.parse(text));
  } catch (error) {
    throw new SfaError('model-invalid', `${path}: ${errorMessage(error)}`);
  }
}

interface StemWriter {
  readonly path: string;
  write(channels: Float32Array[]): Promise<void>;
  finish(): Promise<void>;
  close(): Promise<void>;
}

/** A 24-bit WAV written in pieces: the header is sized for the whole track up front. */
export class WavWriter implements StemWriter {
  readonly path: string;
  readonly #file: FileHandle;
  readonly #sampleRate: number;

  private constructor(path: string, file: FileHandle, sampleRate: number) {
    this.path = path;
    this.#file = file;
    this.#sampleRate = sampleRate;
  }

  static async open(path: string, format: StreamFormat): Promise<WavWriter> {
    const header = wavStreamHeader(format, BITS);
    const file = await open(path, 'w');
    await file.write(header);
    return new WavWriter(path, file, format.sampleRate);
  }

  async write(channels: Float32Array[]): Promise<void> {
    await this.#file.write(wavData(channels, this.#sampleRate, BITS));
  }

  async finish(): Promise<void> {}

  close(): Promise<void> {
    return this.#file.close();
  }
}

/** A 24-bit FLAC encoded as it arrives; STREAMINFO's MD5 and frame sizes are patched at the end. */
class FlacWriter implements StemWriter {
  readonly path: string;
  readonly #file: FileHandle;
  readonly #encoder: FlacEncoder;

  private constructor(path: string, file: FileHandle, encoder: FlacEncoder) {
    this.path = path;
    this.#file = file;
    this.#encoder = encoder;
  }

  static async open(path: string, format: StreamFormat): Promise<FlacWriter> {
    const encoder = await FlacEncoder.create(format, BITS);
    return new FlacWriter(path, await open(path, 'w'), encoder);
  }

  async write(channels: Float32Array[]): Promise<void> {
    for (const bytes of this.#encoder.encode(channels)) await this.#file.write(bytes);
  }

  async finish(): Promise<void> {
    const { bytes, streamInfo } = this.#encoder.finish();
    for (const part of bytes) await this.#file.write(part);
    if (!streamInfo) return;
    for (const patch of streamInfoPatches(streamInfo)) {
      await this.#file.write(patch.bytes, 0, patch.bytes.length, patch.offset);
    }
  }

  async close(): Promise<void> {
    this.#encoder.delete();
    await this.#file.close();
  }
}

/** "12.3x faster than real time" or "2.1x slower than real time". */
export function speedRelativeToRealTime(audioSeconds: number, seconds: number): string {
  if (seconds <= 0) return 'instantly';
  const ratio = audioSeconds / seconds;
  return ratio >= 1 ? `${ratio.toFixed(1)}x faster than real time` : `${(1 / ratio).toFixed(1)}x slower than real time`;
}
