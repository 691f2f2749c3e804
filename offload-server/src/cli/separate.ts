// `sfa separate <file>`: splits an audio file into stems on onnxruntime-node (or with Quick,
// the built-in DSP separator) and writes one WAV or FLAC file per stem, at the input's sample
// rate and exact length. Stems are written as the separator finishes them, so memory stays at a
// few segments whatever the track's length.

import { mkdir, open, readFile, realpath, rename, rm, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import libFactory from 'libflacjs';
import * as ort from 'onnxruntime-node';
import { encodeWav } from '@sfa/shared/audio/wav-encode';
import { createOrtSession } from '@sfa/shared/inference/ort-session';
import { errorMessage, SfaError } from '@sfa/shared/protocol/errors';
import { validateDescriptor, type ModelDescriptor } from '@sfa/shared/separation/descriptor';
import { inferDescriptor } from '@sfa/shared/separation/model-check';
import { createOnnxSeparator } from '@sfa/shared/separation/onnx-separator';
import type { Separator, StemChunk, StemName } from '@sfa/shared/separation/types';
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

interface StreamFormat {
  sampleRate: number;
  channels: number;
  frames: number;
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

  static async open(path: string, { sampleRate, channels, frames }: StreamFormat): Promise<WavWriter> {
    // encodeWav's header for one frame, with its sizes changed to the whole track's.
    const one = encodeWav(
      Array.from({ length: channels }, () => new Float32Array(1)),
      sampleRate,
      BITS,
    );
    const blockAlign = (BITS / 8) * channels;
    const header = one.slice(0, one.length - blockAlign);
    const view = new DataView(header.buffer);
    const dataBytes = frames * blockAlign;
    // setUint32 would wrap a larger size into a header that lies.
    if (header.length - 8 + dataBytes > 0xffffffff) {
      throw new SfaError('too-large', 'the stems are too long for WAV files (over 4 GB each); use --format flac');
    }
    const file = await open(path, 'w');
    view.setUint32(4, header.length - 8 + dataBytes, true);
    view.setUint32(header.length - 4, dataBytes, true);
    await file.write(header);
    return new WavWriter(path, file, sampleRate);
  }

  async write(channels: Float32Array[]): Promise<void> {
    const bytes = encodeWav(channels, this.#sampleRate, BITS);
    const frames = channels[0]!.length;
    await this.#file.write(bytes.subarray(bytes.length - frames * (BITS / 8) * channels.length));
  }

  async finish(): Promise<void> {}

  close(): Promise<void> {
    return this.#file.close();
  }
}

type Flac = ReturnType<typeof libFactory>;
let flacLibrary: Promise<Flac> | undefined;

/** libflac.js (its asm.js build: the wasm build fetches its .wasm by URL, which Node refuses). */
function loadFlac(): Promise<Flac> {
  flacLibrary ??= new Promise((resolveFlac) => {
    const flac = libFactory();
    if (flac.isReady()) resolveFlac(flac);
    else flac.on('ready', () => resolveFlac(flac));
  });
  return flacLibrary;
}

/** A 24-bit FLAC encoded as it arrives; STREAMINFO's MD5 and frame sizes are patched at the end. */
class FlacWriter implements StemWriter {
  readonly path: string;
  readonly #file: FileHandle;
  readonly #flac: Flac;
  readonly #encoder: number;
  #pending: Uint8Array[] = [];
  #streamInfo: { min_framesize: number; max_framesize: number; md5sum: string } | undefined;

  private constructor(path: string, file: FileHandle, flac: Flac, encoder: number) {
    this.path = path;
    this.#file = file;
    this.#flac = flac;
    this.#encoder = encoder;
  }

  static async open(path: string, { sampleRate, channels, frames }: StreamFormat): Promise<FlacWriter> {
    const flac = await loadFlac();
    const encoder = flac.create_libflac_encoder(sampleRate, channels, BITS, 5, frames, false);
    if (!encoder) throw new SfaError('internal', 'the FLAC encoder could not be created');
    const writer = new FlacWriter(path, await open(path, 'w'), flac, encoder);
    const status = flac.init_encoder_stream(
      encoder,
      (buffer: Uint8Array, bytes: number) => {
        writer.#pending.push(buffer.slice(0, bytes));
      },
      (info) => {
        if (info) writer.#streamInfo = info;
      },
    );
    if (status !== 0) throw new SfaError('internal', `the FLAC encoder would not start (status ${status})`);
    return writer;
  }

  async write(channels: Float32Array[]): Promise<void> {
    const frames = channels[0]!.length;
    const scale = 2 ** (BITS - 1);
    const interleaved = new Int32Array(frames * channels.length);
    channels.forEach((samples, c) => {
      for (let i = 0; i < frames; i++) {
        const value = Math.round(samples[i]! * scale);
        interleaved[i * channels.length + c] = Math.max(-scale, Math.min(scale - 1, value));
      }
    });
    if (!this.#flac.FLAC__stream_encoder_process_interleaved(this.#encoder, interleaved, frames)) {
      throw new SfaError('internal', 'the FLAC encoder failed');
    }
    await this.#flush();
  }

  async finish(): Promise<void> {
    this.#flac.FLAC__stream_encoder_finish(this.#encoder);
    await this.#flush();
    const info = this.#streamInfo;
    if (!info) return;
    // STREAMINFO follows 'fLaC' and its 4-byte block header: frame sizes at 4..9, MD5 at 18..33.
    const patch = new Uint8Array(30);
    const sizes = new DataView(patch.buffer);
    sizes.setUint16(0, info.min_framesize >>> 8);
    sizes.setUint8(2, info.min_framesize & 0xff);
    sizes.setUint16(3, info.max_framesize >>> 8);
    sizes.setUint8(5, info.max_framesize & 0xff);
    await this.#file.write(patch, 0, 6, 8 + 4);
    for (let i = 0; i < 16; i++) patch[i] = parseInt(info.md5sum.slice(2 * i, 2 * i + 2), 16);
    await this.#file.write(patch, 0, 16, 8 + 18);
  }

  async close(): Promise<void> {
    this.#flac.FLAC__stream_encoder_delete(this.#encoder);
    await this.#file.close();
  }

  async #flush(): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    for (const bytes of pending) await this.#file.write(bytes);
  }
}

/** "12.3x faster than real time" or "2.1x slower than real time". */
export function speedRelativeToRealTime(audioSeconds: number, seconds: number): string {
  if (seconds <= 0) return 'instantly';
  const ratio = audioSeconds / seconds;
  return ratio >= 1 ? `${ratio.toFixed(1)}x faster than real time` : `${(1 / ratio).toFixed(1)}x slower than real time`;
}
