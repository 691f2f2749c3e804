// Drives one of the streaming WASM decoders (mpg123, libFLAC, libvorbis, libopus builds from
// the wasm-audio-decoders family): feeds the file in chunks, collects the output, reports
// progress and checks for cancellation between chunks, and always frees the WASM memory.

import { errorMessage, SfaError } from '../protocol/errors.ts';
import { ChannelCollector } from './decoded-audio.ts';
import type { DecodeSteps } from './decode-steps.ts';
import { withQuietDecoders } from './quiet-console.ts';

interface WasmDecodeResult {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
  errors: readonly { message: string }[];
}

/** The shape all of these decoders share (their own typings differ only in sync vs async). */
export interface StreamingWasmDecoder {
  readonly ready: Promise<void>;
  decode(data: Uint8Array): WasmDecodeResult | Promise<WasmDecodeResult>;
  flush?(): Promise<WasmDecodeResult>;
  free(): void | Promise<void>;
}

export interface WasmStreamOutput {
  collector: ChannelCollector;
  /** The decoder's own error messages, in order (a damaged frame, lost sync, ...). */
  errors: string[];
}

/** About this many progress steps per file, within chunk sizes that keep call overhead small. */
const STEPS_PER_FILE = 100;
const MIN_CHUNK_BYTES = 4 * 1024;
const MAX_CHUNK_BYTES = 1024 * 1024;

/**
 * Decodes `bytes` with a decoder from `create`. `name` ('MP3', 'FLAC', ...) words the error
 * if the decoder fails to start or throws. Throws `aborted` between chunks when cancelled.
 */
export async function runWasmDecoder(
  name: string,
  create: () => StreamingWasmDecoder,
  bytes: Uint8Array,
  steps: DecodeSteps,
): Promise<WasmStreamOutput> {
  return withQuietDecoders(async () => {
    let decoder: StreamingWasmDecoder | undefined;
    try {
      decoder = create();
      await decoder.ready;
    } catch (error) {
      await freeQuietly(decoder);
      throw new SfaError('decode-failed', `the ${name} decoder could not start: ${errorMessage(error)}`, {
        cause: error,
      });
    }

    const collector = new ChannelCollector(name);
    const errors: string[] = [];
    const collect = (result: WasmDecodeResult) => {
      collector.add(result.channelData, result.samplesDecoded, result.sampleRate);
      // Messages arrive as the C library words them, sometimes with stray spaces.
      errors.push(...result.errors.map((e) => e.message.replace(/\s+/g, ' ').trim()));
    };
    const chunkBytes = Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, Math.ceil(bytes.length / STEPS_PER_FILE)));
    try {
      for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
        await steps.step(offset / bytes.length);
        collect(await decoder.decode(bytes.subarray(offset, offset + chunkBytes)));
      }
      if (decoder.flush) collect(await decoder.flush());
      return { collector, errors };
    } catch (error) {
      if (error instanceof SfaError) throw error;
      throw new SfaError('decode-failed', `the ${name} data is damaged (decoder: ${errorMessage(error)})`, {
        cause: error,
      });
    } finally {
      await freeQuietly(decoder);
    }
  });
}

async function freeQuietly(decoder: StreamingWasmDecoder | undefined): Promise<void> {
  try {
    await decoder?.free();
  } catch {
    // A decoder that never finished starting has nothing to free, and says so by throwing.
  }
}
