// FLAC encoding with libflac.js (libFLAC compiled to WebAssembly), fed planar float stretches as they
// are made. It hands back the bytes libFLAC has produced so far, so a caller can write them to
// a file (the CLI, which patches STREAMINFO at the end) or stream them (the server, which
// cannot: the header is already sent, and a zero MD5 and frame sizes mean "unknown" in FLAC).

import libFactory from 'libflacjs';
import { SfaError } from '@sfa/shared/protocol/errors';
import type { StreamFormat } from './wav-stream.ts';

type Flac = ReturnType<typeof libFactory>;
let flacLibrary: Promise<Flac> | undefined;

/**
 * libflac.js's WebAssembly build (six times faster than its asm.js build). Its loader fetches
 * the .wasm file by path whenever a global `fetch` exists, which fails in Node; without one
 * it reads the file from disk. The loader looks at `fetch` only while it is being required,
 * so `fetch` is hidden for that synchronous call alone.
 */
function loadFlac(): Promise<Flac> {
  flacLibrary ??= new Promise((resolveFlac) => {
    const fetch = globalThis.fetch;
    let flac: Flac;
    try {
      Reflect.deleteProperty(globalThis, 'fetch');
      flac = libFactory('wasm');
    } finally {
      globalThis.fetch = fetch;
    }
    if (flac.isReady()) resolveFlac(flac);
    else flac.on('ready', () => resolveFlac(flac));
  });
  return flacLibrary;
}

export interface FlacStreamInfo {
  min_framesize: number;
  max_framesize: number;
  md5sum: string;
}

export class FlacEncoder {
  readonly #flac: Flac;
  readonly #encoder: number;
  readonly #channels: number;
  readonly #bits: number;
  #pending: Uint8Array[] = [];
  #streamInfo: FlacStreamInfo | undefined;
  #deleted = false;

  private constructor(flac: Flac, encoder: number, channels: number, bits: number) {
    this.#flac = flac;
    this.#encoder = encoder;
    this.#channels = channels;
    this.#bits = bits;
  }

  /** An encoder for `format` at `bits` per sample (level 5, libFLAC's default). */
  static async create(format: StreamFormat, bits = 24): Promise<FlacEncoder> {
    const flac = await loadFlac();
    const encoder = flac.create_libflac_encoder(format.sampleRate, format.channels, bits, 5, format.frames, false);
    if (!encoder) throw new SfaError('internal', 'the FLAC encoder could not be created');
    const writer = new FlacEncoder(flac, encoder, format.channels, bits);
    const status = flac.init_encoder_stream(
      encoder,
      (buffer: Uint8Array, bytes: number) => {
        writer.#pending.push(buffer.slice(0, bytes));
      },
      (info) => {
        if (info) writer.#streamInfo = info;
      },
    );
    if (status !== 0) {
      writer.delete();
      throw new SfaError('internal', `the FLAC encoder would not start (status ${status})`);
    }
    return writer;
  }

  /** Encodes a stretch of planar samples; returns the bytes produced so far (maybe none). */
  encode(channels: Float32Array[]): Uint8Array[] {
    const frames = channels[0]!.length;
    const scale = 2 ** (this.#bits - 1);
    const interleaved = new Int32Array(frames * this.#channels);
    channels.forEach((samples, c) => {
      for (let i = 0; i < frames; i++) {
        const value = Math.round(samples[i]! * scale);
        interleaved[i * this.#channels + c] = Math.max(-scale, Math.min(scale - 1, value));
      }
    });
    if (!this.#flac.FLAC__stream_encoder_process_interleaved(this.#encoder, interleaved, frames)) {
      throw new SfaError('internal', 'the FLAC encoder failed');
    }
    return this.#take();
  }

  /** Flushes the last frames; returns their bytes and STREAMINFO's final values. */
  finish(): { bytes: Uint8Array[]; streamInfo: FlacStreamInfo | undefined } {
    this.#flac.FLAC__stream_encoder_finish(this.#encoder);
    return { bytes: this.#take(), streamInfo: this.#streamInfo };
  }

  /** Frees libFLAC's encoder; safe to call twice. */
  delete(): void {
    if (this.#deleted) return;
    this.#deleted = true;
    this.#flac.FLAC__stream_encoder_delete(this.#encoder);
  }

  #take(): Uint8Array[] {
    const pending = this.#pending;
    this.#pending = [];
    return pending;
  }
}

/**
 * The STREAMINFO fields known only at the end, as (file offset, bytes) patches: the minimum and
 * maximum frame sizes and the MD5 of the audio. STREAMINFO follows 'fLaC' and its 4-byte
 * block header: frame sizes at 4..9, MD5 at 18..33.
 */
export function streamInfoPatches(info: FlacStreamInfo): { offset: number; bytes: Uint8Array }[] {
  const sizes = new Uint8Array(6);
  const view = new DataView(sizes.buffer);
  view.setUint16(0, info.min_framesize >>> 8);
  view.setUint8(2, info.min_framesize & 0xff);
  view.setUint16(3, info.max_framesize >>> 8);
  view.setUint8(5, info.max_framesize & 0xff);
  const md5 = new Uint8Array(16);
  for (let i = 0; i < 16; i++) md5[i] = parseInt(info.md5sum.slice(2 * i, 2 * i + 2), 16);
  return [
    { offset: 8 + 4, bytes: sizes },
    { offset: 8 + 18, bytes: md5 },
  ];
}
