// Decoded audio as it crosses between workers and the page: planar Float32 channels, each
// owning its buffer so it can be transferred (moved) instead of copied.
import * as Comlink from 'comlink';

export interface DecodedPcm {
  sampleRate: number;
  /** One array per channel, equal lengths. */
  channels: Float32Array[];
}

/**
 * `pcm` with every channel owning its whole buffer, and those buffers. A decoder may hand back
 * views into one shared buffer; such channels are copied so each can be transferred.
 */
export function transferablePcm(pcm: DecodedPcm): { pcm: DecodedPcm; buffers: ArrayBuffer[] } {
  const seen = new Set<ArrayBufferLike>();
  const channels = pcm.channels.map((channel) => {
    const owned = channel.byteLength === channel.buffer.byteLength && !seen.has(channel.buffer);
    const result = owned ? channel : channel.slice();
    seen.add(result.buffer);
    return result;
  });
  return {
    pcm: { sampleRate: pcm.sampleRate, channels },
    buffers: channels.map((channel) => channel.buffer as ArrayBuffer),
  };
}

/**
 * Marks `pcm` to be moved, not copied, when comlink sends it as a call's argument or result.
 * comlink looks only at the top-level value: wrap the whole argument or result, never a field
 * of it. The sender must not touch `pcm` afterwards (its buffers are detached once sent).
 */
export function transferPcm(pcm: DecodedPcm): DecodedPcm {
  const { pcm: owned, buffers } = transferablePcm(pcm);
  return Comlink.transfer(owned, buffers);
}
