// MP3 test material without system tools: LAME in WASM (wasm-media-encoders).
import { createMp3Encoder } from 'wasm-media-encoders';

/** Encodes planar float PCM (1 or 2 channels) as VBR MP3. */
export async function encodeMp3(channels: Float32Array[], sampleRate: number): Promise<Uint8Array> {
  const encoder = await createMp3Encoder();
  encoder.configure({ sampleRate, channels: channels.length as 1 | 2, vbrQuality: 2 });
  const parts: Uint8Array[] = [];
  for (let i = 0; i < channels[0]!.length; i += 8192) {
    parts.push(encoder.encode(channels.map((channel) => channel.subarray(i, i + 8192))).slice());
  }
  parts.push(encoder.finalize().slice());
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
