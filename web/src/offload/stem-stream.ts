// The server's float WAV stems, as they stream in, turned back into the app's stem chunks: each
// stem's header is read once, its data bytes become planar float32 frames, and a chunk is cut
// when every stem has the same stretch. Float32 WAV data is the samples themselves, so the
// chunks hold exactly what the server's engine computed.
import { SfaError } from '@sfa/shared/protocol/errors';

const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

export interface WavLayout {
  /** Bytes before the first sample. */
  headerBytes: number;
  channels: number;
  sampleRate: number;
  /** From the data chunk's size: the server writes the whole length up front. */
  frames: number;
}

function ascii(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

/** The layout of a float WAV from its first bytes; undefined while the header is incomplete. */
export function readFloatWavHeader(bytes: Uint8Array): WavLayout | undefined {
  if (bytes.length < 12) return undefined;
  if (ascii(bytes, 0) !== 'RIFF' || ascii(bytes, 8) !== 'WAVE')
    throw new SfaError('bad-request', 'a stem is not a WAV file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let channels = 0;
  let sampleRate = 0;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = ascii(bytes, at);
    const size = view.getUint32(at + 4, true);
    if (id === 'data') {
      if (!channels) throw new SfaError('bad-request', 'a stem WAV has no fmt chunk before its data');
      return { headerBytes: at + 8, channels, sampleRate, frames: Math.floor(size / (4 * channels)) };
    }
    if (at + 8 + size > bytes.length) return undefined;
    if (id === 'fmt ') {
      const tag = view.getUint16(at + 8, true);
      const bits = view.getUint16(at + 22, true);
      const subTag = tag === WAVE_FORMAT_EXTENSIBLE && size >= 26 ? view.getUint16(at + 32, true) : tag;
      if (subTag !== WAVE_FORMAT_IEEE_FLOAT || bits !== 32) {
        throw new SfaError('bad-request', 'a stem is not a 32-bit float WAV');
      }
      channels = view.getUint16(at + 10, true);
      sampleRate = view.getUint32(at + 12, true);
    }
    at += 8 + size + (size % 2);
  }
  return undefined;
}

export interface FloatChunk {
  startFrame: number;
  frames: number;
  stems: Record<string, Float32Array[]>;
}

class StemBytes {
  /** Stem bytes consumed so far (header included): where the next new byte sits. */
  consumed = 0;
  header = new Uint8Array(0);
  layout?: WavLayout;
  /** Data bytes received and not yet cut into chunks. */
  pending: Uint8Array[] = [];
  pendingBytes = 0;
}

/** Assembles the stems of one job from their byte streams into chunks of common frames. */
export class StemStream {
  readonly #stems = new Map<string, StemBytes>();
  #nextFrame: number;

  /**
   * `startFrame` frames of every stem are already stored (a resumed job); with them comes the
   * WAV header the stems began with, so the stream goes on at byte header + startFrame frames.
   */
  constructor(stems: readonly string[], resume?: { startFrame: number; header: Uint8Array }) {
    this.#nextFrame = resume?.startFrame ?? 0;
    for (const stem of stems) {
      const state = new StemBytes();
      if (resume) {
        state.header = resume.header.slice();
        state.layout = readFloatWavHeader(state.header);
        if (!state.layout) throw new SfaError('bad-request', 'the stored stem header is incomplete');
        state.consumed = state.layout.headerBytes + resume.startFrame * 4 * state.layout.channels;
      }
      this.#stems.set(stem, state);
    }
  }

  /** The header every stem began with, once read. */
  get header(): Uint8Array | undefined {
    const first = this.#stems.values().next().value;
    return first?.layout ? first.header : undefined;
  }

  /** The stems' length in frames, once a header is read. */
  get frames(): number | undefined {
    return this.#stems.values().next().value?.layout?.frames;
  }

  /** Frames already cut into chunks (stored or about to be). */
  get nextFrame(): number {
    return this.#nextFrame;
  }

  /** Takes `bytes` of `stem` at byte `offset`; bytes it already has are skipped. */
  push(stem: string, offset: number, bytes: Uint8Array): void {
    const state = this.#stems.get(stem);
    if (!state) throw new SfaError('bad-request', `the server sent a stem not asked for: ${stem}`);
    if (offset > state.consumed) {
      throw new SfaError('bad-request', `stem ${stem} bytes at ${offset}, expected ${state.consumed}`);
    }
    let fresh = bytes.subarray(state.consumed - offset);
    if (fresh.length === 0) return;
    state.consumed += fresh.length;
    if (!state.layout) {
      const joined = new Uint8Array(state.header.length + fresh.length);
      joined.set(state.header);
      joined.set(fresh, state.header.length);
      state.layout = readFloatWavHeader(joined);
      if (!state.layout) {
        state.header = joined;
        return;
      }
      state.header = joined.slice(0, state.layout.headerBytes);
      fresh = joined.subarray(state.layout.headerBytes);
    }
    // A copy: the payload is a view into a frame the socket may reuse.
    state.pending.push(fresh.slice());
    state.pendingBytes += fresh.length;
  }

  /** Frames every stem has beyond those already cut. */
  available(): number {
    let frames = Infinity;
    for (const state of this.#stems.values()) {
      if (!state.layout) return 0;
      frames = Math.min(frames, Math.floor(state.pendingBytes / (4 * state.layout.channels)));
    }
    return frames === Infinity ? 0 : frames;
  }

  /** Cuts the next `frames` frames of every stem (at most `available()`) as planar channels. */
  take(frames: number): FloatChunk {
    const stems: Record<string, Float32Array[]> = {};
    for (const [stem, state] of this.#stems) {
      const channels = state.layout!.channels;
      const bytes = this.#shift(state, frames * 4 * channels);
      const interleaved = new Float32Array(bytes.buffer, bytes.byteOffset, frames * channels);
      const planar = Array.from({ length: channels }, () => new Float32Array(frames));
      for (let i = 0, at = 0; i < frames; i++) for (let c = 0; c < channels; c++) planar[c]![i] = interleaved[at++]!;
      stems[stem] = planar;
    }
    const chunk = { startFrame: this.#nextFrame, frames, stems };
    this.#nextFrame += frames;
    return chunk;
  }

  /** The first `count` pending bytes of a stem, joined into one aligned array. */
  #shift(state: StemBytes, count: number): Uint8Array {
    const out = new Uint8Array(count);
    let at = 0;
    while (at < count) {
      const head = state.pending[0]!;
      const part = Math.min(head.length, count - at);
      out.set(head.subarray(0, part), at);
      at += part;
      if (part === head.length) state.pending.shift();
      else state.pending[0] = head.subarray(part);
    }
    state.pendingBytes -= count;
    return out;
  }
}

/**
 * A stem's first bytes as the server sent them, rebuilt from its header and its stored chunks
 * (each chunk: planar channels), so a resumed job tells the server how much it holds.
 */
export function floatWavBytes(header: Uint8Array, chunks: readonly Float32Array[][]): Uint8Array {
  const channelCount = chunks[0]?.length ?? 0;
  const frames = chunks.reduce((sum, chunk) => sum + chunk[0]!.length, 0);
  const out = new Uint8Array(header.length + frames * 4 * channelCount);
  out.set(header);
  const view = new DataView(out.buffer);
  let at = header.length;
  for (const chunk of chunks) {
    const length = chunk[0]!.length;
    for (let i = 0; i < length; i++) {
      for (let c = 0; c < channelCount; c++) {
        view.setFloat32(at, chunk[c]![i]!, true);
        at += 4;
      }
    }
  }
  return out;
}
