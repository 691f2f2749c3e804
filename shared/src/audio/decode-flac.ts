// Native FLAC through libFLAC compiled to WASM. STREAMINFO gives the exact sample count, so a
// file that decodes short (cut off, or damaged so that frames are skipped) is caught.

import { SfaError } from '../protocol/errors.ts';
import type { DecodedStream } from './decoded-audio.ts';
import type { DecodeSteps } from './decode-steps.ts';
import { readFlacStreamInfo } from './flac-info.ts';
import { durationForMessage } from './time-format.ts';
import { runWasmDecoder } from './wasm-stream.ts';

export async function decodeFlac(bytes: Uint8Array, steps: DecodeSteps): Promise<DecodedStream> {
  const info = readFlacStreamInfo(bytes);
  const { FLACDecoder } = await import('@wasm-audio-decoders/flac');
  const { collector, errors } = await runWasmDecoder('FLAC', () => new FLACDecoder(), bytes, steps);

  if (errors.length > 0) {
    throw new SfaError('decode-failed', `the FLAC data is damaged (decoder: ${errors[0]})`);
  }
  // The decoder skips what it cannot parse, so a short result is either a cut-off file or one
  // with damaged frames; the words say both, the code says which one is likelier.
  if (info.totalSamples > 0 && collector.frames < info.totalSamples) {
    const announced = durationForMessage(info.totalSamples / info.sampleRate);
    const decoded = durationForMessage(collector.frames / info.sampleRate);
    throw new SfaError(
      'truncated',
      `the file is truncated or damaged: the header announces ${announced} of audio but only ${decoded} could be decoded`,
    );
  }
  const maxFrames = info.totalSamples > 0 ? info.totalSamples : Infinity;
  return { sampleRate: collector.sampleRate, channels: collector.finish(maxFrames), codec: 'FLAC' };
}
