// AAC in MP4/M4A: mp4box demuxes, the platform's WebCodecs AudioDecoder decodes (no AAC
// decoder ships with the app: patents, and every browser with WebCodecs has one). Decoder
// output includes the encoder's priming samples; the edit list says what to keep.

import { errorMessage, SfaError } from '../protocol/errors.ts';
import { ChannelCollector, type DecodedStream } from './decoded-audio.ts';
import type { DecodeSteps } from './decode-steps.ts';
import { demuxMp4Audio, type Mp4AudioTrack } from './mp4-audio-track.ts';

/** Frames queued in the decoder before we wait for it: bounded memory, steady progress. */
const MAX_QUEUED_FRAMES = 64;

export async function decodeAac(bytes: Uint8Array, steps: DecodeSteps): Promise<DecodedStream> {
  const track = await demuxMp4Audio(bytes);
  if (typeof globalThis.AudioDecoder === 'undefined') {
    throw new SfaError('unsupported-codec', 'unsupported codec: AAC needs WebCodecs, which this runtime lacks');
  }
  const config: AudioDecoderConfig = {
    codec: track.codec,
    sampleRate: track.sampleRate,
    numberOfChannels: track.numberOfChannels,
    ...(track.description ? { description: track.description } : {}),
  };
  const { supported } = await AudioDecoder.isConfigSupported(config);
  if (!supported) {
    throw new SfaError('unsupported-codec', `unsupported codec: this browser cannot decode AAC (${track.codec})`);
  }
  const collector = await runAudioDecoder(config, track, steps);
  return {
    sampleRate: collector.sampleRate,
    channels: trim(collector, track),
    codec: track.codec === 'mp4a.40.2' || track.codec === 'mp4a.67' ? 'AAC' : `AAC (${track.codec})`,
  };
}

async function runAudioDecoder(config: AudioDecoderConfig, track: Mp4AudioTrack, steps: DecodeSteps) {
  const collector = new ChannelCollector('AAC');
  let failure: unknown;
  const decoder = new AudioDecoder({
    output: (data) => {
      try {
        collector.add(copyPlanes(data), data.numberOfFrames, data.sampleRate);
      } catch (error) {
        failure ??= error;
      } finally {
        data.close();
      }
    },
    error: (error) => (failure ??= error),
  });
  const damaged = (error: unknown) => {
    if (error instanceof SfaError) return error;
    const reason = errorMessage(error);
    return new SfaError('decode-failed', `the AAC data is damaged (decoder: ${reason})`, { cause: error });
  };

  try {
    decoder.configure(config);
    for (const [index, frame] of track.frames.entries()) {
      if (failure !== undefined) throw failure;
      const { data, timestampUs: timestamp, durationUs: duration } = frame;
      decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp, duration, data }));
      while (decoder.decodeQueueSize > MAX_QUEUED_FRAMES && failure === undefined) await dequeued(decoder);
      await steps.step(index / track.frames.length);
    }
    await decoder.flush();
    if (failure !== undefined) throw failure;
    return collector;
  } catch (error) {
    // A decoder error closes the decoder, so the call that failed afterwards (decode, flush)
    // throws a bare InvalidStateError; the error callback has the real reason.
    throw damaged(failure ?? error);
  } finally {
    if (decoder.state !== 'closed') decoder.close();
  }
}

/** Resolves on the decoder's next `dequeue` event, or after a moment where it has none. */
function dequeued(decoder: AudioDecoder): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      decoder.removeEventListener('dequeue', done);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, 5);
    decoder.addEventListener('dequeue', done);
  });
}

/** Every UA must convert to 'f32-planar' in copyTo, whatever its native output format. */
function copyPlanes(data: AudioData): Float32Array[] {
  return Array.from({ length: data.numberOfChannels }, (_, planeIndex) => {
    const plane = new Float32Array(data.numberOfFrames);
    data.copyTo(plane, { planeIndex, format: 'f32-planar' });
    return plane;
  });
}

/** Drops the priming and the padding the edit list (or the sample table) excludes. */
function trim(collector: ChannelCollector, track: Mp4AudioTrack): Float32Array[] {
  const rate = collector.sampleRate;
  const start = Math.round(track.trimStartSec * rate);
  const keep = track.keepSec === undefined ? Infinity : Math.round(track.keepSec * rate);
  const channels = collector.finish(start + keep);
  // A copy, not a view: the result should not keep the priming alive or start mid-buffer.
  return channels.map((samples) => samples.slice(start));
}
