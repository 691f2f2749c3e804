// MPEG audio (MP3, and MP1/MP2) through mpg123 compiled to WASM. mpg123 reads the LAME/Xing
// header and trims the encoder delay and padding (gapless), so a 3.000 s source decodes to
// 3.000 s. It always outputs two channels; a mono file keeps only the first.

import { SfaError } from '../protocol/errors.ts';
import type { DecodedStream } from './decoded-audio.ts';
import type { DecodeSteps } from './decode-steps.ts';
import { assertMp3Complete, expectedMp3Samples, readMp3Info } from './mp3-info.ts';
import { durationForMessage } from './time-format.ts';
import { runWasmDecoder } from './wasm-stream.ts';

/**
 * mpg123 conceals a damaged frame and carries on, as browsers do; a file with more damage
 * than this share of its frames is reported as damaged rather than played with holes.
 */
const TOLERATED_DAMAGED_FRAME_SHARE = 0.01;

export async function decodeMp3(bytes: Uint8Array, steps: DecodeSteps): Promise<DecodedStream> {
  const info = readMp3Info(bytes);
  assertMp3Complete(bytes, info);
  const { MPEGDecoder } = await import('mpg123-decoder');
  const { collector, errors } = await runWasmDecoder('MP3', () => new MPEGDecoder(), bytes, steps);
  const { samplesPerFrame, sampleRate } = info.firstFrame;

  const frames = collector.frames / samplesPerFrame;
  if (errors.length > 0 && (collector.frames === 0 || errors.length > frames * TOLERATED_DAMAGED_FRAME_SHARE)) {
    throw new SfaError(
      'decode-failed',
      `the MP3 data is damaged: ${errors.length} frames could not be decoded (decoder: ${errors[0]})`,
    );
  }
  // mpg123 skips frames it cannot sync to without calling it an error; the header's count
  // shows the hole. Slack: one frame (a file cut inside its last frame), three when the
  // encoder's delay and padding are unknown.
  const expected = expectedMp3Samples(info);
  const slack = (info.gapSamples === undefined ? 3 : 1) * samplesPerFrame;
  if (expected !== undefined && collector.frames < expected - slack) {
    const missing = durationForMessage((expected - collector.frames) / sampleRate);
    throw new SfaError('decode-failed', `the MP3 data is damaged: ${missing} of its audio could not be decoded`);
  }

  const channels = collector.finish();
  return {
    sampleRate: collector.sampleRate,
    channels: info.firstFrame.channels === 1 ? channels.slice(0, 1) : channels,
    codec: info.firstFrame.layer === 3 ? 'MP3' : `MP${info.firstFrame.layer}`,
  };
}
